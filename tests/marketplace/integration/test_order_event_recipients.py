"""The order and payout events say whom to tell and where she sees it: the buyer's account and her order's
page on every order.<state>, each seller's account with her own lines only (their amounts adding up to her
gross), and on payout.paid the seller's account and her statement's page."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from services.marketplace.models import Order
from services.marketplace.orders import expire_unpaid
from shared.db import utcnow
from shared.pages import COOKIE
from tests.support.outbox import published
from tests.support.shopping import add_to_cart, checkout, paid_order, pay, place_order
from tests.support.store_pages import mounted_client

YESTERDAY = (utcnow() - dt.timedelta(days=1)).date()


@pytest.fixture
def birds(market):
    return market.member(name="Paper Birds")


@pytest.fixture
def silver(market):
    return market.member(name="Silver Lining", sectors=("jewellery",))


def seller_part(event: dict, seller) -> dict:
    [part] = [part for part in event["sellers"] if part["seller_id"] == seller.member_id]
    return part


def signed_in_under_gateway(market, trader):
    """A client of the marketplace as the gateway serves it (under /marketplace), signed in as the trader."""
    client = mounted_client(market)
    client.set_cookie(COOKIE, trader.headers["Authorization"].removeprefix("Bearer "))
    return client


def test_a_placed_order_names_its_buyers_account(market, birds):
    buyer = market.customer()
    order = place_order(market, buyer, market.listing(birds))
    [event] = published(market, "order.placed")
    assert event["buyer_account_id"] == buyer.account_id
    assert event["receipt_path"] == f"/marketplace/store/orders/{order['id']}"


def test_every_later_state_of_the_order_names_the_buyer_and_her_order_page(market, birds):
    buyer = market.customer()
    order = paid_order(market, buyer, market.listing(birds))
    assert market.client.post(f"/orders/{order['id']}/confirm", headers=birds.headers).status_code == 200
    assert market.client.post(f"/orders/{order['id']}/fulfil", headers=buyer.headers).status_code == 200
    events = [published(market, f"order.{state}")[0] for state in ("paid", "confirmed", "fulfilled")]
    assert {(event["buyer_account_id"], event["receipt_path"]) for event in events} == {
        (buyer.account_id, f"/marketplace/store/orders/{order['id']}")}


def test_the_order_page_an_event_points_at_shows_the_buyer_her_order(market, birds):
    buyer = market.customer()
    place_order(market, buyer, market.listing(birds, title="Robin Christmas card"))
    [event] = published(market, "order.placed")
    page = signed_in_under_gateway(market, buyer).get(event["receipt_path"])
    assert page.status_code == 200
    assert f"Order {event['order_id']}" in page.get_data(as_text=True)
    assert "Robin Christmas card" in page.get_data(as_text=True)


def test_each_seller_part_names_her_account_and_only_her_lines(market, birds, silver):
    buyer = market.customer()
    place_order(market, buyer, market.listing(birds, title="Robin Christmas card", price_pence=350),
                market.listing(silver, title="Leaf pendant", category="jewellery", price_pence=1900))
    [event] = published(market, "order.placed")
    assert seller_part(event, birds)["account_id"] == birds.account_id
    assert seller_part(event, birds)["lines"] == [{"title": "Robin Christmas card", "quantity": 1, "amount_pence": 350}]
    assert seller_part(event, silver)["account_id"] == silver.account_id
    assert seller_part(event, silver)["lines"] == [{"title": "Leaf pendant", "quantity": 1, "amount_pence": 1900}]


def test_a_sellers_line_amounts_add_up_to_her_gross_at_member_prices(market, birds, silver):
    buyer = market.member(name="Second Helpings", sectors=("catering",))  # an active member: member prices
    robin = market.listing(birds, title="Robin card", price_pence=350, member_discount_pence=50)
    wedding = market.listing(birds, title="Wedding set", price_pence=2400, member_discount_pence=300)
    add_to_cart(market, buyer, robin, quantity=3)
    add_to_cart(market, buyer, wedding)
    add_to_cart(market, buyer, market.listing(silver, title="Ring", category="jewellery", price_pence=2800))
    assert checkout(market, buyer).status_code == 201
    [event] = published(market, "order.placed")
    part = seller_part(event, birds)
    assert sorted((line["title"], line["quantity"], line["amount_pence"]) for line in part["lines"]) == [
        ("Robin card", 3, 900), ("Wedding set", 1, 2100)]
    assert sum(line["amount_pence"] for line in part["lines"]) == part["gross_pence"] == 3000
    assert sum(sum(line["amount_pence"] for line in p["lines"]) for p in event["sellers"]) == event["total_pence"]


def test_a_goods_line_is_titled_with_the_listing_and_its_variant(market, birds):
    buyer = market.customer()
    stationery = market.listing(birds, title="Wedding stationery set", price_pence=2400,
                                variants=[{"name": "ivory", "stock": 3}, {"name": "blush", "stock": 3}])
    add_to_cart(market, buyer, stationery, quantity=2, variant_id=stationery["variants"][1]["id"])
    assert checkout(market, buyer).status_code == 201
    [event] = published(market, "order.placed")
    assert seller_part(event, birds)["lines"] == [
        {"title": "Wedding stationery set (blush)", "quantity": 2, "amount_pence": 4800}]


def test_a_booked_service_line_is_titled_with_its_time(market):
    groomer = market.member(name="Wagtails", sectors=("grooming",))
    starts = (utcnow() + dt.timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    service = market.listing(groomer, kind="service", title="Full groom, small dog", category="grooming",
                             price_pence=3500, duration_minutes=90, slots=[starts.isoformat()])
    buyer = market.customer()
    add_to_cart(market, buyer, service, slot_id=service["slots"][0]["id"])
    assert checkout(market, buyer).status_code == 201
    [event] = published(market, "order.placed")
    assert seller_part(event, groomer)["lines"] == [
        {"title": f"Full groom, small dog, {starts:%d %b %Y} 10:00 UTC", "quantity": 1, "amount_pence": 3500}]


def test_an_order_cancelled_by_the_unpaid_order_job_names_the_buyer_and_the_sellers(market, birds):
    buyer = market.customer()
    order = place_order(market, buyer, market.listing(birds, title="Robin card", price_pence=350))
    with market.runtime.db.transaction() as session:
        session.execute(update(Order).where(Order.id == order["id"]).values(pay_by=utcnow() - dt.timedelta(minutes=1)))
        assert expire_unpaid(session) == [order["id"]]
    [event] = published(market, "order.cancelled")
    assert event["buyer_account_id"] == buyer.account_id
    assert seller_part(event, birds)["account_id"] == birds.account_id
    assert seller_part(event, birds)["lines"] == [{"title": "Robin card", "quantity": 1, "amount_pence": 350}]


def test_a_refunded_order_names_the_buyer_and_each_sellers_lines(market, birds, silver):
    buyer = market.customer()
    order = paid_order(market, buyer, market.listing(birds, title="Robin card", price_pence=350),
                       market.listing(silver, title="Ring", category="jewellery", price_pence=2800))
    response = market.client.post(f"/orders/{order['id']}/refund", json={},
                                  headers={**market.coordinator().headers, "Idempotency-Key": "all"})
    assert response.status_code == 200 and response.json["status"] == "refunded"
    [event] = published(market, "order.refunded")
    assert event["buyer_account_id"] == buyer.account_id
    assert {part["account_id"]: [line["title"] for line in part["lines"]] for part in event["sellers"]} == {
        birds.account_id: ["Robin card"], silver.account_id: ["Ring"]}


def paid_yesterday(market, seller, price_pence: int) -> None:
    buyer = market.customer()
    order = place_order(market, buyer, market.listing(seller, price_pence=price_pence))
    assert pay(market, buyer, order["id"]).status_code == 200
    with market.runtime.db.transaction() as session:
        session.execute(update(Order).where(Order.id == order["id"]).values(paid_at=utcnow() - dt.timedelta(days=1)))


def run_payout(market) -> dict:
    start = YESTERDAY - dt.timedelta(days=6)
    response = market.client.post("/payouts", json={"start": start.isoformat(), "end": YESTERDAY.isoformat()},
                                  headers=market.coordinator().headers)
    assert response.status_code == 200, response.json
    return response.json


def test_a_payout_names_the_sellers_account(market, birds, silver):
    paid_yesterday(market, birds, 2000)
    paid_yesterday(market, silver, 1000)
    run_payout(market)
    assert {event["seller_id"]: event["account_id"] for event in published(market, "payout.paid")} == {
        birds.member_id: birds.account_id, silver.member_id: silver.account_id}


def test_a_payout_points_at_her_statement_from_the_periods_start_to_the_day_it_was_paid(market, birds):
    paid_yesterday(market, birds, 2000)
    run_payout(market)
    [event] = published(market, "payout.paid")
    start = (YESTERDAY - dt.timedelta(days=6)).isoformat()
    assert event["statement_path"] == (
        f"/marketplace/store/my-shop/statement?start={start}&end={utcnow().date().isoformat()}")


def test_the_statement_a_payout_points_at_shows_the_sale_and_the_payout(market, birds):
    paid_yesterday(market, birds, 2000)
    run_payout(market)
    [event] = published(market, "payout.paid")
    page = signed_in_under_gateway(market, birds).get(event["statement_path"])
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f"payout {event['payout_id']}" in text and "sale: order" in text
