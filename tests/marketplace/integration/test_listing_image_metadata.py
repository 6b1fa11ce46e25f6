"""Uploaded photos keep none of their metadata (issue 15, item 18): a phone photo's EXIF, with the GPS
position where it was taken (often the maker's home), was stored as sent and served to anyone. Every
upload is decoded and encoded again (the right way up); what does not decode, and an image of more pixels
than allowed (a decompression bomb), is refused with 422; `coop images strip-metadata` strips the images
stored before, once."""

from __future__ import annotations

import dataclasses
import io

import pytest

from services.marketplace.rules.images import clean_image
from tests.support.cli import run_coop
from tests.support.photos import bomb_png, metadata_of, photo, size_of

TYPES = ["image/jpeg", "image/png", "image/webp"]
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


@pytest.fixture
def seller(market):
    return market.member("producer", name="Paper Birds")


@pytest.fixture
def draft(market, seller):
    return market.listing(seller, publish=False)


def upload(market, seller, listing_id, data, content_type="image/jpeg"):
    return market.client.post(f"/shop/listings/{listing_id}/images", headers=seller.headers,
                              data={"image": (io.BytesIO(data), "photo", content_type)},
                              content_type="multipart/form-data")


def uploads(market):
    return market.runtime.settings.data_dir / "uploads"


def stored(market) -> list[str]:
    folder = uploads(market)
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def assert_no_metadata(data: bytes) -> None:
    found = metadata_of(data)
    assert found["exif"] == {} and found["gps"] == {}
    assert not {"exif", "xmp", "icc_profile", "comment"} & set(found["info"])
    assert b"PhoneMaker" not in data


# -- uploads ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", TYPES)
def test_a_photo_with_its_gps_position_is_stored_and_served_without_it(market, seller, draft, content_type):
    sent = photo(content_type, gps=True)
    assert metadata_of(sent)["gps"], "the test photo should carry a position"
    response = upload(market, seller, draft["id"], sent, content_type)
    assert response.status_code == 201, response.json
    [url] = response.json["images"]

    served = market.client.get(f"/{url}")
    assert served.status_code == 200 and served.mimetype == content_type
    assert_no_metadata(served.data)
    assert size_of(served.data) == size_of(sent)
    assert_no_metadata((uploads(market) / url.removeprefix("images/")).read_bytes())


def test_a_jpeg_comment_is_dropped_too(market, seller, draft):
    url = upload(market, seller, draft["id"], photo(comment=b"Taken at 12 Acacia Avenue")).json["images"][0]
    served = market.client.get(f"/{url}").data
    assert b"Acacia" not in served
    assert "comment" not in metadata_of(served)["info"]


def test_a_photo_taken_sideways_is_stored_the_right_way_up(market, seller, draft):
    sideways = photo(size=(40, 20), orientation=6)  # the camera says: turn it a quarter to show it
    url = upload(market, seller, draft["id"], sideways).json["images"][0]
    served = market.client.get(f"/{url}").data
    assert size_of(served) == (20, 40)
    assert_no_metadata(served)


REFUSED = {
    "text behind a PNG signature": (b"\x89PNG\r\n\x1a\n" + b"not an image at all" * 10, "image/png"),
    "a JPEG cut short": (photo("image/jpeg")[:60], "image/jpeg"),
    "a WebP cut short": (photo("image/webp")[:40], "image/webp"),
    "a decompression bomb": (bomb_png(), "image/png"),
    "a bomb under Pillow's own limit": (bomb_png(8_000, 8_000), "image/png"),
}


@pytest.mark.parametrize(("data", "content_type"), REFUSED.values(), ids=REFUSED)
def test_what_does_not_decode_or_has_too_many_pixels_is_refused(market, seller, draft, data, content_type):
    response = upload(market, seller, draft["id"], data, content_type)
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    assert stored(market) == []
    assert market.client.get(f"/shop/listings/{draft['id']}", headers=seller.headers).json["images"] == []


def test_the_pixel_limit_is_a_setting(market, seller, draft, monkeypatch):
    given = market.runtime.collaborators
    monkeypatch.setattr(given, "settings", dataclasses.replace(given.settings, max_image_pixels=1000))
    too_many = upload(market, seller, draft["id"], photo(size=(40, 30)))  # 1,200 pixels
    assert too_many.status_code == 422
    assert "1,000 pixels" in too_many.json["detail"]
    assert upload(market, seller, draft["id"], photo(size=(40, 25))).status_code == 201  # 1,000 pixels


# -- the images stored before -------------------------------------------------------------------------


def put_in_store(market, content_type: str, data: bytes, stem: str) -> str:
    """Write a file into the uploads folder as an upload stored before the stripping was, by its name."""
    folder = uploads(market)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"{stem * 32}.{EXTENSIONS[content_type]}"
    (folder / name).write_bytes(data)
    return name


def test_the_command_strips_the_images_already_stored_and_then_has_nothing_to_do(market, settings):
    with_gps = {put_in_store(market, kind, photo(kind, gps=True), stem): kind
                for kind, stem in zip(TYPES, "abc", strict=True)}
    clean = put_in_store(market, "image/png", clean_image(photo("image/png"), "image/png"), "d")
    untouched = (uploads(market) / clean).read_bytes()

    first = run_coop(settings, "images", "strip-metadata")
    assert first.exit_code == 0, first.output
    assert "3 image(s) rewritten" in first.output and "1 already clean" in first.output
    for name, kind in with_gps.items():
        data = (uploads(market) / name).read_bytes()
        assert_no_metadata(data)
        assert size_of(data) == size_of(photo(kind))
    assert (uploads(market) / clean).read_bytes() == untouched

    again = run_coop(settings, "images", "strip-metadata")
    assert again.exit_code == 0, again.output
    assert "0 image(s) rewritten" in again.output and "4 already clean" in again.output


def test_the_command_serves_the_stripped_image_under_the_same_name(market, settings, seller, draft):
    name = put_in_store(market, "image/jpeg", photo(gps=True), "e")
    market.client.patch(f"/shop/listings/{draft['id']}", json={"images": [f"images/{name}"]}, headers=seller.headers)
    assert run_coop(settings, "images", "strip-metadata").exit_code == 0
    served = market.client.get(f"/images/{name}")
    assert served.status_code == 200
    assert_no_metadata(served.data)


def test_the_command_names_a_stored_file_it_cannot_read_and_leaves_it(market, settings):
    name = put_in_store(market, "image/png", b"\x89PNG\r\n\x1a\nbroken", "f")
    put_in_store(market, "image/jpeg", photo(gps=True), "0")
    result = run_coop(settings, "images", "strip-metadata")
    assert result.exit_code == 1
    assert name in result.output and "1 image(s) rewritten" in result.output
    assert (uploads(market) / name).read_bytes() == b"\x89PNG\r\n\x1a\nbroken"


def test_the_command_with_nothing_stored_does_nothing(settings):
    result = run_coop(settings, "images", "strip-metadata")
    assert result.exit_code == 0
    assert "0 image(s) rewritten" in result.output
