"""A price nobody could pay is refused (issue 15, item 11): the card provider takes no payment of 0p, so
a £0 listing, or a member discount of the whole price, would be accepted and then never paid for. Each is
refused with a 422 that says why, through the API and through the My shop pages, and changes nothing; a
listing saved at £0 before the rule is neither published nor sold."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from services.marketplace.models import Listing, Order
from tests.support.shopping import add_to_cart
from tests.support.store_pages import StoreBrowser

NEXT_YEAR_SLOT = "2099-06-01T10:00:00+00:00"


@pytest.fixture
def seller(market):
    return market.member("producer", name="Paper Birds")


def goods(**fields) -> dict:
    return {"kind": "goods", "title": "Robin card", "category": "cards", "price_pence": 350, "stock": 5, **fields}


def service(**fields) -> dict:
    return {"kind": "service", "title": "Dog wash", "category": "grooming", "price_pence": 2000,
            "duration_minutes": 30, "slots": [NEXT_YEAR_SLOT], **fields}


def create(market, seller, body):
    return market.client.post("/shop/listings", json=body, headers=seller.headers)


def edit(market, seller, listing_id, **changes):
    return market.client.patch(f"/shop/listings/{listing_id}", json=changes, headers=seller.headers)


def listings_count(market) -> int:
    with market.runtime.db.sessionmaker() as session:
        return session.scalar(select(func.count(Listing.id)))


def saved_prices(market, listing_id) -> tuple[int, int]:
    with market.runtime.db.sessionmaker() as session:
        listing = session.get(Listing, listing_id)
        return listing.price_pence, listing.member_discount_pence


def said(response) -> str:
    """The words of a 422 problem: its detail and every field's messages."""
    return str(response.json.get("detail", "")) + str(response.json.get("errors", ""))


# -- through the API ----------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [goods(price_pence=0), service(price_pence=0)], ids=["goods", "service"])
def test_a_listing_at_nothing_is_refused(market, seller, body):
    response = create(market, seller, body)
    assert response.status_code == 422
    assert "1p" in said(response)
    assert listings_count(market) == 0


@pytest.mark.parametrize("body", [goods(member_discount_pence=350), service(member_discount_pence=2000)],
                         ids=["goods", "service"])
def test_a_member_discount_of_the_whole_price_is_refused(market, seller, body):
    response = create(market, seller, body)
    assert response.status_code == 422
    assert "discount" in response.json["detail"] and "1p" in response.json["detail"]
    assert listings_count(market) == 0


def test_a_member_discount_leaving_one_penny_is_accepted(market, seller):
    response = create(market, seller, goods(price_pence=350, member_discount_pence=349))
    assert response.status_code == 201, response.json
    assert response.json["member_price_pence"] == 1


EDITS_TO_NOTHING = {
    "price to nothing": {"price_pence": 0},
    "discount to the whole price": {"member_discount_pence": 500},
    "price down to the discount": {"price_pence": 100},
    "both to nothing": {"price_pence": 0, "member_discount_pence": 0},
}


@pytest.mark.parametrize("changes", EDITS_TO_NOTHING.values(), ids=EDITS_TO_NOTHING)
def test_an_edit_that_leaves_nothing_to_pay_is_refused_and_changes_nothing(market, seller, changes):
    listing = market.listing(seller, price_pence=500, member_discount_pence=100)
    assert edit(market, seller, listing["id"], **changes).status_code == 422
    assert saved_prices(market, listing["id"]) == (500, 100)


# -- through the My shop pages ------------------------------------------------------------------------


@pytest.mark.parametrize(("price", "discount"), [("0", "0"), ("0.00", ""), ("3.50", "3.50")],
                         ids=["nothing", "nothing, no discount given", "discount of the whole price"])
def test_the_shop_page_refuses_goods_nobody_could_pay_for(market, seller, price, discount):
    page = StoreBrowser(market, seller)
    response = page.post("/my-shop/listings", {"title": "Robin card", "category": "cards", "price": price,
                                               "member_discount": discount, "stock": "5"})
    assert response.status_code == 422
    assert "1p" in response.get_data(as_text=True)
    assert listings_count(market) == 0


@pytest.mark.parametrize(("price", "discount"), [("0", "0"), ("35", "35")], ids=["nothing", "whole discount"])
def test_the_shop_page_refuses_a_service_nobody_could_pay_for(market, seller, price, discount):
    page = StoreBrowser(market, seller)
    response = page.post("/my-shop/services", {
        "title": "Dog wash", "category": "grooming", "price": price, "member_discount": discount,
        "duration_minutes": "30", "slot_date_1": "2099-06-01", "slot_time_1": "10:00"})
    assert response.status_code == 422
    assert listings_count(market) == 0


@pytest.mark.parametrize(("price", "discount"), [("0", "0"), ("5", "5")], ids=["nothing", "whole discount"])
def test_the_edit_page_refuses_prices_nobody_could_pay(market, seller, price, discount):
    listing = market.listing(seller, price_pence=500, member_discount_pence=100)
    page = StoreBrowser(market, seller)
    response = page.post(f"/my-shop/listings/{listing['id']}", {
        "title": "Robin card", "description": "", "category": "cards", "price": price, "member_discount": discount})
    assert response.status_code == 422
    assert "1p" in response.get_data(as_text=True)
    assert saved_prices(market, listing["id"]) == (500, 100)


# -- a listing saved at nothing before the rule ---------------------------------------------------------


def priced_at_nothing(market, listing_id: int) -> None:
    """Set a listing's price to 0p in the database, as one saved before 1p was the least."""
    with market.runtime.db.transaction() as session:
        session.execute(update(Listing).where(Listing.id == listing_id).values(price_pence=0, member_discount_pence=0))


def test_a_listing_saved_at_nothing_cannot_be_published(market, seller):
    draft = market.listing(seller, publish=False)
    priced_at_nothing(market, draft["id"])
    response = market.client.post(f"/shop/listings/{draft['id']}/publish", headers=seller.headers)
    assert response.status_code == 422
    assert "1p" in response.json["detail"]


def test_a_listing_saved_at_nothing_cannot_be_checked_out(market, seller):
    listing = market.listing(seller)
    buyer = market.customer()
    add_to_cart(market, buyer, listing)
    priced_at_nothing(market, listing["id"])
    response = market.client.post("/checkout", json={}, headers=buyer.headers)
    assert response.status_code == 409
    assert "£0" in response.json["detail"]
    with market.runtime.db.sessionmaker() as session:
        assert session.scalar(select(func.count(Order.id))) == 0
    assert market.client.get(f"/shop/listings/{listing['id']}", headers=seller.headers).json["variants"][0][
        "stock"] == 10


def test_a_member_buying_a_listing_discounted_to_nothing_cannot_check_out(market, seller):
    listing = market.listing(seller, price_pence=500, member_discount_pence=100)
    with market.runtime.db.transaction() as session:  # a discount of the whole price, saved before the rule
        session.execute(update(Listing).where(Listing.id == listing["id"]).values(member_discount_pence=500))
    member = market.member("agency")
    add_to_cart(market, member, listing)
    assert market.client.post("/checkout", json={}, headers=member.headers).status_code == 409
