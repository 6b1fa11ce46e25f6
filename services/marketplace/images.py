"""Listing images uploaded by member businesses: checked by content, stored under random names.

An image is accepted only when its first bytes are those of a JPEG, PNG or WebP file and the type the
uploader declared agrees; the filename is never trusted. It is saved under a fresh random name
(``<uuid4 hex>.<ext>``) and referred to from a listing as ``images/<name>``, a URL relative to the
marketplace service (served by ``GET /images/<name>``).
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

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


class ImageTooLarge(DomainError):
    status = 413
    title = "Content Too Large"


def detect_type(data: bytes) -> str | None:
    """Return the image type the bytes start like (``image/png``...), or None if none we accept."""
    return next((content_type for content_type, (_, looks_like) in TYPES.items() if looks_like(data[:12])), None)


def store_image(data: bytes, declared_type: str, folder: Path) -> str:
    """Save a JPEG, PNG or WebP image of at most 2 MiB in folder under a random name, and return the name."""
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
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.{TYPES[actual][0]}"
    descriptor = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    return name


def image_path(folder: Path, name: str) -> Path:
    """Return where a stored image lives; a name that is not one we give out is refused as not found."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise NotFound("There is no such image.")
    return folder / name


def content_type(name: str) -> str:
    """Return the Content-Type of a stored image by its (validated) name."""
    return CONTENT_TYPES[name.rsplit(".", 1)[1]]


def add_image(session: Session, listing_id: int, by: Principal, data: bytes, declared_type: str,
              folder: Path) -> tuple[Listing, str]:
    """Store an image and append its URL (``images/<name>``) to one of the caller's listings.

    Ownership and the limit of images are checked before anything is written; the caller commits, and
    discards the file (``discard_image``) if the commit fails. Returns the listing and the file's name.
    """
    listing = own_listing(session, listing_id, by)  # locked: two uploads at once cannot pass the limit together
    current = listing.images or []
    if len(current) >= MAX_IMAGES:
        raise Unprocessable(f"A listing may have at most {MAX_IMAGES} images.")
    name = store_image(data, declared_type, folder)
    listing.images = [*current, URL_PREFIX + name]  # a new list, so the change is saved
    listing.updated_at = utcnow()
    return listing, name


def discard_image(folder: Path, name: str) -> None:
    """Remove a stored image whose listing change was not saved, so no file is left that nothing names."""
    image_path(folder, name).unlink(missing_ok=True)
