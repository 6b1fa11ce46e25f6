"""Listing images as plain functions: accepted by their first bytes (which must agree with the declared
type), within the size limit, decoded and encoded again, saved under random names, and found again only
by names we give out."""

from __future__ import annotations

import stat

import pytest

from services.marketplace.adapters.image_store import content_type, image_path, store_image
from services.marketplace.rules.images import MAX_IMAGE_BYTES, ImageTooLarge
from shared.errors import NotFound, Unprocessable
from tests.support.photos import photo, size_of


def png() -> bytes:
    return photo("image/png")


JPEG = photo("image/jpeg")
WEBP = photo("image/webp")


@pytest.mark.parametrize(("data", "declared", "extension"), [
    (JPEG, "image/jpeg", "jpg"), (png(), "image/png", "png"), (WEBP, "image/webp", "webp")])
def test_each_accepted_type_is_saved_under_a_random_name_with_its_extension(tmp_path, data, declared, extension):
    name = store_image(data, declared, tmp_path / "uploads")
    assert name.endswith(f".{extension}") and len(name) == 32 + 1 + len(extension)
    assert size_of(image_path(tmp_path / "uploads", name).read_bytes()) == size_of(data)  # the same picture
    assert content_type(name) == declared


def test_two_uploads_of_the_same_image_get_different_names(tmp_path):
    assert store_image(png(), "image/png", tmp_path) != store_image(png(), "image/png", tmp_path)


def test_the_folder_is_created_private(tmp_path):
    store_image(png(), "image/png", tmp_path / "uploads")
    assert stat.S_IMODE((tmp_path / "uploads").stat().st_mode) == 0o700


def test_a_declared_type_with_parameters_or_capitals_still_agrees(tmp_path):
    assert store_image(png(), "Image/PNG; charset=binary", tmp_path).endswith(".png")


@pytest.mark.parametrize(("data", "declared"), [
    (png(), "image/jpeg"),  # a PNG declared as JPEG
    (JPEG, "image/png"),
    (WEBP, "image/png"),
    (png(), ""),
    (b"just some text, renamed robin.png", "image/png"),  # the filename is never looked at
    (b"GIF89a\x01\x00\x01\x00", "image/gif"),  # a real image, of a type we do not take
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
    (b"RIFF\x00\x00\x00\x00WAVEfmt ", "image/webp"),  # RIFF, but not WebP
    (b"\x89PN", "image/png"),  # too short to be a PNG
])
def test_content_that_is_not_the_declared_accepted_type_is_refused(tmp_path, data, declared):
    with pytest.raises(Unprocessable):
        store_image(data, declared, tmp_path / "uploads")
    assert not (tmp_path / "uploads").exists()


def test_an_empty_file_is_refused(tmp_path):
    with pytest.raises(Unprocessable, match="empty"):
        store_image(b"", "image/png", tmp_path)


def test_an_image_of_exactly_2_mib_is_accepted_and_one_byte_more_is_too_large(tmp_path):
    image = png()
    assert store_image(image + b"\x00" * (MAX_IMAGE_BYTES - len(image)), "image/png", tmp_path / "ok")
    with pytest.raises(ImageTooLarge) as refused:
        store_image(image + b"\x00" * (MAX_IMAGE_BYTES + 1 - len(image)), "image/png", tmp_path / "big")
    assert refused.value.status == 413
    assert not (tmp_path / "big").exists()


@pytest.mark.parametrize("name", [
    "../secret.png", "../../etc/passwd", "..%2f" + "a" * 32 + ".png", "/etc/passwd", "a" * 32 + ".png/../x",
    "A" * 32 + ".png", "a" * 31 + ".png", "a" * 33 + ".png", "a" * 32 + ".gif", "a" * 32 + ".PNG",
    "a" * 32 + ".png\n", "g" * 32 + ".png", "", ".png", "a" * 32, "a" * 32 + ".jpg.exe",
])
def test_names_we_never_give_out_are_not_found(tmp_path, name):
    with pytest.raises(NotFound):
        image_path(tmp_path, name)


def test_a_name_we_give_out_is_found_in_the_folder(tmp_path):
    assert image_path(tmp_path, "0123456789abcdef" * 2 + ".webp") == tmp_path / ("0123456789abcdef" * 2 + ".webp")
