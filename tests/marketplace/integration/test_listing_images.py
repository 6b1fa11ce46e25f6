"""Images uploaded to a member's own listing: who may upload, what is refused (and then nothing is stored),
the limit of images per listing, and serving the stored image to anyone with its own content type."""

from __future__ import annotations

import io

import pytest

from services.marketplace.rules.images import MAX_IMAGE_BYTES, MAX_IMAGES
from tests.support.photos import photo, size_of

JPEG = photo("image/jpeg")
WEBP = photo("image/webp")


def png() -> bytes:
    return photo("image/png")


def upload(market, trader, listing_id, data, content_type="image/png", filename="robin.png"):
    return market.client.post(f"/shop/listings/{listing_id}/images", headers=trader.headers,
                              data={"image": (io.BytesIO(data), filename, content_type)},
                              content_type="multipart/form-data")


def stored(market):
    """The names of the files in the marketplace's uploads folder."""
    folder = market.runtime.settings.data_dir / "uploads"
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def own(market, trader, listing_id):
    return market.client.get(f"/shop/listings/{listing_id}", headers=trader.headers).json


@pytest.fixture
def seller(market):
    return market.member("producer", name="Paper Birds Cards")


@pytest.fixture
def draft(market, seller):
    return market.listing(seller, publish=False)


# -- uploading and serving ----------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "content_type", "extension"), [
    (png(), "image/png", "png"), (JPEG, "image/jpeg", "jpg"), (WEBP, "image/webp", "webp")])
def test_the_owner_uploads_an_image_and_anyone_can_see_it_with_its_type(market, seller, draft, data,
                                                                        content_type, extension):
    response = upload(market, seller, draft["id"], data, content_type, f"robin.{extension}")
    assert response.status_code == 201, response.json
    assert response.json["id"] == draft["id"]
    [url] = response.json["images"]
    assert url.startswith("images/") and url.endswith(f".{extension}")
    name = url.removeprefix("images/")
    assert stored(market) == sorted([name, name.replace(".", "-thumb.")])  # the image and its thumbnail

    shown = market.client.get(f"/{url}")
    assert shown.status_code == 200
    assert size_of(shown.data) == size_of(data)  # the same picture, encoded again without its metadata
    assert shown.mimetype == content_type
    assert shown.headers["X-Content-Type-Options"] == "nosniff"


def test_uploaded_images_are_added_after_the_linked_ones_and_kept_by_an_edit(market, seller):
    listing = market.listing(seller, publish=False, images=["https://example.org/robin.jpg"])
    url = upload(market, seller, listing["id"], png()).json["images"][1]
    assert own(market, seller, listing["id"])["images"] == ["https://example.org/robin.jpg", url]

    response = market.client.patch(f"/shop/listings/{listing['id']}", json={"images": [url]}, headers=seller.headers)
    assert response.status_code == 200, response.json
    assert response.json["images"] == [url]


def test_an_edit_cannot_point_images_anywhere_else_on_the_service(market, seller, draft):
    for bad in ("images/../marketplace.db", "/images/" + "a" * 32 + ".png", "javascript:alert(1)"):
        response = market.client.patch(f"/shop/listings/{draft['id']}", json={"images": [bad]},
                                       headers=seller.headers)
        assert response.status_code == 422, bad


def test_a_published_listing_shows_its_uploaded_image_in_the_catalogue(market, seller):
    listing = market.listing(seller)
    url = upload(market, seller, listing["id"], png()).json["images"][0]
    assert market.client.get(f"/listings/{listing['id']}").json["images"] == [url]


# -- who may upload -----------------------------------------------------------------------------------


def test_another_member_cannot_upload_to_someone_elses_listing(market, seller, draft):
    other = market.member("producer", name="Silver Threads")
    assert upload(market, other, draft["id"], png()).status_code == 403
    assert own(market, seller, draft["id"])["images"] == []
    assert stored(market) == []


@pytest.mark.parametrize("who", ["customer", "agency"])
def test_a_customer_or_agency_cannot_upload(market, draft, who):
    trader = market.customer() if who == "customer" else market.member("agency")
    assert upload(market, trader, draft["id"], png()).status_code == 403
    assert stored(market) == []


def test_uploading_needs_a_token(market, draft):
    response = market.client.post(f"/shop/listings/{draft['id']}/images",
                                  data={"image": (io.BytesIO(png()), "robin.png", "image/png")},
                                  content_type="multipart/form-data")
    assert response.status_code == 401
    assert stored(market) == []


