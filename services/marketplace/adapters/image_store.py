"""Where listing images are kept: files under random names in the uploads folder (file IO only).

An accepted image (``rules.images.accepted_image``: checked by content, stripped of its metadata) is
saved under a fresh random name (``<uuid4 hex>.<ext>``) and referred to from a listing as
``images/<name>``, a URL relative to the marketplace service (served by ``GET /images/<name>``).

Beside it goes its thumbnail (``<uuid4 hex>-thumb.<ext>``, at most ``THUMBNAIL_SIZE`` pixels a side), made
from the accepted image's pixels (so holding no metadata either) and served the same way; a listing
names only the image, and its thumbnail's name follows from it (``thumbnail_name``).
"""

from __future__ import annotations

import io
import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from services.marketplace.rules.images import (
    CONTENT_TYPES,
    DEFAULT_MAX_PIXELS,
    PILLOW_FORMATS,
    TYPES,
    accepted_image,
    carries_metadata,
    clean_image,
)
from shared.errors import NotFound, Unprocessable

URL_PREFIX = "images/"
NAME = re.compile(r"^[0-9a-f]{32}(-thumb)?\.(jpg|png|webp)$")  # an image, or its thumbnail
THUMBNAIL_SIZE = 320  # pixels, the longer side of a thumbnail at most


@dataclass(frozen=True)
class ImageStore:
    """The folder the marketplace keeps uploaded listing images in (a collaborator of its use cases)."""

    folder: Path

    def store(self, data: bytes, declared_type: str, max_pixels: int = DEFAULT_MAX_PIXELS) -> str:
        return store_image(data, declared_type, self.folder, max_pixels)

    def path(self, name: str) -> Path:
        return image_path(self.folder, name)

    def discard(self, name: str) -> None:
        discard_image(self.folder, name)

    def thumbnail(self, name: str) -> str | None:
        """Return the name of a stored image's thumbnail, or None if it has none (stored before thumbnails)."""
        thumb = thumbnail_name(name)
        return thumb if image_path(self.folder, thumb).is_file() else None


def store_image(data: bytes, declared_type: str, folder: Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> str:
    """Save a JPEG, PNG or WebP image of at most 2 MiB, stripped of its metadata, under a random name,
    and its thumbnail beside it."""
    actual, cleaned = accepted_image(data, declared_type, max_pixels)
    small = thumbnail(cleaned, actual)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.{TYPES[actual][0]}"
    _write_new(folder / name, cleaned)
    try:
        _write_new(folder / thumbnail_name(name), small)
    except OSError:
        discard_image(folder, name)
        raise
    return name


def thumbnail(cleaned: bytes, content_type: str, size: int = THUMBNAIL_SIZE) -> bytes:
    """Return a smaller copy (at most size pixels a side) of an accepted image, of its type, with no metadata.

    Made from an image ``accepted_image`` already decoded, turned upright and stripped; the copy's
    pixels are encoded afresh and nothing of Pillow's info but transparency is written out.
    """
    pillow_format = PILLOW_FORMATS[content_type]
    with Image.open(io.BytesIO(cleaned), formats=[pillow_format]) as image:
        image.load()
        small = ImageOps.contain(image, (size, size)) if max(image.size) > size else image.copy()
    if pillow_format == "JPEG" and small.mode not in ("L", "RGB"):
        small = small.convert("RGB")
    small.info = {key: value for key, value in small.info.items() if key == "transparency"}
    out = io.BytesIO()
    small.save(out, format=pillow_format, **{"JPEG": {"quality": 85}, "PNG": {"optimize": True},
                                             "WEBP": {"quality": 85}}[pillow_format])
    return out.getvalue()


def thumbnail_name(name: str) -> str:
    """Return the name of a stored image's thumbnail: ``<hex>-thumb.<ext>`` for ``<hex>.<ext>``."""
    stem, extension = name.rsplit(".", 1)
    return f"{stem.removesuffix('-thumb')}-thumb.{extension}"


def _write_new(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


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


def discard_image(folder: Path, name: str) -> None:
    """Remove a stored image (and its thumbnail) that no listing names any more, so no file is left over."""
    image_path(folder, name).unlink(missing_ok=True)
    image_path(folder, thumbnail_name(name)).unlink(missing_ok=True)
