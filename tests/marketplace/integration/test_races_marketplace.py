"""Many requests at one marketplace transition at once, through a real threaded server.

Each test fires N requests together (tests/support/concurrency.py), then checks the database and the
payment provider's ledger: one effect, the money equal in both (the reconciliation finds nothing), no
5xx, each event published once. On PostgreSQL these are real races; on SQLite the write lock
serialises them and the same answers must come out.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from services.marketplace.models import Order, Payment, ShareRefund, Variant
from services.marketplace.orders import expire_unpaid
from shared.db import utcnow
from tests.support.concurrency import Answer, N, at_once, no_server_errors, serve, statuses
from tests.support.outbox import published
from tests.support.shopping import (
    add_to_cart,
    differences,
    paid_order,
    payment_body,
    place_order,
)


@pytest.fixture
def server(market):
    with serve(market.app) as running:
        yield running


@pytest.fixture
def sellers(market):
    return market.member(name="Paper Birds"), market.member(name="Silver Lining", sectors=("jewellery",))


def two_seller_listings(market, sellers, price=1000):
    return (market.listing(sellers[0], price_pence=price),
            market.listing(sellers[1], price_pence=price, category="jewellery"))


def captures(market) -> int:
    return len(market.runtime.collaborators.provider.statement().captures)


def status_of(market, order_id: int) -> str:
    with market.runtime.db.sessionmaker() as session:
        return session.get(Order, order_id).status


def paying(server, buyer, order_id: int, key: str):
    return lambda: server.post(f"/orders/{order_id}/payment", payment_body(),
                               {**buyer.headers, "Idempotency-Key": key})


def refunding(server, coordinator, order_id: int, key: str, **body):
    return lambda: server.post(f"/orders/{order_id}/refund", body, {**coordinator.headers, "Idempotency-Key": key})


# -- payment ------------------------------------------------------------------------------------------


def test_one_order_paid_many_times_at_once_with_different_keys_is_charged_once(market, sellers, server):
    buyer = market.customer()
    order = place_order(market, buyer, market.listing(sellers[0]))
    answers = at_once([paying(server, buyer, order["id"], f"key-{i}") for i in range(N)])
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    assert captures(market) == 1
    assert len(published(market, "order.paid")) == 1
    assert differences(market) == []


def test_one_order_paid_many_times_at_once_with_the_same_key_is_charged_once(market, sellers, server):
    buyer = market.customer()
    order = place_order(market, buyer, market.listing(sellers[0]))
    answers = at_once([paying(server, buyer, order["id"], "the-one-key")] * N)
    assert statuses(answers) == {200: N}, statuses(answers)
    assert {answer.body["status"] for answer in answers} == {"paid"}
    assert captures(market) == 1
    assert len(published(market, "order.paid")) == 1
    assert differences(market) == []


def test_pay_and_cancel_of_one_order_at_once_have_one_winner(market, sellers, server):
    listing = market.listing(sellers[0], stock=50)
    outcomes = []
    for _ in range(4):
        buyer = market.customer()
        order = place_order(market, buyer, listing)
        half = N // 2
        answers = at_once([paying(server, buyer, order["id"], f"key-{i}") for i in range(half)]
                          + [lambda b=buyer, o=order: server.post(f"/orders/{o['id']}/cancel", {}, b.headers)] * half)
        assert no_server_errors(answers), statuses(answers)
        won = [answer for answer in answers if answer.status == 200]
        assert len(won) == 1, statuses(answers)
        outcomes.append(status_of(market, order["id"]))
        assert won[0].body["status"] == outcomes[-1]
    with market.runtime.db.sessionmaker() as session:
        stock = session.scalar(select(Variant.stock).where(Variant.listing_id == listing["id"]))
    assert stock == 50 - outcomes.count("paid")
    assert len(published(market, "order.paid")) == outcomes.count("paid") == captures(market)
    assert len(published(market, "order.cancelled")) == outcomes.count("cancelled")
    assert differences(market) == []


def test_the_unpaid_order_job_and_payments_at_once_have_one_winner(market, sellers, server):
    buyer = market.customer()
    order = place_order(market, buyer, market.listing(sellers[0]))
    later = utcnow() + dt.timedelta(hours=1)  # the job, run as if the time to pay had run out

    def expire() -> Answer:
        with market.runtime.db.transaction() as session:
            return Answer(200 if expire_unpaid(session, now=later) else 409, None)

    answers = at_once([paying(server, buyer, order["id"], f"key-{i}") for i in range(N // 2)] + [expire] * (N // 2))
    assert no_server_errors(answers), statuses(answers)
    assert sum(answer.status == 200 for answer in answers) == 1, statuses(answers)
    paid = status_of(market, order["id"]) == "paid"
    assert captures(market) == len(published(market, "order.paid")) == int(paid)
    assert len(published(market, "order.cancelled")) == int(not paid)
    assert differences(market) == []


# -- refunds ------------------------------------------------------------------------------------------


def test_part_refunds_of_one_share_at_once_never_give_back_more_than_the_share(market, sellers, server):
    buyer, coordinator = market.customer(), market.coordinator()
    order = paid_order(market, buyer, *two_seller_listings(market, sellers))
    body = {"seller_id": sellers[0].member_id, "amount_pence": 1000}
    answers = at_once([refunding(server, coordinator, order["id"], f"refund-{i}", **body) for i in range(N)])
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    with market.runtime.db.sessionmaker() as session:
        assert session.scalar(select(func.sum(ShareRefund.gross_pence))) == 1000
        assert session.scalar(select(Payment.refunded_pence)) == 1000
    assert status_of(market, order["id"]) == "paid"
    assert len(market.runtime.collaborators.provider.statement().refunds) == 1
    assert len(published(market, "refund.issued")) == 1
    assert differences(market) == []


def test_small_part_refunds_at_once_add_up_to_at_most_the_share(market, sellers, server):
    buyer, coordinator = market.customer(), market.coordinator()
    order = paid_order(market, buyer, *two_seller_listings(market, sellers))
    body = {"seller_id": sellers[0].member_id, "amount_pence": 300}
    answers = at_once([refunding(server, coordinator, order["id"], f"refund-{i}", **body) for i in range(N)])
    assert statuses(answers) == {200: 3, 409: N - 3}, statuses(answers)
    with market.runtime.db.sessionmaker() as session:
        assert session.scalar(select(Payment.refunded_pence)) == 900
    assert differences(market) == []


def test_full_refunds_of_one_order_at_once_refund_it_once(market, sellers, server):
    buyer, coordinator = market.customer(), market.coordinator()
    order = paid_order(market, buyer, *two_seller_listings(market, sellers))
    answers = at_once([refunding(server, coordinator, order["id"], f"refund-{i}") for i in range(N)])
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    assert status_of(market, order["id"]) == "refunded"
    assert len(market.runtime.collaborators.provider.statement().refunds) == 2  # one per seller's share
    assert len(published(market, "order.refunded")) == 1
    assert len(published(market, "refund.issued")) == 2
    assert differences(market) == []


def test_one_full_refund_sent_many_times_at_once_with_one_key_refunds_once(market, sellers, server):
    buyer, coordinator = market.customer(), market.coordinator()
    order = paid_order(market, buyer, *two_seller_listings(market, sellers))
    answers = at_once([refunding(server, coordinator, order["id"], "the-one-key")] * N)
    assert statuses(answers) == {200: N}, statuses(answers)
    assert len(market.runtime.collaborators.provider.statement().refunds) == 2
    assert len(published(market, "order.refunded")) == 1
    assert differences(market) == []


# -- checkout, confirmation, fulfilment ------------------------------------------------------------


def test_one_cart_checked_out_many_times_at_once_makes_one_order(market, sellers, server):
    buyer = market.customer()
    first, second = two_seller_listings(market, sellers)
    add_to_cart(market, buyer, first)
    add_to_cart(market, buyer, second)
    answers = at_once([lambda: server.post("/checkout", {"delivery_address": "1 High St"}, buyer.headers)] * N)
    assert statuses(answers) == {201: 1, 409: N - 1}, statuses(answers)
    with market.runtime.db.sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 1
        assert session.scalars(select(Variant.stock).order_by(Variant.id)).all() == [9, 9]
    assert len(published(market, "order.placed")) == 1


def test_both_sellers_confirming_at_once_confirm_the_order_once(market, sellers, server):
    for _ in range(3):
        buyer = market.customer()
        order = paid_order(market, buyer, *two_seller_listings(market, sellers))
        path = f"/orders/{order['id']}/confirm"
        answers = at_once([lambda s=sellers[i % 2], p=path: server.post(p, {}, s.headers) for i in range(N)])
        assert statuses(answers) == {200: 2, 409: N - 2}, statuses(answers)
        assert status_of(market, order["id"]) == "confirmed"
    assert len(published(market, "order.confirmed")) == 3


def test_an_order_received_many_times_at_once_is_fulfilled_once(market, sellers, server):
    buyer = market.customer()
    order = paid_order(market, buyer, market.listing(sellers[0]))
    assert market.client.post(f"/orders/{order['id']}/confirm", headers=sellers[0].headers).status_code == 200
    answers = at_once([lambda: server.post(f"/orders/{order['id']}/fulfil", {}, buyer.headers)] * N)
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    assert len(published(market, "order.fulfilled")) == 1


def test_a_listing_published_many_times_at_once_is_announced_once(market, sellers, server):
    listing = market.listing(sellers[0], publish=False)
    answers = at_once([lambda: server.post(f"/shop/listings/{listing['id']}/publish", {}, sellers[0].headers)] * N)
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    assert len(published(market, "listing.published")) == 1


# -- bookings ---------------------------------------------------------------------------------------


def service(market, seller, *starts: dt.datetime, minutes: int = 60, title: str = "Dog wash") -> dict:
    return market.listing(seller, kind="service", title=title, category="grooming", price_pence=2500,
                          duration_minutes=minutes, slots=[start.isoformat() for start in starts])


def tomorrow_at(hour: int, minute: int = 0) -> dt.datetime:
    day = (utcnow() + dt.timedelta(days=1)).date()
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC)


def test_one_slot_booked_by_many_buyers_at_once_is_sold_once(market, sellers, server):
    wash = service(market, sellers[0], tomorrow_at(10))
    buyers = [market.customer() for _ in range(N)]
    for buyer in buyers:
        add_to_cart(market, buyer, wash, slot_id=wash["slots"][0]["id"])
    answers = at_once([lambda b=b: server.post("/checkout", {"delivery_address": ""}, b.headers) for b in buyers])
    assert statuses(answers) == {201: 1, 409: N - 1}, statuses(answers)


def test_overlapping_times_of_one_seller_are_never_both_booked(market, sellers):
    wash = service(market, sellers[0], tomorrow_at(10))
    groom = service(market, sellers[0], tomorrow_at(10, 30), minutes=90, title="Full groom")
    first, second = market.customer(), market.customer()
    add_to_cart(market, first, wash, slot_id=wash["slots"][0]["id"])
    assert market.client.post("/checkout", json={"delivery_address": ""}, headers=first.headers).status_code == 201
    refused = market.client.post("/cart/lines", json={"listing_id": groom["id"], "slot_id": groom["slots"][0]["id"]},
                                 headers=second.headers)
    assert refused.status_code == 409 and "overlaps" in refused.json["detail"]


def test_times_that_only_touch_can_both_be_booked(market, sellers):
    wash = service(market, sellers[0], tomorrow_at(10))
    groom = service(market, sellers[0], tomorrow_at(11), title="Full groom")
    for listing in (wash, groom):
        buyer = market.customer()
        add_to_cart(market, buyer, listing, slot_id=listing["slots"][0]["id"])
        assert market.client.post("/checkout", json={"delivery_address": ""}, headers=buyer.headers).status_code == 201


def test_overlapping_times_booked_by_many_buyers_at_once_are_sold_once(market, sellers, server):
    wash = service(market, sellers[0], tomorrow_at(10))
    groom = service(market, sellers[0], tomorrow_at(10, 30), minutes=90, title="Full groom")
    buyers = [market.customer() for _ in range(N)]
    for number, buyer in enumerate(buyers):
        listing = (wash, groom)[number % 2]
        add_to_cart(market, buyer, listing, slot_id=listing["slots"][0]["id"])
    answers = at_once([lambda b=b: server.post("/checkout", {"delivery_address": ""}, b.headers) for b in buyers])
    assert statuses(answers) == {201: 1, 409: N - 1}, statuses(answers)


def test_another_sellers_booking_at_the_same_hour_does_not_clash(market, sellers):
    wash = service(market, sellers[0], tomorrow_at(10))
    other = service(market, sellers[1], tomorrow_at(10))
    for listing in (wash, other):
        buyer = market.customer()
        add_to_cart(market, buyer, listing, slot_id=listing["slots"][0]["id"])
        assert market.client.post("/checkout", json={"delivery_address": ""}, headers=buyer.headers).status_code == 201


def test_a_cancelled_booking_frees_the_overlapping_times(market, sellers):
    wash = service(market, sellers[0], tomorrow_at(10))
    groom = service(market, sellers[0], tomorrow_at(10, 30), title="Full groom")
    first, second = market.customer(), market.customer()
    add_to_cart(market, first, wash, slot_id=wash["slots"][0]["id"])
    order = market.client.post("/checkout", json={"delivery_address": ""}, headers=first.headers).json
    assert market.client.post(f"/orders/{order['id']}/cancel", headers=first.headers).status_code == 200
    add_to_cart(market, second, groom, slot_id=groom["slots"][0]["id"])
    assert market.client.post("/checkout", json={"delivery_address": ""}, headers=second.headers).status_code == 201


def test_stock_edits_and_checkouts_at_once_never_make_stock_negative(market, sellers, server):
    listing = market.listing(sellers[0], stock=5)
    variant_id = listing["variants"][0]["id"]
    buyers = [market.customer() for _ in range(N // 2)]
    for buyer in buyers:
        add_to_cart(market, buyer, listing)
    edits = [lambda: server.send("PUT", f"/shop/listings/{listing['id']}/variants/{variant_id}/stock",
                                 {"stock": 3}, sellers[0].headers)] * (N // 2)
    answers = at_once([lambda b=b: server.post("/checkout", {"delivery_address": ""}, b.headers)
                       for b in buyers] + edits)
    assert no_server_errors(answers), statuses(answers)
    with market.runtime.db.sessionmaker() as session:
        assert session.scalar(select(Variant.stock).where(Variant.id == variant_id)) >= 0


def test_one_item_added_to_a_cart_many_times_at_once_adds_up_in_one_line(market, sellers, server):
    buyer, listing = market.customer(), market.listing(sellers[0], stock=50)
    answers = at_once([lambda: server.post("/cart/lines", {"listing_id": listing["id"], "quantity": 1},
                                           buyer.headers)] * N)
    assert statuses(answers) == {201: N}, statuses(answers)
    lines = market.client.get("/cart", headers=buyer.headers).json["lines"]
    assert [line["quantity"] for line in lines] == [N]
