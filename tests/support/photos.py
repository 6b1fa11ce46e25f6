"""Real images built with Pillow, as a phone or a hostile uploader would send them."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import ExifTags, Image

# Where the photo was taken: what a phone writes into EXIF, and what must never be served.
GPS = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (53.0, 48.0, 1.5),
       ExifTags.GPS.GPSLongitudeRef: "W", ExifTags.GPS.GPSLongitude: (1.0, 32.0, 49.0)}
FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


def photo(content_type: str = "image/jpeg", size: tuple[int, int] = (40, 30), gps: bool = False,
          orientation: int | None = None, comment: bytes | None = None) -> bytes:
    """Return an image with a few colours; with gps, EXIF holding a position and the camera's make."""
    image = Image.new("RGB", size, (200, 40, 40))
    image.paste((30, 90, 200), (0, 0, size[0] // 2, size[1] // 2))  # a corner of another colour, to tell which way up
    exif = Image.Exif()
    if gps:
        exif[ExifTags.Base.Make] = "PhoneMaker"
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    options = {"exif": exif.tobytes()} if len(exif) or gps else {}
    if comment is not None:
        options["comment"] = comment
    out = io.BytesIO()
    image.save(out, format=FORMATS[content_type], **options)
    return out.getvalue()


def bomb_png(width: int = 30_000, height: int = 30_000) -> bytes:
    """Return a PNG of a few hundred bytes whose header claims width x height pixels (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = zlib.compress(b"\x00" * (width + 1) * 8)  # a few rows: the header alone is what is checked
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", rows) + _chunk(b"IEND", b""))


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def metadata_of(data: bytes) -> dict:
    """Return what an image holds beyond its pixels: its EXIF tags (GPS included) and Pillow's info."""
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return {"exif": dict(exif), "gps": dict(exif.get_ifd(ExifTags.IFD.GPSInfo)), "info": dict(image.info)}


def size_of(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size
