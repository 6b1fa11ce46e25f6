"""Sellers in the marketplace, kept only from the members service's events: who may sell, whose listings
customers see, under what shop name, and what happens when events come late, twice or too early.

Producer members sell. Agency members may buy but not sell: an agency finds work for people rather than
making goods, so the marketplace gives it no shop (its account has no ``member`` role, and an agency's
seller row can never list). This is the co-op's decision for the marketplace, recorded here.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from services.members.events import CATALOG as MEMBER_EVENTS
from shared.auth import Principal
from shared.consumer import Outcome, list_dead_letters
from shared.db import utcnow
from tests.support.market import Trader

STOPPING_EVENTS = ["member.suspended", "member.left"]


@pytest.fixture
def seller(market):
    return market.member("producer", name="Paper Birds Cards", sectors=("cards", "crafts"))


@pytest.fixture
def on_sale(market, seller):
    """A published listing of the seller's."""
    return market.listing(seller)


def create(market, trader, **overrides):
    body = {"kind": "goods", "title": "Robin card", "category": "cards", "price_pence": 350, "stock": 5,
            **overrides}
    return market.client.post("/shop/listings", json=body, headers=trader.headers)


def publish(market, trader, listing_id):
    return market.client.post(f"/shop/listings/{listing_id}/publish", headers=trader.headers)


def catalogue_ids(market):
    return [listing["id"] for listing in market.client.get("/listings").json]


def listing_page(market, listing_id):
    return market.client.get(f"/listings/{listing_id}")


def seller_page(market, trader):
    return market.client.get(f"/sellers/{trader.member_id}")


def envelope_json(event_type, member_id, **data) -> str:
    """Build a member event exactly as it travels on the bus."""
    envelope = MEMBER_EVENTS.build(event_type, {"member_id": member_id, "member_number": member_id,
                                                "occurred_at": utcnow(), **data})
    return json.dumps(envelope.to_dict())


# -- who may sell -------------------------------------------------------------------------------------


def test_an_admitted_producer_is_a_seller_who_can_list(market, seller):
    response = create(market, seller)
    assert response.status_code == 201
    assert (response.json["seller_id"], response.json["shop_name"]) == (seller.member_id, "Paper Birds Cards")


def test_an_agency_member_cannot_create_a_listing(market):
    agency = market.member("agency")
    assert create(market, agency).status_code == 403


def test_an_agency_member_cannot_list_even_with_a_token_carrying_the_member_role(market):
    agency = market.member("agency")
    token, _ = market.issuer.issue(Principal(agency.account_id, ("member", "agency"), agency.member_id))
    as_member = Trader(agency.account_id, {"Authorization": f"Bearer {token}"}, agency.member_id)
    assert create(market, as_member).status_code == 403


def test_an_agency_member_has_no_shop_page(market):
    agency = market.member("agency")
    assert seller_page(market, agency).status_code == 404


# -- suspended or gone, and back ----------------------------------------------------------------------


@pytest.mark.parametrize("event_type", STOPPING_EVENTS)
def test_a_stopped_sellers_listings_leave_the_catalogue(market, seller, on_sale, event_type):
    market.member_event(event_type, seller)
    assert catalogue_ids(market) == []


@pytest.mark.parametrize("event_type", STOPPING_EVENTS)
def test_a_stopped_sellers_listing_page_is_not_found(market, seller, on_sale, event_type):
    market.member_event(event_type, seller)
    assert listing_page(market, on_sale["id"]).status_code == 404


@pytest.mark.parametrize("event_type", STOPPING_EVENTS)
def test_a_stopped_seller_has_no_shop_page(market, seller, event_type):
    market.member_event(event_type, seller)
    assert seller_page(market, seller).status_code == 404


@pytest.mark.parametrize("event_type", STOPPING_EVENTS)
def test_a_stopped_seller_cannot_publish(market, seller, event_type):
    draft = market.listing(seller, publish=False)
    market.member_event(event_type, seller)
    assert publish(market, seller, draft["id"]).status_code == 403


@pytest.mark.parametrize("event_type", STOPPING_EVENTS)
def test_a_stopped_seller_cannot_create_a_listing(market, seller, event_type):
    market.member_event(event_type, seller)
    assert create(market, seller).status_code == 403


def test_a_reinstated_sellers_listings_are_back_in_the_catalogue(market, seller, on_sale):
    market.member_event("member.suspended", seller)
    market.member_event("member.reinstated", seller)
    assert catalogue_ids(market) == [on_sale["id"]]
    assert listing_page(market, on_sale["id"]).status_code == 200


def test_a_reinstated_seller_can_publish_again(market, seller):
    draft = market.listing(seller, publish=False)
    market.member_event("member.suspended", seller)
    market.member_event("member.reinstated", seller)
    assert publish(market, seller, draft["id"]).status_code == 200


def test_a_suspension_keeps_the_sellers_listings_for_when_they_return(market, seller, on_sale):
    market.member_event("member.suspended", seller)
    own = market.client.get("/shop/listings", headers=seller.headers)
    assert [(listing["id"], listing["status"]) for listing in own.json] == [(on_sale["id"], "published")]


# -- the shop's name ----------------------------------------------------------------------------------


