"""A member business's shop through the marketplace API: who may call each endpoint, creating goods and
services, refusing bad input without writing anything, publishing and withdrawing (and saying so on the
bus), editing, stock per variant, variants and bookable slots."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from services.marketplace.models import Listing, Slot, Variant
from services.marketplace.schemas import MAX_PRICE_PENCE
from shared.db import utcnow
from tests.support.outbox import published, published_envelopes, published_types


def future(days: int = 7, hour: int = 10) -> str:
    return (utcnow() + dt.timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0).isoformat()


def past(days: int = 1) -> str:
    return (utcnow() - dt.timedelta(days=days)).isoformat()


def goods(**overrides) -> dict:
    body = {"kind": "goods", "title": "Robin card", "description": "Hand-printed robin.", "category": "cards",
            "price_pence": 350, "stock": 10, **overrides}
    return {name: value for name, value in body.items() if value is not None}  # None: leave it out


def service(**overrides) -> dict:
    body = {"kind": "service", "title": "Dog grooming", "category": "grooming", "price_pence": 3500,
            "duration_minutes": 60, "slots": [future(days=3)], **overrides}
    return {name: value for name, value in body.items() if value is not None}


def create(market, trader, body):
    return market.client.post("/shop/listings", json=body, headers=trader.headers)


def act(market, trader, listing_id, action):
    """Publish or withdraw a listing."""
    return market.client.post(f"/shop/listings/{listing_id}/{action}", headers=trader.headers)


def edit(market, trader, listing_id, **changes):
    return market.client.patch(f"/shop/listings/{listing_id}", json=changes, headers=trader.headers)


def set_stock(market, trader, listing, stock, variant=0):
    variant_id = listing["variants"][variant]["id"]
    return market.client.put(f"/shop/listings/{listing['id']}/variants/{variant_id}/stock", json={"stock": stock},
                             headers=trader.headers)


def add_variant(market, trader, listing_id, name, stock):
    return market.client.post(f"/shop/listings/{listing_id}/variants", json={"name": name, "stock": stock},
                              headers=trader.headers)


def add_slots(market, trader, listing_id, starts):
    return market.client.post(f"/shop/listings/{listing_id}/slots", json={"starts": starts},
                              headers=trader.headers)


def own(market, trader, listing_id):
    return market.client.get(f"/shop/listings/{listing_id}", headers=trader.headers).json


def catalogue_ids(market):
    return [listing["id"] for listing in market.client.get("/listings").json]


def count(market, model):
    with market.runtime.db.sessionmaker() as session:
        return session.scalar(select(func.count()).select_from(model))


def stocks(listing):
    return [(variant["name"], variant["stock"]) for variant in listing["variants"]]


@pytest.fixture
def seller(market):
    return market.member("producer", name="Paper Birds Cards")


@pytest.fixture
def other_seller(market):
    return market.member("producer", name="Silver Threads")


@pytest.fixture
def draft(market, seller):
    return market.listing(seller, publish=False, variants=[{"name": "Small", "stock": 3},
                                                           {"name": "Large", "stock": 5}])


@pytest.fixture
def bookable(market, seller):
    """A draft service of the seller's."""
    return market.listing(seller, publish=False, **service())


# -- who may call what --------------------------------------------------------------------------------

# Every shop endpoint: (method, path, body, status for the owner). Paths name the seller's draft goods
# ({goods}, with its first variant {variant}) and draft service ({service}).
SHOP_ENDPOINTS = {
    "create": ("post", "/shop/listings", goods(), 201),
    "list own": ("get", "/shop/listings", None, 200),
    "show own": ("get", "/shop/listings/{goods}", None, 200),
    "edit": ("patch", "/shop/listings/{goods}", {"title": "Wren card"}, 200),
    "publish": ("post", "/shop/listings/{goods}/publish", None, 200),
    "withdraw": ("post", "/shop/listings/{goods}/withdraw", None, 200),
    "add variant": ("post", "/shop/listings/{goods}/variants", {"name": "Medium", "stock": 2}, 201),
    "set stock": ("put", "/shop/listings/{goods}/variants/{variant}/stock", {"stock": 4}, 200),
    "add slots": ("post", "/shop/listings/{service}/slots", {"starts": [future(days=9)]}, 201),
}
ON_A_LISTING = [name for name, (_, path, _, _) in SHOP_ENDPOINTS.items() if "{" in path]


def call(market, endpoint, draft, bookable, headers):
    method, path, body, _ = SHOP_ENDPOINTS[endpoint]
    path = path.format(goods=draft["id"], variant=draft["variants"][0]["id"], service=bookable["id"])
    return getattr(market.client, method)(path, json=body, headers=headers)


