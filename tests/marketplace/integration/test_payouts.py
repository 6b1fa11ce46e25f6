"""Statements add up to the penny, receipts are in each trader's name, payouts are made once."""

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select, update

from services.marketplace import payouts
from services.marketplace.models import Order, Payout, PayoutRun, ShareRefund
from shared.auth import Principal
from shared.db import utcnow
from tests.support.outbox import published
from tests.support.shopping import add, checkout, pay

YESTERDAY = (utcnow() - dt.timedelta(days=1)).date()
PERIOD = {"start": (YESTERDAY - dt.timedelta(days=6)).isoformat(), "end": YESTERDAY.isoformat()}


@pytest.fixture
def seller(market):
    return market.member(name="Paper Birds")


def paid_order(market, seller, price=1000, quantity=1):
    """A customer's paid order from the seller, as if paid yesterday."""
    buyer = market.customer()
    add(market, buyer, market.listing(seller, price_pence=price), quantity=quantity)
    order = checkout(market, buyer).json
    pay(market, buyer, order["id"])
    with market.runtime.db.transaction() as session:
        session.execute(update(Order).where(Order.id == order["id"])
                        .values(paid_at=utcnow() - dt.timedelta(days=1)))
    return buyer, order


def statement(market, seller, caller=None):
    caller = caller or seller
    return market.client.get(f"/sellers/{seller.member_id}/statement", query_string=PERIOD, headers=caller.headers)


def run_payout(market, coordinator):
    return market.client.post("/payouts", json=PERIOD, headers=coordinator.headers)


def test_a_statement_lists_sales_with_the_commission_and_what_is_owed(market, seller):
    paid_order(market, seller, price=1000)
    body = statement(market, seller).json
    assert (body["gross_sales_pence"], body["commission_pence"], body["net_owed_pence"]) == (1000, 100, 900)
    assert body["balance_owed_pence"] == 900
    assert [line["kind"] for line in body["lines"]] == ["sale"]


def test_a_part_refund_reverses_the_share_and_its_commission(market, seller):
    _buyer, order = paid_order(market, seller, price=1000)
    coordinator = market.coordinator()
    response = market.client.post(f"/orders/{order['id']}/refund",
                                  json={"seller_id": seller.member_id, "amount_pence": 250},
                                  headers={**coordinator.headers, "Idempotency-Key": "part"})
    assert response.status_code == 200 and response.json["status"] == "paid"
    with market.runtime.db.transaction() as session:
        session.execute(update(ShareRefund).values(refunded_at=utcnow() - dt.timedelta(days=1)))
    body = statement(market, seller).json
    assert body["refunds_pence"] == 250
    assert body["commission_pence"] == 75 and body["net_owed_pence"] == 675
    assert body["gross_sales_pence"] - body["refunds_pence"] - body["commission_pence"] == body["net_owed_pence"]


def test_a_refund_retried_with_the_same_key_gives_back_once(market, seller):
    _buyer, order = paid_order(market, seller, price=1000)
    headers = {**market.coordinator().headers, "Idempotency-Key": "once"}
    body = {"seller_id": seller.member_id, "amount_pence": 100}
    market.client.post(f"/orders/{order['id']}/refund", json=body, headers=headers)
    market.client.post(f"/orders/{order['id']}/refund", json=body, headers=headers)
    with market.runtime.db.sessionmaker() as session:
        assert len(session.scalars(select(ShareRefund)).all()) == 1


def test_another_member_cannot_read_a_sellers_statement(market, seller):
    assert statement(market, seller, caller=market.member()).status_code == 403


def test_a_coordinator_can_read_any_statement(market, seller):
    assert statement(market, seller, caller=market.coordinator()).status_code == 200


def test_a_payout_pays_each_seller_what_is_owed_and_publishes_it(market, seller):
    paid_order(market, seller, price=2000)
    run = run_payout(market, market.coordinator())
    assert run.status_code == 200
    assert [(p["seller_id"], p["amount_pence"]) for p in run.json["payouts"]] == [(seller.member_id, 1800)]
    [event] = published(market, "payout.paid")
    assert event["amount_pence"] == 1800


def test_running_the_same_payout_twice_pays_nothing_twice(market, seller):
    paid_order(market, seller, price=2000)
    coordinator = market.coordinator()
    first, second = run_payout(market, coordinator), run_payout(market, coordinator)
    assert first.json["id"] == second.json["id"]
    assert len(published(market, "payout.paid")) == 1


def test_a_run_for_another_period_never_pays_again_what_an_earlier_run_paid(market, seller):
    paid_order(market, seller, price=2000)
    coordinator = market.coordinator()
    run_payout(market, coordinator)
    # The first run paid today, after the end of any period a later run can cover: still paid.
    later = market.client.post("/payouts", json={"start": YESTERDAY.isoformat(), "end": YESTERDAY.isoformat()},
                               headers=coordinator.headers)
    assert later.status_code == 200 and later.json["payouts"] == []


