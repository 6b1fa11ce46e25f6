"""The "My shop" pages through the Flask test client (no browser): editing a listing, adding a variant,
offering a service with slots typed in UK time, adding slots, and the seller's bookings. Only the shop's
owner may do each; other members get a 403 page, customers are refused, and bad input shows a 422 page
and changes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import func, select

from services.marketplace.models import Listing, Slot, Variant
from shared.db import utcnow

NEXT_YEAR = utcnow().year + 1  # far enough ahead that every slot here is in the future


class Browser:
    """A test client signed in as one trader, through the pages' session cookie, posting forms with CSRF."""

    def __init__(self, market, trader):
        self.client = market.app.test_client()
        self.token = trader.headers["Authorization"].removeprefix("Bearer ")
        self.client.set_cookie("coop_token", self.token)

    @property
    def csrf(self) -> str:  # computed as services.marketplace.pages.csrf_token does
        return hashlib.sha256(f"coop-csrf:{self.token}".encode()).hexdigest()

    def get(self, path: str):
        return self.client.get(f"/store{path}")

    def post(self, path: str, form: dict | None = None, csrf: bool = True):
        return self.client.post(f"/store{path}", data={**({"csrf": self.csrf} if csrf else {}), **(form or {})})


def listing_row(market, listing_id: int) -> Listing:
    with market.runtime.db.sessionmaker() as session:
        listing = session.get(Listing, listing_id)
        session.expunge(listing)
        return listing


def variants_of(market, listing_id: int) -> list[tuple[str, int]]:
    with market.runtime.db.sessionmaker() as session:
        return [(v.name, v.stock) for v in session.scalars(
            select(Variant).where(Variant.listing_id == listing_id).order_by(Variant.id))]


def slots_of(market, listing_id: int) -> list[dt.datetime]:
    with market.runtime.db.sessionmaker() as session:
        return list(session.scalars(select(Slot.starts_at).where(Slot.listing_id == listing_id)
                                    .order_by(Slot.starts_at)))


def count_listings(market) -> int:
    with market.runtime.db.sessionmaker() as session:
        return session.scalar(select(func.count(Listing.id)))


EDIT = {"title": "Robin card, large", "description": "Linocut robin, A5.", "category": "crafts",
        "price": "4.25", "member_discount": "0.50"}
SERVICE = {"title": "Dog grooming", "description": "A full groom.", "category": "grooming", "price": "35",
           "member_discount": "5", "duration_minutes": "60",
           "slot_date_1": f"{NEXT_YEAR}-07-01", "slot_time_1": "10:00",  # BST: 09:00 UTC
           "slot_date_2": f"{NEXT_YEAR}-01-15", "slot_time_2": "10:00"}  # GMT: 10:00 UTC


@pytest.fixture
def shop(market):
    """A member with a published card listing, signed in to the pages."""
    member = market.member(name="Paper Birds")
    return member, Browser(market, member), market.listing(member, price_pence=350)


# --- editing a listing -------------------------------------------------------------------------------