@pytest.mark.parametrize("endpoint", SHOP_ENDPOINTS)
def test_the_owner_may_call_every_shop_endpoint(market, seller, draft, bookable, endpoint):
    response = call(market, endpoint, draft, bookable, seller.headers)
    assert response.status_code == SHOP_ENDPOINTS[endpoint][3], response.json


@pytest.mark.parametrize("endpoint", SHOP_ENDPOINTS)
def test_every_shop_endpoint_needs_a_token(market, draft, bookable, endpoint):
    assert call(market, endpoint, draft, bookable, {}).status_code == 401


@pytest.mark.parametrize("endpoint", SHOP_ENDPOINTS)
def test_every_shop_endpoint_refuses_a_customer(market, draft, bookable, endpoint):
    assert call(market, endpoint, draft, bookable, market.customer().headers).status_code == 403


@pytest.mark.parametrize("endpoint", SHOP_ENDPOINTS)
def test_every_shop_endpoint_refuses_an_agency(market, draft, bookable, endpoint):
    agency = market.member("agency")
    assert call(market, endpoint, draft, bookable, agency.headers).status_code == 403


@pytest.mark.parametrize("endpoint", ON_A_LISTING)
def test_another_member_cannot_touch_someone_elses_listing(market, other_seller, draft, bookable, endpoint):
    assert call(market, endpoint, draft, bookable, other_seller.headers).status_code == 403


def test_another_members_refused_edit_leaves_the_listing_as_it_was(market, seller, other_seller, draft):
    edit(market, other_seller, draft["id"], title="Mine now", price_pence=1)
    assert own(market, seller, draft["id"]) == draft


def test_another_members_refused_stock_change_leaves_the_stock_as_it_was(market, seller, other_seller, draft):
    set_stock(market, other_seller, draft, 0)
    assert stocks(own(market, seller, draft["id"])) == [("Small", 3), ("Large", 5)]


def test_another_members_refused_publish_leaves_the_listing_a_draft(market, seller, other_seller, draft):
    act(market, other_seller, draft["id"], "publish")
    assert own(market, seller, draft["id"])["status"] == "draft"
    assert published(market, "listing.published") == []


# -- creating -----------------------------------------------------------------------------------------


def test_new_goods_are_a_draft_in_the_callers_shop(market, seller):
    response = create(market, seller, goods())
    assert response.status_code == 201
    assert (response.json["status"], response.json["seller_id"], response.json["shop_name"]) == (
        "draft", seller.member_id, "Paper Birds Cards")


def test_goods_without_variants_have_one_unnamed_variant_holding_the_stock(market, seller):
    response = create(market, seller, goods(stock=7))
    assert stocks(response.json) == [("", 7)]


def test_goods_with_variants_keep_each_variants_own_stock(market, seller):
    response = create(market, seller, goods(stock=None, variants=[{"name": "S", "stock": 2},
                                                                  {"name": "M", "stock": 0},
                                                                  {"name": "L", "stock": 9}]))
    assert stocks(response.json) == [("S", 2), ("M", 0), ("L", 9)]


def test_a_service_has_its_duration_and_future_slots_in_time_order(market, seller):
    later, sooner = future(days=5), future(days=2)
    response = create(market, seller, service(duration_minutes=45, slots=[later, sooner]))
    assert response.status_code == 201
    assert response.json["duration_minutes"] == 45
    assert [(slot["starts_at"], slot["available"]) for slot in response.json["slots"]] == [
        (sooner, True), (later, True)]


def test_a_service_has_no_stock(market, seller):
    response = create(market, seller, service())
    assert (response.json["variants"], response.json["kind"]) == ([], "service")


def test_a_listing_keeps_its_image_urls(market, seller):
    images = ["https://img.example.org/robin.jpg", "http://img.example.org/robin-back.png"]
    assert create(market, seller, goods(images=images)).json["images"] == images