def test_a_run_pays_what_was_earned_since_the_last_one(market, seller):
    paid_order(market, seller, price=2000)
    coordinator = market.coordinator()
    run_payout(market, coordinator)
    paid_order(market, seller, price=500)
    later = market.client.post("/payouts", json={"start": YESTERDAY.isoformat(), "end": YESTERDAY.isoformat()},
                               headers=coordinator.headers)
    assert [(p["seller_id"], p["amount_pence"]) for p in later.json["payouts"]] == [(seller.member_id, 450)]


def test_two_runs_for_overlapping_periods_started_at_once_pay_each_penny_once(market, seller):
    paid_order(market, seller, price=2000)
    coordinator = Principal(market.coordinator().account_id, ("coordinator",))
    together = threading.Barrier(2)

    def run(start):
        together.wait()
        with market.runtime.db.transaction() as session:
            payouts.run_payouts(session, coordinator, start, YESTERDAY)

    runs = [threading.Thread(target=run, args=(start,)) for start in (YESTERDAY - dt.timedelta(days=6), YESTERDAY)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join(30)
    with market.runtime.db.sessionmaker() as session:
        assert session.scalar(select(func.sum(Payout.amount_pence))) == 1800


def test_the_same_payout_started_twice_at_once_pays_each_seller_once(market, seller):
    others = [market.member(name="Silver Lining", sectors=("jewellery",)), market.member(name="Wagtails")]
    for who, price in zip([seller, *others], (2000, 1250, 730), strict=True):
        paid_order(market, who, price=price)
    owed = {seller.member_id: 1800, others[0].member_id: 1125, others[1].member_id: 657}  # less 10 %
    coordinators = [market.coordinator(), market.coordinator()]
    together = threading.Barrier(2)
    answers = []

    def run(coordinator):
        together.wait()
        answers.append(run_payout(market, coordinator))

    runs = [threading.Thread(target=run, args=(coordinator,)) for coordinator in coordinators]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join(30)

    assert len(answers) == 2 and {answer.status_code for answer in answers} <= {200, 409}, [
        (answer.status_code, answer.json) for answer in answers]
    done = [answer.json for answer in answers if answer.status_code == 200]
    assert done and len({body["id"] for body in done}) == 1  # the second is refused, or is the same run
    for body in done:
        assert {p["seller_id"]: p["amount_pence"] for p in body["payouts"]} == owed
    with market.runtime.db.sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(PayoutRun)) == 1
        paid = session.execute(select(Payout.seller_id, func.count(), func.sum(Payout.amount_pence))
                               .group_by(Payout.seller_id)).all()
        assert {seller_id: (count, int(total)) for seller_id, count, total in paid} == {
            seller_id: (1, amount) for seller_id, amount in owed.items()}
        assert session.scalar(select(func.sum(Payout.amount_pence))) == 3582
    assert sorted(event["amount_pence"] for event in published(market, "payout.paid")) == [657, 1125, 1800]


def test_a_payout_cannot_cover_today(market):
    today = utcnow().date().isoformat()
    response = market.client.post("/payouts", json={"start": today, "end": today},
                                  headers=market.coordinator().headers)
    assert response.status_code == 422


def test_each_seller_gets_a_receipt_in_their_own_name(market, seller):
    other = market.member(name="Silver Lining", sectors=("jewellery",))
    buyer = market.customer()
    add(market, buyer, market.listing(seller, price_pence=600))
    add(market, buyer, market.listing(other, price_pence=1200, category="jewellery"))
    order = checkout(market, buyer).json
    pay(market, buyer, order["id"])
    receipts = market.client.get(f"/orders/{order['id']}/receipts", headers=buyer.headers).json
    assert sorted((r["trader"], r["total_pence"], r["vat_pence"]) for r in receipts) == [
        ("Paper Birds", 600, None), ("Silver Lining", 1200, None)]


def test_a_vat_registered_traders_receipt_shows_the_vat(market, seller):
    coordinator = market.coordinator()
    market.client.put(f"/sellers/{seller.member_id}/vat", json={"vat_registered": True, "vat_number": "GB123456789"},
                      headers=coordinator.headers)
    buyer, order = paid_order(market, seller, price=1200)
    [receipt] = market.client.get(f"/orders/{order['id']}/receipts", headers=buyer.headers).json
    assert (receipt["vat_pence"], receipt["vat_number"]) == (200, "GB123456789")


def test_an_unpaid_order_has_no_receipts(market, seller):
    buyer = market.customer()
    add(market, buyer, market.listing(seller))
    order = checkout(market, buyer).json
    assert market.client.get(f"/orders/{order['id']}/receipts", headers=buyer.headers).status_code == 409
