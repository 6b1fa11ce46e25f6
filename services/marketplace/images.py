"""Listing images uploaded by member businesses: checked by content, stored under random names.

An image is accepted only when its first bytes are those of a JPEG, PNG or WebP file and the type the
uploader declared agrees; the filename is never trusted. It is then decoded (with Pillow) and its pixels
encoded again, the right way up: what is stored holds no metadata (EXIF with the GPS position a phone
recorded, XMP, comments, text chunks, ICC profiles), and what does not decode, or decodes to more pixels
than ``COOP_MAX_IMAGE_PIXELS`` (a decompression bomb), is refused. It is saved under a fresh random name
(``<uuid4 hex>.<ext>``) and referred to from a listing as ``images/<name>``, a URL relative to the
marketplace service (served by ``GET /images/<name>``).
"""

from __future__ import annotations

import io
import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from sqlalchemy.orm import Session

from services.marketplace.listings import own_listing
from services.marketplace.models import Listing
from shared.auth import Principal
from shared.db import utcnow
from shared.errors import DomainError, NotFound, Unprocessable

MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_UPLOAD_BYTES = MAX_IMAGE_BYTES + 1024 * 1024  # the request carrying one: room for the multipart form
MAX_IMAGES = 8  # per listing, uploaded and linked together
URL_PREFIX = "images/"
NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp)$")
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


def store_image(data: bytes, declared_type: str, folder: Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> str:
    """Save a JPEG, PNG or WebP image of at most 2 MiB, stripped of its metadata, under a random name."""
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
    cleaned = clean_image(data, actual, max_pixels)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.{TYPES[actual][0]}"
    descriptor = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(cleaned)
    return name


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


@dataclass
class Stripped:
    """What stripping the stored images did: how many were rewritten, already clean, or left as they were."""

    rewritten: int = 0
    clean: int = 0
    refused: dict[str, str] = field(default_factory=dict)  # name -> why it was left as it is


def strip_stored(folder: Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> Stripped:
    """Rewrite every stored image that still carries metadata, as an upload is stored now; again, nothing.

    Each file is replaced in one step (a new file renamed over it), so the image being served at that
    moment is either the old one or the new one, never half of one. Its name, and so every listing's
    link to it, stays the same.
    """
    found = Stripped()
    if not folder.is_dir():
        return found
    for path in sorted(folder.iterdir()):
        if not NAME.fullmatch(path.name):
            continue  # not an image we stored (a temporary file of a run cut short, say)
        data = path.read_bytes()
        kind = content_type(path.name)
        try:
            if not carries_metadata(data, kind):
                found.clean += 1
                continue
            cleaned = clean_image(data, kind, max_pixels)
        except Unprocessable as refusal:
            found.refused[path.name] = refusal.message
            continue
        except (Image.DecompressionBombError, UnidentifiedImageError, OSError, ValueError, SyntaxError,
                EOFError) as error:
            found.refused[path.name] = f"it could not be read ({error})"
            continue
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(cleaned)
        os.replace(temporary, path)
        found.rewritten += 1
    return found


def image_path(folder: Path, name: str) -> Path:
    """Return where a stored image lives; a name that is not one we give out is refused as not found."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise NotFound("There is no such image.")
    return folder / name


def content_type(name: str) -> str:
    """Return the Content-Type of a stored image by its (validated) name."""
    return CONTENT_TYPES[name.rsplit(".", 1)[1]]


def add_image(session: Session, listing_id: int, by: Principal, data: bytes, declared_type: str,
              folder: Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[Listing, str]:
    """Store an image and append its URL (``images/<name>``) to one of the caller's listings.

    Ownership and the limit of images are checked before anything is written; the caller commits, and
    discards the file (``discard_image``) if the commit fails. Returns the listing and the file's name.
    """
    listing = own_listing(session, listing_id, by)  # locked: two uploads at once cannot pass the limit together
    current = listing.images or []
    if len(current) >= MAX_IMAGES:
        raise Unprocessable(f"A listing may have at most {MAX_IMAGES} images.")
    name = store_image(data, declared_type, folder, max_pixels)
    listing.images = [*current, URL_PREFIX + name]  # a new list, so the change is saved
    listing.updated_at = utcnow()
    return listing, name


def discard_image(folder: Path, name: str) -> None:
    """Remove a stored image whose listing change was not saved, so no file is left that nothing names."""
    image_path(folder, name).unlink(missing_ok=True)