# Bad input the schema refuses: the body, and the field the 422 names.
REFUSED_BY_FIELD = {
    "negative price": (goods(price_pence=-1), "price_pence"),
    "price over the maximum": (goods(price_pence=MAX_PRICE_PENCE + 1), "price_pence"),
    "no price": (goods(price_pence=None), "price_pence"),
    "negative stock": (goods(stock=-1), "stock"),
    "a million in stock": (goods(stock=1_000_000), "stock"),
    "negative variant stock": (goods(stock=None, variants=[{"name": "S", "stock": -1}]), "variants"),
    "duplicate variant names": (goods(stock=None, variants=[{"name": "S", "stock": 1}, {"name": "S", "stock": 2}]),
                                "variants"),
    "unnamed variant": (goods(stock=None, variants=[{"name": "", "stock": 1}]), "variants"),
    "unknown category": (goods(category="weapons"), "category"),
    "unknown kind": (goods(kind="vehicle"), "kind"),
    "goods with slots": (goods(slots=[future()]), "kind"),
    "goods with a duration": (goods(duration_minutes=30), "kind"),
    "service with stock": (service(stock=3), "kind"),
    "service with variants": (service(variants=[{"name": "S", "stock": 1}]), "kind"),
    "service duration under five minutes": (service(duration_minutes=1), "duration_minutes"),
    "slot without a time zone": (service(slots=["2031-01-01T10:00:00"]), "slots"),
    "too many images": (goods(images=[f"https://img.example.org/{n}.jpg" for n in range(9)]), "images"),
    "image that is not a URL": (goods(images=["robin.jpg"]), "images"),
    "image by another scheme": (goods(images=["ftp://img.example.org/robin.jpg"]), "images"),
    "oversized title": (goods(title="x" * 121), "title"),
    "empty title": (goods(title=""), "title"),
    "title of spaces": (goods(title="   "), "title"),
    "title of a tab and a newline": (goods(title="\t\n"), "title"),
    "oversized description": (goods(description="x" * 5001), "description"),
    "unknown field": (goods(colour="red"), "colour"),
}


@pytest.mark.parametrize(("body", "field"), REFUSED_BY_FIELD.values(), ids=REFUSED_BY_FIELD)
def test_bad_input_is_refused_naming_the_field_and_creates_nothing(market, seller, body, field):
    response = create(market, seller, body)
    assert response.status_code == 422
    assert field in response.json["errors"]
    assert count(market, Listing) == count(market, Variant) == count(market, Slot) == 0


@pytest.mark.parametrize("body", [goods(price_pence=3.5), goods(stock=2.5)], ids=["price", "stock"])
def test_a_fractional_number_is_refused(market, seller, body):
    assert create(market, seller, body).status_code == 422


# Bad input the shop's rules refuse: the body, and a word the 422's detail uses for what is wrong.
REFUSED_BY_RULE = {
    "member discount above the price": (goods(price_pence=350, member_discount_pence=351), "discount"),
    "past slot": (service(slots=[future(), past()]), "future"),
    "service without a duration": (service(duration_minutes=None), "duration"),
}


@pytest.mark.parametrize(("body", "word"), REFUSED_BY_RULE.values(), ids=REFUSED_BY_RULE)
def test_bad_input_is_refused_saying_what_is_wrong_and_creates_nothing(market, seller, body, word):
    response = create(market, seller, body)
    assert response.status_code == 422
    assert word in response.json["detail"]
    assert count(market, Listing) == count(market, Variant) == count(market, Slot) == 0


@pytest.mark.parametrize("endpoint", ON_A_LISTING)
@pytest.mark.parametrize("bad_id", ["abc", "-1", "1.5", "99999999999"])
def test_a_malformed_id_in_a_shop_path_is_not_found(market, seller, endpoint, bad_id):
    method, path, body, _ = SHOP_ENDPOINTS[endpoint]
    path = path.format(goods=bad_id, variant=bad_id, service=bad_id)
    assert getattr(market.client, method)(path, json=body, headers=seller.headers).status_code == 404


@pytest.mark.parametrize("endpoint", ON_A_LISTING)
def test_an_unknown_listing_id_in_a_shop_path_is_not_found(market, seller, draft, endpoint):
    method, path, body, _ = SHOP_ENDPOINTS[endpoint]
    unknown = 2**31 - 1
    path = path.format(goods=unknown, variant=draft["variants"][0]["id"], service=unknown)
    assert getattr(market.client, method)(path, json=body, headers=seller.headers).status_code == 404


# -- publishing and withdrawing -----------------------------------------------------------------------


def test_a_draft_is_not_in_the_catalogue(market, draft):
    assert catalogue_ids(market) == []
    assert market.client.get(f"/listings/{draft['id']}").status_code == 404


def test_publishing_a_draft_puts_it_on_sale(market, seller, draft):
    response = act(market, seller, draft["id"], "publish")
    assert response.json["status"] == "published"
    assert catalogue_ids(market) == [draft["id"]]


