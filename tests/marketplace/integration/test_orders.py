"""Checkout, payment and orders: never oversell, never charge twice, every state change checked."""

import datetime as dt
import threading

import pytest
from sqlalchemy import update

from services.marketplace.models import Order
from services.marketplace.orders import expire_unpaid
from shared.db import utcnow
from tests.support.cards import DECLINED_CARD, GOOD_CARD
from tests.support.outbox import published
from tests.support.shopping import add, checkout, pay, stock_of


@pytest.fixture
def sellers(market):
    return market.member(name="Paper Birds"), market.member(name="Silver Lining", sectors=("jewellery",))


def test_a_customer_buys_from_two_sellers_in_one_order_with_a_share_each(market, sellers):
    buyer = market.customer()
    card = market.listing(sellers[0], price_pence=350)
    ring = market.listing(sellers[1], title="Silver ring", category="jewellery", price_pence=2500)
    add(market, buyer, card, quantity=2)
    add(market, buyer, ring)
    order = checkout(market, buyer).json
    assert order["status"] == "placed" and order["total_pence"] == 3200
    shares = {share["seller_id"]: share for share in order["sellers"]}
    assert shares[sellers[0].member_id]["gross_pence"] == 700
    assert shares[sellers[1].member_id]["gross_pence"] == 2500
    assert all(s["gross_pence"] == s["commission_pence"] + s["net_pence"] for s in order["sellers"])
    assert market.client.get("/cart", headers=buyer.headers).json["lines"] == []


def test_checkout_reserves_the_stock(market, sellers):
    buyer, listing = market.customer(), market.listing(sellers[0], stock=5)
    add(market, buyer, listing, quantity=3)
    checkout(market, buyer)
    assert stock_of(market, listing) == 2


def test_checkout_of_more_than_is_left_is_refused_and_reserves_nothing(market, sellers):
    buyer, listing = market.customer(), market.listing(sellers[0], stock=2)
    other = market.listing(sellers[1], stock=5)
    add(market, buyer, other, quantity=1)
    add(market, buyer, listing, quantity=3)
    response = checkout(market, buyer)
    assert response.status_code == 409 and "Only 2" in response.json["detail"]
    assert stock_of(market, listing) == 2 and stock_of(market, other) == 5