def test_uploading_to_an_unknown_listing_is_not_found(market, seller):
    assert upload(market, seller, 999_999, png()).status_code == 404
    assert stored(market) == []


# -- what is refused ----------------------------------------------------------------------------------


def test_an_image_of_2_mib_fits_and_one_byte_more_is_too_large(market, seller, draft):
    image = png()
    fits = upload(market, seller, draft["id"], image + b"\x00" * (MAX_IMAGE_BYTES - len(image)))
    assert fits.status_code == 201, fits.json
    before = stored(market)

    response = upload(market, seller, draft["id"], image + b"\x00" * (MAX_IMAGE_BYTES + 1 - len(image)))
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert stored(market) == before
    assert len(own(market, seller, draft["id"])["images"]) == 1


def test_a_body_far_above_the_limit_is_refused_before_it_is_read(market, seller, draft):
    response = upload(market, seller, draft["id"], png() + b"\x00" * (4 * 1024 * 1024))
    assert response.status_code == 413
    assert stored(market) == []


def test_other_endpoints_keep_the_smaller_body_limit(market, seller):
    response = market.client.post("/shop/listings", data="x" * (2 * 1024 * 1024), content_type="application/json",
                                  headers=seller.headers)
    assert response.status_code == 413


@pytest.mark.parametrize(("data", "content_type", "filename"), [
    (png(), "image/jpeg", "robin.jpg"),  # a PNG declared as JPEG
    (b"just some text", "image/png", "robin.png"),  # a text file renamed .png
    (b"GIF89a\x01\x00\x01\x00", "image/gif", "robin.gif"),
    (b"", "image/png", "robin.png"),
])
def test_anything_but_a_jpeg_png_or_webp_of_its_declared_type_is_refused(market, seller, draft, data,
                                                                         content_type, filename):
    response = upload(market, seller, draft["id"], data, content_type, filename)
    assert response.status_code == 422, response.json
    assert stored(market) == []
    assert own(market, seller, draft["id"])["images"] == []


def test_a_form_without_the_image_file_is_refused(market, seller, draft):
    response = market.client.post(f"/shop/listings/{draft['id']}/images", headers=seller.headers,
                                  data={"image": "not a file"}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert stored(market) == []


def test_a_listing_takes_eight_images_and_the_ninth_is_refused(market, seller, draft):
    for _ in range(MAX_IMAGES):
        assert upload(market, seller, draft["id"], png()).status_code == 201
    response = upload(market, seller, draft["id"], png())
    assert response.status_code == 422
    assert len(stored(market)) == 2 * MAX_IMAGES  # each image and its thumbnail
    assert len(own(market, seller, draft["id"])["images"]) == MAX_IMAGES


def test_linked_images_count_towards_the_eight(market, seller):
    listing = market.listing(seller, publish=False, images=[f"https://example.org/{n}.jpg" for n in range(8)])
    assert upload(market, seller, listing["id"], png()).status_code == 422
    assert stored(market) == []


# -- serving ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [
    "0123456789abcdef" * 2 + ".png",  # well formed, never stored
    "..%2Fmarketplace.db", "marketplace.db", "jwt-private.pem", "A" * 32 + ".png", "a" * 32 + ".gif",
])
def test_an_unknown_or_invalid_image_name_is_not_found(market, seller, draft, name):
    upload(market, seller, draft["id"], png())  # so the folder exists and holds something
    response = market.client.get(f"/images/{name}")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_the_data_folder_cannot_be_reached_through_the_images_path(market, seller, draft):
    upload(market, seller, draft["id"], png())
    for path in ("/images/../marketplace.db", "/images/%2e%2e/marketplace.db", "/images/..%2fmarketplace.db"):
        assert market.client.get(path).status_code == 404, path


def test_an_upload_whose_change_cannot_be_saved_leaves_no_file_behind(market, seller, draft, monkeypatch):
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    def database_gone(self):
        raise OperationalError("COMMIT", {}, Exception("the database went away"))

    monkeypatch.setattr(Session, "commit", database_gone)
    response = upload(market, seller, draft["id"], png())
    monkeypatch.undo()
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert stored(market) == []
    assert own(market, seller, draft["id"])["images"] == []