def test_publishing_tells_the_bus_through_the_outbox(market, seller, draft):
    act(market, seller, draft["id"], "publish")
    [data] = published(market, "listing.published")
    assert {key: data[key] for key in ("listing_id", "seller_id", "title", "category")} == {
        "listing_id": draft["id"], "seller_id": seller.member_id, "title": "Robin card", "category": "cards"}


def test_withdrawing_takes_a_listing_off_sale(market, seller):
    listing = market.listing(seller)
    response = act(market, seller, listing["id"], "withdraw")
    assert response.json["status"] == "withdrawn"
    assert catalogue_ids(market) == []
    assert market.client.get(f"/listings/{listing['id']}").status_code == 404


def test_withdrawing_tells_the_bus_through_the_outbox(market, seller):
    listing = market.listing(seller)
    act(market, seller, listing["id"], "withdraw")
    [envelope] = published_envelopes(market, "listing.withdrawn")
    assert (envelope["data"]["listing_id"], envelope["source"]) == (listing["id"], "marketplace")


def test_withdrawing_a_draft_nobody_has_seen_tells_the_bus_nothing(market, seller, draft):
    assert act(market, seller, draft["id"], "withdraw").json["status"] == "withdrawn"
    assert published(market, "listing.withdrawn") == []


def test_a_listing_goes_draft_published_withdrawn_published(market, seller, draft):
    statuses = [act(market, seller, draft["id"], action).json["status"]
                for action in ("publish", "withdraw", "publish")]
    assert statuses == ["published", "withdrawn", "published"]
    assert published_types(market) == [
        "listing.published", "listing.withdrawn", "listing.published"]
    assert catalogue_ids(market) == [draft["id"]]


@pytest.mark.parametrize(("before", "action"), [(("publish", "withdraw"), "withdraw"), (("publish",), "publish")])
def test_repeating_a_transition_is_a_conflict_and_tells_the_bus_nothing(market, seller, draft, before, action):
    for done in before:
        act(market, seller, draft["id"], done)
    published_before = len(published_types(market))
    assert act(market, seller, draft["id"], action).status_code == 409
    assert len(published_types(market)) == published_before


# -- editing ------------------------------------------------------------------------------------------


def test_an_edit_changes_the_fields_given_and_keeps_the_others(market, seller, draft):
    response = edit(market, seller, draft["id"], title="Wren card", price_pence=400, category="crafts")
    assert response.status_code == 200
    changed = own(market, seller, draft["id"])
    assert (changed["title"], changed["price_pence"], changed["category"], changed["description"]) == (
        "Wren card", 400, "crafts", draft["description"])


def test_an_edit_to_a_published_listing_shows_in_the_catalogue(market, seller):
    listing = market.listing(seller)
    edit(market, seller, listing["id"], title="Wren card", member_discount_pence=50)
    shown = market.client.get(f"/listings/{listing['id']}").json
    assert (shown["title"], shown["member_price_pence"]) == ("Wren card", 300)


REFUSED_EDITS = {
    "negative price": {"price_pence": -1},
    "price over the maximum": {"price_pence": MAX_PRICE_PENCE + 1},
    "unknown category": {"category": "weapons"},
    "empty title": {"title": ""},
    "title of spaces": {"title": "   "},
    "non-URL image": {"images": ["robin.jpg"]},
    "change of kind": {"kind": "service"},
    "stock (set per variant)": {"stock": 3},
    "discount above the price": {"member_discount_pence": 351},
    "price below the discount": {"price_pence": 10, "member_discount_pence": 20},
}


@pytest.mark.parametrize("changes", REFUSED_EDITS.values(), ids=REFUSED_EDITS)
def test_a_bad_edit_is_refused_and_changes_nothing(market, seller, draft, changes):
    assert edit(market, seller, draft["id"], **changes).status_code == 422
    assert own(market, seller, draft["id"]) == draft


def test_lowering_the_price_below_an_existing_discount_is_refused(market, seller):
    listing = market.listing(seller, price_pence=500, member_discount_pence=100)
    response = edit(market, seller, listing["id"], price_pence=50)
    assert response.status_code == 422
    assert own(market, seller, listing["id"])["price_pence"] == 500


def test_a_service_duration_can_be_changed(market, seller, bookable):
    assert edit(market, seller, bookable["id"], duration_minutes=90).json["duration_minutes"] == 90


def test_a_duration_cannot_be_given_to_goods_by_an_edit(market, seller, draft):
    assert edit(market, seller, draft["id"], duration_minutes=30).status_code == 422


# -- stock and variants -------------------------------------------------------------------------------