def test_a_profile_update_renames_the_shop_on_its_listings(market, seller, on_sale):
    market.member_event("member.profile_updated", seller, name="Paper Robins", sectors=["cards"])
    assert listing_page(market, on_sale["id"]).json["shop_name"] == "Paper Robins"
    assert [listing["shop_name"] for listing in market.client.get("/listings").json] == ["Paper Robins"]


def test_a_profile_update_renames_the_shop_and_changes_its_sectors_on_the_seller_page(market, seller):
    market.member_event("member.profile_updated", seller, name="Paper Robins", sectors=["jewellery"])
    page = seller_page(market, seller).json
    assert (page["shop_name"], page["sectors"]) == ("Paper Robins", ["jewellery"])


def test_the_seller_page_shows_the_shop_and_nothing_about_the_person(market, seller):
    page = seller_page(market, seller)
    assert page.status_code == 200
    assert page.json == {"member_id": seller.member_id, "shop_name": "Paper Birds Cards",
                         "sectors": ["cards", "crafts"], "vat_registered": False}


# -- late, repeated and early events ------------------------------------------------------------------


def test_a_suspension_older_than_the_last_event_applied_changes_nothing(market, seller, on_sale):
    suspended_at = utcnow()
    market.member_event("member.reinstated", seller)  # happened after the suspension, but arrived first
    market.member_event("member.suspended", seller, occurred_at=suspended_at)
    assert catalogue_ids(market) == [on_sale["id"]]


def test_a_reinstatement_older_than_the_last_event_applied_changes_nothing(market, seller, on_sale):
    reinstated_at = utcnow()
    market.member_event("member.suspended", seller)
    market.member_event("member.reinstated", seller, occurred_at=reinstated_at)
    assert catalogue_ids(market) == []


def test_a_profile_update_older_than_the_last_one_applied_changes_nothing(market, seller):
    first_renamed_at = utcnow()
    market.member_event("member.profile_updated", seller, name="Newer Name", sectors=["cards"])
    market.member_event("member.profile_updated", seller, name="Older Name", sectors=["crafts"],
                        occurred_at=first_renamed_at)
    page = seller_page(market, seller).json
    assert (page["shop_name"], page["sectors"]) == ("Newer Name", ["cards"])


def test_an_event_from_before_the_admission_changes_nothing(market, seller, on_sale):
    market.member_event("member.suspended", seller, occurred_at=utcnow() - dt.timedelta(days=1))
    assert catalogue_ids(market) == [on_sale["id"]]


def test_a_late_reinstatement_still_applies_after_a_newer_profile_update(market, seller, on_sale):
    market.member_event("member.suspended", seller)
    reinstated_at = utcnow()
    market.member_event("member.profile_updated", seller, name="Paper Robins", sectors=["cards"])
    market.member_event("member.reinstated", seller, occurred_at=reinstated_at)
    assert catalogue_ids(market) == [on_sale["id"]]


def test_the_same_event_delivered_twice_is_applied_once(market, seller):
    body = envelope_json("member.suspended", seller.member_id)
    outcomes = [market.runtime.processor.process(body) for _ in range(2)]
    assert outcomes == [Outcome.HANDLED, Outcome.DUPLICATE]


def test_a_redelivered_admission_does_not_undo_a_later_suspension(market):
    member_id = 987_001
    admission = envelope_json("member.admitted", member_id, account_id=987_002, kind="producer",
                              name="Paper Birds", sectors=["cards"])
    market.runtime.processor.process(admission)
    market.deliver("member.suspended", {"member_id": member_id, "member_number": member_id})
    market.runtime.processor.process(admission)
    assert market.client.get(f"/sellers/{member_id}").status_code == 404


def test_a_status_event_for_an_unknown_member_is_retried_then_dead_lettered(market):
    body = envelope_json("member.suspended", 987_003)
    assert market.runtime.processor.process(body) == Outcome.DEAD_LETTERED
    [letter] = list_dead_letters(market.runtime.db)
    assert (letter.event_id, letter.reason) == (json.loads(body)["id"], "handler failed")
    assert letter.attempts == market.runtime.settings.handler_max_attempts > 1


def test_an_admission_and_a_suspension_in_one_batch_leave_the_seller_stopped(market):
    member_id = 987_004
    admission = envelope_json("member.admitted", member_id, account_id=987_005, kind="producer",
                              name="Paper Birds", sectors=["cards"])
    suspension = envelope_json("member.suspended", member_id)
    assert market.runtime.processor.process_batch([admission, suspension]) == [Outcome.HANDLED] * 2
    assert market.client.get(f"/sellers/{member_id}").status_code == 404


def test_a_late_admission_keeps_the_newer_shop_name_and_status(market, seller):
    admitted_long_ago = utcnow() - dt.timedelta(days=1)
    market.member_event("member.profile_updated", seller, name="Paper Robins", sectors=["cards"])
    market.member_event("member.suspended", seller)
    market.runtime.processor.process(envelope_json(
        "member.admitted", seller.member_id, account_id=seller.account_id, kind="producer", name="Old Name",
        sectors=["crafts"], occurred_at=admitted_long_ago))
    assert seller_page(market, seller).status_code == 404
    market.member_event("member.reinstated", seller)
    assert (seller_page(market, seller).json["shop_name"], seller_page(market, seller).json["sectors"]) == (
        "Paper Robins", ["cards"])
