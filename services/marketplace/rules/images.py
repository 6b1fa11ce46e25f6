"""Which listing images are accepted, and how their metadata is stripped: bytes in, bytes out. Pure.

An image is accepted only when its first bytes are those of a JPEG, PNG or WebP file and the type the
uploader declared agrees; the filename is never trusted. It is then decoded (with Pillow) and its pixels
encoded again, the right way up: what is kept holds no metadata (EXIF with the GPS position a phone
recorded, XMP, comments, text chunks, ICC profiles), and what does not decode, or decodes to more pixels
than ``COOP_MAX_IMAGE_PIXELS`` (a decompression bomb), is refused. Where accepted images are kept is
``adapters.image_store``.
"""

from __future__ import annotations

import io

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from shared.errors import DomainError, Unprocessable

MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_UPLOAD_BYTES = MAX_IMAGE_BYTES + 1024 * 1024  # the request carrying one: room for the multipart form
MAX_IMAGES = 8  # per listing, uploaded and linked together
# Declared type -> (file extension, test of the first bytes)
TYPES = {
    "image/jpeg": ("jpg", lambda head: head.startswith(b"\xff\xd8\xff")),
    "image/png": ("png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    "image/webp": ("webp", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
}
CONTENT_TYPES = {extension: content_type for content_type, (extension, _) in TYPES.items()}
PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
DEFAULT_MAX_PIXELS = 25_000_000  # the default of COOP_MAX_IMAGE_PIXELS
# What Pillow reports of an image that says nothing about who took it or where: how to draw its pixels.
HARMLESS_INFO = frozenset({"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "adobe", "adobe_transform",
                           "progressive", "progression", "transparency", "gamma", "loop", "duration",
                           "background", "timestamp", "aspect", "interlace"})


class ImageTooLarge(DomainError):
    status = 413
    title = "Content Too Large"


def detect_type(data: bytes) -> str | None:
    """Return the image type the bytes start like (``image/png``...), or None if none we accept."""
    return next((content_type for content_type, (_, looks_like) in TYPES.items() if looks_like(data[:12])), None)


def accepted_image(data: bytes, declared_type: str, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[str, bytes]:
    """Return the type and the stripped bytes of an upload (JPEG, PNG or WebP of at most 2 MiB), or refuse it."""
    if not data:
        raise Unprocessable("The image is empty.")
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageTooLarge(f"An image may be at most {MAX_IMAGE_BYTES // (1024 * 1024)} MiB.")
    actual = detect_type(data)
    if actual is None:
        raise Unprocessable("Only JPEG, PNG and WebP images are accepted; this file is none of them.")
    declared = (declared_type or "").split(";")[0].strip().lower()
    if declared != actual:
        raise Unprocessable(f"The file is declared as {declared or 'nothing'!r} but its content is {actual}.")
    return actual, clean_image(data, actual, max_pixels)


def clean_image(data: bytes, content_type: str, max_pixels: int = DEFAULT_MAX_PIXELS) -> bytes:
    """Decode an image of the given type and encode its pixels again, the right way up, with no metadata.

    Refuses (422) what does not decode as that type, and an image of more than max_pixels pixels,
    before its pixels are decoded: a small file can unpack to gigabytes.
    """
    try:
        with Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[content_type]]) as image:
            _check_pixels(image.size, max_pixels)
            image.load()
            return _encode(_upright(image), PILLOW_FORMATS[content_type])
    except Image.DecompressionBombError:  # beyond even Pillow's own limit, found as the file is opened
        raise Unprocessable(f"An image may have at most {max_pixels:,} pixels; this one has far more.") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as error:
        raise Unprocessable(f"The file could not be read as a {content_type.split('/')[1].upper()} image "
                            f"({error}).") from None


def _check_pixels(size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width * height > max_pixels:
        raise Unprocessable(f"An image may have at most {max_pixels:,} pixels; this one is {width} × {height}.")


def _upright(image: Image.Image) -> Image.Image:
    # The orientation lives in the EXIF that is about to be dropped: turn the pixels first, so the photo
    # is not shown on its side. EXIF that cannot be read says nothing reliable about orientation.
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # malformed EXIF raises anything from struct.error to KeyError
        return image.copy()


def _encode(image: Image.Image, pillow_format: str) -> bytes:
    profile = image.info.get("icc_profile")
    if pillow_format == "JPEG" and image.mode not in ("L", "RGB"):
        image = image.convert("RGB")  # CMYK and the rarer modes: what browsers draw the same everywhere
    if profile:
        image = _in_srgb(image, profile)
    # Only the palette's transparency is kept: every other entry Pillow read (EXIF, XMP, ICC, comments,
    # PNG text chunks) would be written back out by some plugin if it stayed in info.
    image.info = {key: value for key, value in image.info.items() if key == "transparency"}
    out = io.BytesIO()
    options = {"JPEG": {"quality": 90, "optimize": True}, "PNG": {"optimize": True}, "WEBP": {"quality": 90}}
    image.save(out, format=pillow_format, **options[pillow_format])
    return out.getvalue()


def _in_srgb(image: Image.Image, profile: bytes) -> Image.Image:
    """Convert pixels described by an embedded colour profile to sRGB, so dropping the profile keeps the colours."""
    if image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # a profile that cannot be read: the pixels as they are


def carries_metadata(data: bytes, content_type: str) -> bool:
    """Tell whether a stored image holds anything beyond its pixels (EXIF, XMP, ICC, comments, text)."""
    with Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[content_type]]) as image:
        return bool(set(image.info) - HARMLESS_INFO) or bool(image.getexif())