def test_stock_is_set_for_one_variant_and_leaves_the_others(market, seller, draft):
    response = set_stock(market, seller, draft, 8, variant=1)
    assert (response.json["name"], response.json["stock"]) == ("Large", 8)
    assert stocks(own(market, seller, draft["id"])) == [("Small", 3), ("Large", 8)]


def test_stock_can_be_set_to_zero(market, seller, draft):
    assert set_stock(market, seller, draft, 0).json["stock"] == 0


@pytest.mark.parametrize("stock", [-1, 1_000_000, "many", None])
def test_a_bad_stock_is_refused_and_changes_nothing(market, seller, draft, stock):
    response = set_stock(market, seller, draft, stock)
    assert response.status_code == 422
    assert "stock" in response.json["errors"]
    assert stocks(own(market, seller, draft["id"])) == [("Small", 3), ("Large", 5)]


def test_stock_for_a_variant_of_another_listing_is_not_found(market, seller, draft):
    elsewhere = market.listing(seller, publish=False)
    path = f"/shop/listings/{draft['id']}/variants/{elsewhere['variants'][0]['id']}/stock"
    response = market.client.put(path, json={"stock": 1}, headers=seller.headers)
    assert response.status_code == 404
    assert stocks(own(market, seller, elsewhere["id"])) == [("", 10)]


def test_a_variant_is_added_with_its_own_stock(market, seller, draft):
    response = add_variant(market, seller, draft["id"], "Medium", 4)
    assert response.status_code == 201
    assert stocks(own(market, seller, draft["id"])) == [("Small", 3), ("Large", 5), ("Medium", 4)]


def test_a_variant_name_already_used_on_the_listing_is_a_conflict(market, seller, draft):
    assert add_variant(market, seller, draft["id"], "Small", 4).status_code == 409
    assert stocks(own(market, seller, draft["id"])) == [("Small", 3), ("Large", 5)]


def test_a_service_cannot_have_a_variant(market, seller, bookable):
    assert add_variant(market, seller, bookable["id"], "Long coat", 1).status_code == 409


@pytest.mark.parametrize(("name", "stock"), [("", 1), ("x" * 61, 1), ("Medium", -1)])
def test_a_bad_variant_is_refused(market, seller, draft, name, stock):
    assert add_variant(market, seller, draft["id"], name, stock).status_code == 422
    assert len(own(market, seller, draft["id"])["variants"]) == 2


# -- slots --------------------------------------------------------------------------------------------


def test_slots_are_added_to_a_service_in_time_order(market, seller, bookable):
    response = add_slots(market, seller, bookable["id"], [future(days=9), future(days=1)])
    assert response.status_code == 201
    assert [slot["starts_at"] for slot in own(market, seller, bookable["id"])["slots"]] == [
        future(days=1), future(days=3), future(days=9)]


def test_a_slot_already_offered_is_not_added_again(market, seller, bookable):
    response = add_slots(market, seller, bookable["id"], [future(days=3)])
    assert response.json == []
    assert len(own(market, seller, bookable["id"])["slots"]) == 1


def test_goods_have_no_slots(market, seller, draft):
    assert add_slots(market, seller, draft["id"], [future()]).status_code == 409


def test_a_past_slot_is_refused_and_none_of_the_others_is_added(market, seller, bookable):
    response = add_slots(market, seller, bookable["id"], [future(days=9), past()])
    assert response.status_code == 422
    assert len(own(market, seller, bookable["id"])["slots"]) == 1


@pytest.mark.parametrize("starts", [[], ["tomorrow"], ["2031-01-01T10:00:00"]], ids=["none", "not a time",
                                                                                      "no time zone"])
def test_bad_slot_times_are_refused_naming_the_field(market, seller, bookable, starts):
    response = add_slots(market, seller, bookable["id"], starts)
    assert response.status_code == 422
    assert "starts" in response.json["errors"]


# -- the owner's own view -----------------------------------------------------------------------------


def test_the_own_shop_lists_every_listing_whatever_its_status_and_no_one_elses(market, seller, other_seller,
                                                                              draft):
    on_sale = market.listing(seller)
    gone = market.listing(seller)
    act(market, seller, gone["id"], "withdraw")
    market.listing(other_seller)
    listed = market.client.get("/shop/listings", headers=seller.headers).json
    assert sorted((listing["id"], listing["status"]) for listing in listed) == sorted(
        [(draft["id"], "draft"), (on_sale["id"], "published"), (gone["id"], "withdrawn")])


def test_the_owner_sees_their_draft(market, seller, draft):
    response = market.client.get(f"/shop/listings/{draft['id']}", headers=seller.headers)
    assert (response.status_code, response.json["status"]) == (200, "draft")
