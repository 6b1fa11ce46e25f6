"""My shop's photos through the Flask test client: a member uploads photos to her listing (each stored as every
upload is: decoded, encoded again, its metadata stripped, with a thumbnail beside it), puts them in order and
removes one; she sees her VAT status. Another member's listing id, a customer, a form without its CSRF token
are refused and change nothing."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from services.marketplace.models import Listing
from services.marketplace.rules.images import MAX_IMAGES
from tests.support.photos import metadata_of, photo, size_of
from tests.support.store_pages import StoreBrowser


def uploads(market):
    return market.runtime.settings.data_dir / "uploads"


def stored(market) -> list[str]:
    folder = uploads(market)
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def images_of(market, listing_id: int) -> list[str]:
    with market.runtime.db.sessionmaker() as session:
        return list(session.scalar(select(Listing.images).where(Listing.id == listing_id)) or [])


def upload(browser: StoreBrowser, listing_id: int, data: bytes, content_type: str = "image/png",
           filename: str = "robin.png"):
    return browser.client.post(f"/store/my-shop/listings/{listing_id}/photos",
                               data={"csrf": browser.csrf, "photo": (io.BytesIO(data), filename, content_type)},
                               content_type="multipart/form-data")


def uploaded(market, browser, listing_id, count: int = 1) -> list[str]:
    for number in range(count):
        response = upload(browser, listing_id, photo("image/png", size=(40 + number, 30)))
        assert response.status_code == 303, response.get_data(as_text=True)
    return images_of(market, listing_id)


@pytest.fixture
def shop(market):
    """Paper Birds, signed in to the pages, with a card listing (a draft, so the photos are hers alone)."""
    member = market.member(name="Paper Birds")
    return member, StoreBrowser(market, member), market.listing(member, publish=False)


@pytest.fixture
def rival(market):
    """Another member business, signed in to the pages, with a listing of her own."""
    member = market.member(name="Silver Lining")
    return member, StoreBrowser(market, member), market.listing(member, title="Silver ring", publish=False)


# --- uploading ---------------------------------------------------------------------------------------

def test_the_owner_uploads_a_photo_and_sees_its_thumbnail(market, shop):
    _member, owner, card = shop
    response = upload(owner, card["id"], photo("image/png", size=(800, 600)))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/store/my-shop/listings/{card['id']}?saved=photo-added#photos")
    [reference] = images_of(market, card["id"])
    name = reference.removeprefix("images/")
    thumbnail = name.replace(".png", "-thumb.png")
    assert stored(market) == sorted([name, thumbnail])
    assert size_of((uploads(market) / name).read_bytes()) == (800, 600)
    assert size_of((uploads(market) / thumbnail).read_bytes()) == (320, 240)
    html = owner.get(f"/my-shop/listings/{card['id']}?saved=photo-added").get_data(as_text=True)
    assert "The photo is added." in html
    assert f'src="/images/{thumbnail}"' in html and 'alt="Photo 1 of Robin card"' in html
    served = market.client.get(f"/images/{thumbnail}")
    assert served.status_code == 200 and served.mimetype == "image/png"


def test_a_phone_photo_is_stored_and_thumbnailed_without_its_position(market, shop):
    _member, owner, card = shop
    assert metadata_of(photo("image/jpeg", size=(640, 480), gps=True))["gps"]  # what a phone sends
    response = upload(owner, card["id"], photo("image/jpeg", size=(640, 480), gps=True), "image/jpeg", "me.jpg")
    assert response.status_code == 303
    for name in stored(market):
        kept = metadata_of((uploads(market) / name).read_bytes())
        assert kept["exif"] == {} and kept["gps"] == {}, name


@pytest.mark.parametrize(("data", "content_type"), [
    (b"GIF89a not an image we take", "image/gif"),
    (photo("image/png"), "image/jpeg"),  # declared as one type, content of another
    (b"\x89PNG\r\n\x1a\nbroken", "image/png"),  # starts like a PNG, does not decode
])
def test_a_file_that_is_not_an_accepted_image_shows_the_form_again_and_stores_nothing(market, shop, data,
                                                                                  content_type):
    _member, owner, card = shop
    response = upload(owner, card["id"], data, content_type)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and 'id="photo"' in html and "<h1>Edit Robin card</h1>" in html
    assert stored(market) == [] and images_of(market, card["id"]) == []


def test_sending_the_form_without_a_file_asks_for_one(market, shop):
    _member, owner, card = shop
    response = owner.client.post(f"/store/my-shop/listings/{card['id']}/photos", data={"csrf": owner.csrf})
    assert response.status_code == 422
    assert "Choose a photo to upload" in response.get_data(as_text=True)


def test_a_photo_past_the_limit_is_refused_and_the_form_is_gone(market, shop):
    _member, owner, card = shop
    uploaded(market, owner, card["id"], MAX_IMAGES)
    assert 'id="photo"' not in owner.get(f"/my-shop/listings/{card['id']}").get_data(as_text=True)
    before = stored(market)
    response = upload(owner, card["id"], photo("image/png"))
    assert response.status_code == 422
    assert f"at most {MAX_IMAGES} images" in response.get_data(as_text=True)
    assert stored(market) == before and len(images_of(market, card["id"])) == MAX_IMAGES


# --- ordering and removing ---------------------------------------------------------------------------

@pytest.mark.parametrize(("which", "where", "order"), [
    (2, "first", [2, 0, 1]), (1, "up", [1, 0, 2]), (0, "down", [1, 0, 2]), (1, "down", [0, 2, 1]),
    (0, "up", [0, 1, 2]), (2, "down", [0, 1, 2]),  # already at the end they can go: nothing moves
])
def test_the_owner_puts_her_photos_in_order(market, shop, which, where, order):
    _member, owner, card = shop
    first = uploaded(market, owner, card["id"], 3)
    response = owner.post(f"/my-shop/listings/{card['id']}/photos/{where}", {"image": first[which]})
    assert response.status_code == 303 and response.headers["Location"].endswith("saved=photo-moved#photos")
    assert images_of(market, card["id"]) == [first[index] for index in order]


def test_the_first_photo_is_the_one_the_catalogue_shows(market, shop):
    member, owner, card = shop
    first = uploaded(market, owner, card["id"], 2)
    owner.post(f"/my-shop/listings/{card['id']}/photos/first", {"image": first[1]})
    market.client.post(f"/shop/listings/{card['id']}/publish", headers=member.headers)
    assert market.client.get(f"/listings/{card['id']}").json["images"][0] == first[1]


def test_the_owner_removes_a_photo_and_its_files_go(market, shop):
    _member, owner, card = shop
    kept, gone = uploaded(market, owner, card["id"], 2)
    response = owner.post(f"/my-shop/listings/{card['id']}/photos/remove", {"image": gone})
    assert response.status_code == 303 and response.headers["Location"].endswith("saved=photo-removed#photos")
    assert images_of(market, card["id"]) == [kept]
    name = kept.removeprefix("images/")
    assert stored(market) == sorted([name, name.replace(".png", "-thumb.png")])
    assert market.client.get(f"/{gone}").status_code == 404
    assert "The photo is removed." in owner.get(f"/my-shop/listings/{card['id']}?saved=photo-removed").get_data(
        as_text=True)


def test_a_removed_photo_another_listing_still_names_keeps_its_file(market, shop):
    member, owner, card = shop
    [reference] = uploaded(market, owner, card["id"])
    other = market.listing(member, title="Owl card", images=[reference], publish=False)
    assert owner.post(f"/my-shop/listings/{card['id']}/photos/remove", {"image": reference}).status_code == 303
    assert images_of(market, other["id"]) == [reference]
    assert market.client.get(f"/{reference}").status_code == 200


@pytest.mark.parametrize("action", ["remove", "first", "down"])
def test_an_image_the_listing_does_not_have_is_not_found_and_nothing_changes(market, shop, action):
    _member, owner, card = shop
    first = uploaded(market, owner, card["id"], 2)
    response = owner.post(f"/my-shop/listings/{card['id']}/photos/{action}", {"image": "images/" + "a" * 32 + ".png"})
    assert response.status_code == 404
    assert images_of(market, card["id"]) == first and len(stored(market)) == 4


# --- who may -----------------------------------------------------------------------------------------

def test_another_member_cannot_upload_to_a_listing_that_is_not_hers(market, shop, rival):
    _member, _owner, card = shop
    _rival, other, _ring = rival
    response = upload(other, card["id"], photo("image/png"))
    assert response.status_code == 403
    assert "another member" in response.get_data(as_text=True)
    assert images_of(market, card["id"]) == [] and stored(market) == []


@pytest.mark.parametrize("action", ["remove", "first", "up", "down"])
def test_another_member_cannot_move_or_remove_her_photos(market, shop, rival, action):
    _member, owner, card = shop
    first = uploaded(market, owner, card["id"], 2)
    _rival, other, _ring = rival
    response = other.post(f"/my-shop/listings/{card['id']}/photos/{action}", {"image": first[1]})
    assert response.status_code == 403
    assert images_of(market, card["id"]) == first and len(stored(market)) == 4


def test_another_members_photo_named_on_her_own_listing_is_not_found(market, shop, rival):
    _member, owner, card = shop
    [reference] = uploaded(market, owner, card["id"])
    _rival, other, ring = rival
    response = other.post(f"/my-shop/listings/{ring['id']}/photos/remove", {"image": reference})
    assert response.status_code == 404
    assert images_of(market, card["id"]) == [reference] and market.client.get(f"/{reference}").status_code == 200


def test_a_customer_is_refused_and_a_visitor_sent_to_sign_in(market, shop):
    _member, owner, card = shop
    [reference] = uploaded(market, owner, card["id"])
    customer = StoreBrowser(market, market.customer())
    assert customer.post(f"/my-shop/listings/{card['id']}/photos/remove", {"image": reference}).status_code == 403
    assert customer.post(f"/my-shop/listings/{card['id']}/photos/first", {"image": reference}).status_code == 403
    assert upload(customer, card["id"], photo("image/png")).status_code == 403
    visitor = market.app.test_client().post(f"/store/my-shop/listings/{card['id']}/photos/remove",
                                            data={"image": reference})
    assert visitor.status_code == 302 and "/store/sign-in" in visitor.headers["Location"]
    assert images_of(market, card["id"]) == [reference] and len(stored(market)) == 2


def test_a_form_without_the_csrf_token_is_refused(market, shop):
    _member, owner, card = shop
    [reference] = uploaded(market, owner, card["id"])
    response = owner.client.post(f"/store/my-shop/listings/{card['id']}/photos/remove", data={"image": reference})
    assert response.status_code == 401
    response = owner.client.post(f"/store/my-shop/listings/{card['id']}/photos",
                                 data={"photo": (io.BytesIO(photo("image/png")), "a.png", "image/png")},
                                 content_type="multipart/form-data")
    assert response.status_code == 401
    assert images_of(market, card["id"]) == [reference] and len(stored(market)) == 2


# --- My shop: her VAT status, each listing's photos ---------------------------------------------------

def test_my_shop_says_she_is_not_vat_registered(market, shop):
    _member, owner, _card = shop
    html = owner.get("/my-shop").get_data(as_text=True)
    assert "not VAT-registered" in html and "receipts show no VAT" in html


def test_my_shop_shows_her_vat_number_once_a_coordinator_records_it(market, shop):
    member, owner, _card = shop
    response = market.client.put(f"/sellers/{member.member_id}/vat", headers=market.coordinator().headers,
                                 json={"vat_registered": True, "vat_number": "GB123456789"})
    assert response.status_code == 200, response.json
    html = owner.get("/my-shop").get_data(as_text=True)
    assert "<strong>VAT-registered</strong>, number <strong>GB123456789</strong>" in html


def test_my_shop_links_each_listing_to_its_photos_with_their_count(market, shop):
    _member, owner, card = shop
    uploaded(market, owner, card["id"], 2)
    html = owner.get("/my-shop").get_data(as_text=True)
    assert f'href="/store/my-shop/listings/{card["id"]}#photos">Photos (2)' in html