def test_the_owner_sees_the_edit_form_filled_in(market, shop):
    _member, owner, card = shop
    page = owner.get(f"/my-shop/listings/{card['id']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<label for="title">Title</label>' in html and 'value="Robin card"' in html
    assert 'value="3.50"' in html  # the price in pounds, ready to edit
    assert "<h1>Edit Robin card</h1>" in html
    assert f'/store/my-shop/listings/{card["id"]}' in owner.get("/my-shop").get_data(as_text=True)


def test_the_owner_edits_a_listing_in_pounds(market, shop):
    _member, owner, card = shop
    response = owner.post(f"/my-shop/listings/{card['id']}", EDIT)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/store/my-shop/listings/{card['id']}?saved=details")
    saved = listing_row(market, card["id"])
    assert (saved.title, saved.description, saved.category) == ("Robin card, large", "Linocut robin, A5.", "crafts")
    assert (saved.price_pence, saved.member_discount_pence) == (425, 50)
    page = owner.get(f"/my-shop/listings/{card['id']}?saved=details")
    assert "Your changes are saved." in page.get_data(as_text=True)


@pytest.mark.parametrize("bad", [
    {"price": "3.505"}, {"price": "-1"}, {"price": "lots"}, {"member_discount": "9.00"},  # more than the price
    {"title": ""}, {"title": "x" * 121}, {"category": "weapons"}, {"price": "100000.01"},
])
def test_bad_edits_show_a_422_page_and_change_nothing(market, shop, bad):
    _member, owner, card = shop
    response = owner.post(f"/my-shop/listings/{card['id']}", {**EDIT, **bad})
    assert response.status_code == 422
    assert 'role="alert"' in response.get_data(as_text=True)
    saved = listing_row(market, card["id"])
    assert (saved.title, saved.price_pence, saved.category, saved.member_discount_pence) == ("Robin card", 350,
                                                                                             "cards", 0)


def test_another_member_gets_a_403_page_for_someone_elses_listing(market, shop):
    _member, _owner, card = shop
    other = Browser(market, market.member(name="Silver Lining"))
    assert other.get(f"/my-shop/listings/{card['id']}").status_code == 403
    for path, form in [(f"/my-shop/listings/{card['id']}", EDIT),
                       (f"/my-shop/listings/{card['id']}/variants", {"name": "Large", "stock": "3"})]:
        response = other.post(path, form)
        assert response.status_code == 403
        assert "another member" in response.get_data(as_text=True)
    assert listing_row(market, card["id"]).title == "Robin card"
    assert variants_of(market, card["id"]) == [("", 10)]


def test_customers_are_refused_and_visitors_sent_to_sign_in(market, shop):
    _member, _owner, card = shop
    customer = Browser(market, market.customer())
    assert customer.get(f"/my-shop/listings/{card['id']}").status_code == 403
    assert customer.post(f"/my-shop/listings/{card['id']}", EDIT).status_code == 403
    assert customer.get("/my-shop/services/new").status_code == 403
    assert customer.post("/my-shop/services", SERVICE).status_code == 403
    assert customer.get("/my-shop/bookings").status_code == 403
    visitor = market.app.test_client()
    response = visitor.post(f"/store/my-shop/listings/{card['id']}", data=EDIT)
    assert response.status_code == 302 and "/store/sign-in" in response.headers["Location"]
    assert listing_row(market, card["id"]).title == "Robin card"


def test_a_form_without_the_csrf_token_is_refused(market, shop):
    _member, owner, card = shop
    assert owner.post(f"/my-shop/listings/{card['id']}", EDIT, csrf=False).status_code == 401
    assert owner.post(f"/my-shop/listings/{card['id']}", {**EDIT, "csrf": "0" * 64}, csrf=False).status_code == 401
    assert listing_row(market, card["id"]).title == "Robin card"


def test_an_unknown_listing_is_a_404_page(market, shop):
    _member, owner, _card = shop
    assert owner.get("/my-shop/listings/999999").status_code == 404


# --- variants ----------------------------------------------------------------------------------------

def test_the_owner_adds_a_variant_to_goods(market, shop):
    _member, owner, card = shop
    response = owner.post(f"/my-shop/listings/{card['id']}/variants", {"name": " Large ", "stock": "4"})
    assert response.status_code == 302
    assert variants_of(market, card["id"]) == [("", 10), ("Large", 4)]
    page = owner.get(f"/my-shop/listings/{card['id']}?saved=variant").get_data(as_text=True)
    assert "The variant is added." in page and "<td>Large</td><td>4</td>" in page


@pytest.mark.parametrize("bad, status", [
    ({"name": "", "stock": "4"}, 422), ({"name": "Large", "stock": "-1"}, 422),
    ({"name": "Large", "stock": "four"}, 422), ({"name": "Large", "stock": "100001"}, 422),
    ({"name": "x" * 61, "stock": "1"}, 422),
])
def test_bad_variants_are_refused_and_change_nothing(market, shop, bad, status):
    _member, owner, card = shop
    assert owner.post(f"/my-shop/listings/{card['id']}/variants", bad).status_code == status
    assert variants_of(market, card["id"]) == [("", 10)]


def test_a_variant_name_twice_or_a_variant_on_a_service_is_a_conflict(market, shop):
    member, owner, card = shop
    assert owner.post(f"/my-shop/listings/{card['id']}/variants", {"name": "Large", "stock": "1"}).status_code == 302
    assert owner.post(f"/my-shop/listings/{card['id']}/variants", {"name": "Large", "stock": "2"}).status_code == 409
    assert variants_of(market, card["id"]) == [("", 10), ("Large", 1)]
    grooming = market.listing(member, kind="service", title="Grooming", category="grooming", duration_minutes=60)
    assert owner.post(f"/my-shop/listings/{grooming['id']}/variants", {"name": "Big", "stock": "1"}).status_code == 409


# --- services and their slots ------------------------------------------------------------------------

def test_the_new_service_form_is_labelled(market, shop):
    _member, owner, _card = shop
    html = owner.get("/my-shop/services/new").get_data(as_text=True)
    assert "<h1>Add a service</h1>" in html
    for field in ("title", "description", "category", "price", "member_discount", "duration_minutes",
                  "slot_date_1", "slot_time_1"):
        assert f'<label for="{field}">' in html and f'id="{field}"' in html
    assert 'href="/store/my-shop/services/new"' in owner.get("/my-shop").get_data(as_text=True)


def test_a_member_creates_a_service_with_slots_in_uk_time(market, shop):
    _member, owner, _card = shop
    response = owner.post("/my-shop/services", SERVICE)
    assert response.status_code == 302
    listing_id = int(response.headers["Location"].split("/listings/")[1].split("?")[0])
    saved = listing_row(market, listing_id)
    assert (saved.kind, saved.status, saved.title, saved.category) == ("service", "draft", "Dog grooming", "grooming")
    assert (saved.price_pence, saved.member_discount_pence, saved.duration_minutes) == (3500, 500, 60)
    assert slots_of(market, listing_id) == [dt.datetime(NEXT_YEAR, 1, 15, 10, tzinfo=dt.UTC),
                                            dt.datetime(NEXT_YEAR, 7, 1, 9, tzinfo=dt.UTC)]
    page = owner.get(f"/my-shop/listings/{listing_id}").get_data(as_text=True)
    assert f"01 Jul {NEXT_YEAR}, 10:00" in page  # shown back in UK time
    assert 'id="duration_minutes"' in page and 'id="variant_name"' not in page


def test_customers_see_the_slots_of_a_service_in_uk_time(market, shop):
    _member, owner, _card = shop
    listing_id = int(owner.post("/my-shop/services", SERVICE).headers["Location"].split("/listings/")[1].split("?")[0])
    owner.post(f"/my-shop/listings/{listing_id}/publish")
    page = market.client.get(f"/store/listings/{listing_id}").get_data(as_text=True)
    assert f"01 Jul {NEXT_YEAR}, 10:00" in page  # 09:00 UTC in British Summer Time
    assert f"15 Jan {NEXT_YEAR}, 10:00" in page  # 10:00 UTC in winter
    assert "Time (UK time)" in page


@pytest.mark.parametrize("bad", [
    {"duration_minutes": ""}, {"duration_minutes": "2"}, {"duration_minutes": "sixty"},
    {"price": "35.001"}, {"member_discount": "40"}, {"title": ""}, {"category": "nope"},
    {"slot_date_1": "2020-01-01"},  # in the past
    {"slot_time_1": ""},  # a date without a time
    {"slot_date_1": "01/07/2030"}, {"slot_time_1": "25:00"},
    {"slot_date_1": f"{NEXT_YEAR}-03-{31 - (dt.date(NEXT_YEAR, 3, 31).weekday() + 1) % 7:02d}",
     "slot_time_1": "01:30"},  # the hour the clocks skip on the last Sunday in March
])
def test_a_bad_service_shows_a_422_page_and_saves_nothing(market, shop, bad):
    _member, owner, _card = shop
    before = count_listings(market)
    response = owner.post("/my-shop/services", {**SERVICE, **bad})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert 'role="alert"' in response.get_data(as_text=True)
    assert count_listings(market) == before


def test_a_service_without_slots_yet_can_be_saved(market, shop):
    _member, owner, _card = shop
    form = {k: v for k, v in SERVICE.items() if not k.startswith("slot_")}
    response = owner.post("/my-shop/services", form)
    assert response.status_code == 302
    listing_id = int(response.headers["Location"].split("/listings/")[1].split("?")[0])
    assert slots_of(market, listing_id) == []


def test_the_owner_adds_slots_and_edits_the_duration(market, shop):
    _member, owner, _card = shop
    listing_id = int(owner.post("/my-shop/services", SERVICE).headers["Location"].split("/listings/")[1]
                     .split("?")[0])
    response = owner.post(f"/my-shop/listings/{listing_id}/slots", {
        "slot_date_1": f"{NEXT_YEAR}-08-02", "slot_time_1": "14:30",
        "slot_date_3": f"{NEXT_YEAR}-07-01", "slot_time_3": "10:00"})  # already there: not added twice
    assert response.status_code == 302 and response.headers["Location"].endswith("?saved=slots")
    assert slots_of(market, listing_id)[-1] == dt.datetime(NEXT_YEAR, 8, 2, 13, 30, tzinfo=dt.UTC)
    assert len(slots_of(market, listing_id)) == 3
    edit = {**EDIT, "category": "grooming", "duration_minutes": "90"}
    assert owner.post(f"/my-shop/listings/{listing_id}", edit).status_code == 302
    assert listing_row(market, listing_id).duration_minutes == 90


def test_bad_or_foreign_slots_are_refused(market, shop):
    member, owner, card = shop
    grooming = market.listing(member, kind="service", title="Grooming", category="grooming", duration_minutes=60,
                              slots=[])
    assert owner.post(f"/my-shop/listings/{grooming['id']}/slots", {}).status_code == 422  # none given
    assert owner.post(f"/my-shop/listings/{grooming['id']}/slots",
                      {"slot_date_1": "2020-01-01", "slot_time_1": "10:00"}).status_code == 422
    one = {"slot_date_1": f"{NEXT_YEAR}-08-02", "slot_time_1": "14:30"}
    assert owner.post(f"/my-shop/listings/{card['id']}/slots", one).status_code == 409  # goods have no slots
    other = Browser(market, market.member(name="Silver Lining"))
    assert other.post(f"/my-shop/listings/{grooming['id']}/slots", one).status_code == 403
    assert Browser(market, market.customer()).post(f"/my-shop/listings/{grooming['id']}/slots", one).status_code \
        == 403
    assert slots_of(market, grooming["id"]) == []


# --- bookings ----------------------------------------------------------------------------------------

def book(market, buyer, listing_id: int, slot_id: int) -> int:
    response = market.client.post("/cart/lines", json={"listing_id": listing_id, "slot_id": slot_id},
                                  headers=buyer.headers)
    assert response.status_code in (200, 201), response.json
    response = market.client.post("/checkout", json={}, headers=buyer.headers)
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_my_bookings_lists_booked_slots_soonest_first_without_cancelled_orders(market, shop):
    member, owner, _card = shop
    starts = [(utcnow() + dt.timedelta(days=days)).replace(microsecond=0).isoformat() for days in (9, 3, 6, 12)]
    grooming = market.listing(member, kind="service", title="Dog grooming", category="grooming",
                              duration_minutes=60, slots=starts)
    other_seller = market.member(name="Silver Lining")
    theirs = market.listing(other_seller, kind="service", title="Ear piercing", category="jewellery",
                            duration_minutes=30, slots=[starts[0]])
    slots = sorted(grooming["slots"], key=lambda slot: slot["starts_at"])  # days 3, 6, 9, 12
    buyer = market.customer()
    late = book(market, buyer, grooming["id"], slots[2]["id"])
    soon = book(market, buyer, grooming["id"], slots[0]["id"])
    cancelled = book(market, buyer, grooming["id"], slots[1]["id"])
    assert market.client.post(f"/orders/{cancelled}/cancel", headers=buyer.headers).status_code == 200
    book(market, buyer, theirs["id"], theirs["slots"][0]["id"])  # another shop's booking

    page = owner.get("/my-shop/bookings")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>Bookings for Paper Birds</h1>" in html
    assert html.index(f"Order {soon}<") < html.index(f"Order {late}<")  # soonest first
    assert f"Order {cancelled}<" not in html and "Ear piercing" not in html
    assert html.count('<td class="status">placed</td>') == 2
    assert 'href="/store/my-shop/bookings"' in owner.get("/my-shop").get_data(as_text=True)


def test_my_bookings_is_empty_for_a_new_shop(market):
    owner = Browser(market, market.member(name="New Shop"))
    html = owner.get("/my-shop/bookings").get_data(as_text=True)
    assert "No bookings yet." in html