def test_many_buyers_racing_for_the_last_items_never_oversell(market, sellers):
    listing = market.listing(sellers[0], stock=3)
    buyers = [market.customer() for _ in range(12)]
    for buyer in buyers:
        assert add(market, buyer, listing).status_code == 201
    results = []
    start = threading.Barrier(len(buyers))

    def buy(buyer):
        start.wait()
        results.append(checkout(market, buyer).status_code)

    threads = [threading.Thread(target=buy, args=(buyer,)) for buyer in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [201] * 3 + [409] * 9
    assert stock_of(market, listing) == 0


def test_a_bookable_slot_is_sold_once(market, sellers):
    starts = (utcnow() + dt.timedelta(days=3)).replace(microsecond=0).isoformat()
    service = market.listing(sellers[0], kind="service", title="Full groom", category="grooming",
                             price_pence=3500, duration_minutes=90, slots=[starts])
    slot_id = service["slots"][0]["id"]
    first, second = market.customer(), market.customer()
    add(market, first, service, slot_id=slot_id)
    add(market, second, service, slot_id=slot_id)
    assert checkout(market, first).status_code == 201
    assert checkout(market, second).status_code == 409


def test_a_retried_checkout_with_the_same_key_reserves_once(market, sellers):
    buyer, listing = market.customer(), market.listing(sellers[0], stock=5)
    add(market, buyer, listing, quantity=2)
    first = checkout(market, buyer, key="checkout-1")
    again = checkout(market, buyer, key="checkout-1")
    assert first.status_code == again.status_code == 201
    assert first.json["id"] == again.json["id"]
    assert stock_of(market, listing) == 3


def test_paying_makes_the_order_paid_and_publishes_it(market, sellers):
    buyer, listing = market.customer(), market.listing(sellers[0])
    add(market, buyer, listing)
    order = checkout(market, buyer).json
    response = pay(market, buyer, order["id"])
    assert response.status_code == 200 and response.json["status"] == "paid"
    assert [event["order_id"] for event in published(market, "order.paid")] == [order["id"]]


def test_a_retried_payment_with_the_same_key_charges_once(market, sellers):
    buyer, listing = market.customer(), market.listing(sellers[0])
    add(market, buyer, listing)
    order = checkout(market, buyer).json
    first, again = pay(market, buyer, order["id"]), pay(market, buyer, order["id"])
    assert first.status_code == again.status_code == 200
    assert len(published(market, "order.paid")) == 1
    assert len(market.runtime.collaborators.provider.ledger.captures) == 1


def test_a_payment_without_an_idempotency_key_is_refused(market, sellers):
    buyer, listing = market.customer(), market.listing(sellers[0])
    add(market, buyer, listing)
    order = checkout(market, buyer).json
    response = market.client.post(f"/orders/{order['id']}/payment", json={"card": GOOD_CARD}, headers=buyer.headers)
    assert response.status_code == 422


def test_a_declined_card_leaves_the_order_waiting_for_payment(market, sellers):
    buyer, listing = market.customer(), market.listing(sellers[0])
    add(market, buyer, listing)
    order = checkout(market, buyer).json
    response = pay(market, buyer, order["id"], card=DECLINED_CARD)
    assert response.status_code == 402 and "card_declined" in response.json["detail"]
    assert market.client.get(f"/orders/{order['id']}", headers=buyer.headers).json["status"] == "placed"
    assert pay(market, buyer, order["id"], key="pay-2").json["status"] == "paid"


def test_a_suspended_seller_cannot_be_bought_from_even_mid_checkout(market, sellers):
    buyer, listing = market.customer(), market.listing(sellers[0])
    add(market, buyer, listing)
    market.member_event("member.suspended", sellers[0])
    response = checkout(market, buyer)
    assert response.status_code == 409
    assert stock_of(market, listing) == 10


def test_an_open_order_survives_its_sellers_suspension(market, sellers):
    buyer, listing = market.customer(), market.listing(sellers[0])
    add(market, buyer, listing)
    order = checkout(market, buyer).json
    market.member_event("member.suspended", sellers[0])
    assert pay(market, buyer, order["id"]).json["status"] == "paid"


def test_an_active_member_buying_from_another_pays_the_member_price(market, sellers):
    buyer = market.member(name="Wagtails")
    listing = market.listing(sellers[0], price_pence=1000, member_discount_pence=150)
    add(market, buyer, listing)
    assert market.client.get("/cart", headers=buyer.headers).json["total_pence"] == 850
    order = checkout(market, buyer).json
    assert order["total_pence"] == 850 and order["buyer_member_id"] == buyer.member_id


def test_a_customer_pays_the_full_price(market, sellers):
    buyer = market.customer()
    listing = market.listing(sellers[0], price_pence=1000, member_discount_pence=150)
    add(market, buyer, listing)
    assert checkout(market, buyer).json["total_pence"] == 1000


def test_nobody_buys_from_their_own_shop(market, sellers):
    listing = market.listing(sellers[0])
    assert add(market, sellers[0], listing).status_code == 409


def test_an_unpaid_order_gives_its_stock_back_when_its_time_runs_out(market, sellers):
    buyer, listing = market.customer(), market.listing(sellers[0], stock=4)
    add(market, buyer, listing, quantity=4)
    order = checkout(market, buyer).json
    with market.runtime.db.transaction() as session:
        session.execute(update(Order).values(pay_by=utcnow() - dt.timedelta(seconds=1)))
        assert expire_unpaid(session) == [order["id"]]
    assert stock_of(market, listing) == 4
    assert market.client.get(f"/orders/{order['id']}", headers=buyer.headers).json["status"] == "cancelled"
    assert pay(market, buyer, order["id"]).status_code == 409


def test_a_refund_of_an_unpaid_order_is_refused(market, sellers):
    buyer, listing = market.customer(), market.listing(sellers[0])
    add(market, buyer, listing)
    order = checkout(market, buyer).json
    response = market.client.post(f"/orders/{order['id']}/refund", json={},
                                  headers={**market.coordinator().headers, "Idempotency-Key": "r1"})
    assert response.status_code == 409


def test_a_full_refund_reverses_every_share_and_publishes_order_refunded(market, sellers):
    buyer = market.customer()
    add(market, buyer, market.listing(sellers[0], price_pence=999))
    add(market, buyer, market.listing(sellers[1], price_pence=1001, category="jewellery"))
    order = checkout(market, buyer).json
    pay(market, buyer, order["id"])
    response = market.client.post(f"/orders/{order['id']}/refund", json={"reason": "never arrived"},
                                  headers={**market.coordinator().headers, "Idempotency-Key": "r1"})
    assert response.status_code == 200 and response.json["status"] == "refunded"
    assert len(published(market, "order.refunded")) == 1


def test_a_customer_cannot_see_another_customers_order(market, sellers):
    buyer, stranger = market.customer(), market.customer()
    add(market, buyer, market.listing(sellers[0]))
    order = checkout(market, buyer).json
    assert market.client.get(f"/orders/{order['id']}", headers=stranger.headers).status_code == 404
    assert market.client.get(f"/orders/{order['id']}", headers=sellers[0].headers).status_code == 200


def test_the_order_moves_through_confirmed_and_fulfilled(market, sellers):
    buyer, listing = market.customer(), market.listing(sellers[0])
    add(market, buyer, listing)
    order = checkout(market, buyer).json
    pay(market, buyer, order["id"])
    assert market.client.post(f"/orders/{order['id']}/fulfil", headers=buyer.headers).status_code == 409
    confirmed = market.client.post(f"/orders/{order['id']}/confirm", headers=sellers[0].headers)
    assert confirmed.json["status"] == "confirmed"
    fulfilled = market.client.post(f"/orders/{order['id']}/fulfil", headers=buyer.headers)
    assert fulfilled.json["status"] == "fulfilled"
    assert [c["to_status"] for c in fulfilled.json["history"]] == ["placed", "paid", "confirmed", "fulfilled"]


def test_each_seller_confirms_their_own_part_and_the_order_is_confirmed_with_the_last(market, sellers):
    buyer = market.customer()
    add(market, buyer, market.listing(sellers[0]))
    add(market, buyer, market.listing(sellers[1], category="jewellery"))
    order = checkout(market, buyer).json
    pay(market, buyer, order["id"])
    first = market.client.post(f"/orders/{order['id']}/confirm", headers=sellers[0].headers).json
    assert first["status"] == "paid"
    assert {s["seller_id"]: s["status"] for s in first["sellers"]}[sellers[0].member_id] == "confirmed"
    again = market.client.post(f"/orders/{order['id']}/confirm", headers=sellers[0].headers)
    assert again.status_code == 409
    last = market.client.post(f"/orders/{order['id']}/confirm", headers=sellers[1].headers).json
    assert last["status"] == "confirmed"
    assert len(published(market, "order.confirmed")) == 1
