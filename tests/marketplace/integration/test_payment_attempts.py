"""A payment or refund cut off between asking the provider and recording its answer is resolved.

The provider acts, then the answer never arrives (the process dies, the connection drops): the
attempt written before the provider was asked stays pending, and says what was asked. A retry with
the same key, or the marketplace's settling job, asks the provider again under that key and records
what it did, so no money is taken or given back without the books knowing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from services.marketplace import payments, refunds
from services.marketplace.adapters.card_processor import CardDetails
from services.marketplace.models import Order, PaymentAttempt
from services.marketplace.orders import expire_unpaid
from shared.auth import Principal
from shared.db import utcnow
from tests.support.cards import GOOD_CARD
from tests.support.outbox import published
from tests.support.shopping import differences, paid_order, pay, place_order

NOW = dt.timedelta(0)  # settle whatever is pending, however young


class CutOff(Exception):
    """The provider did what it was asked, and its answer was lost on the way back."""


class CutOffAfter:
    """The real provider, whose answer to one kind of call is lost after it has acted."""

    def __init__(self, provider, call: str):
        self.provider, self.call = provider, call

    def __getattr__(self, name):
        real = getattr(self.provider, name)
        if name != self.call:
            return real

        def acted_then_lost(*args, **kwargs):
            real(*args, **kwargs)
            raise CutOff(name)

        return acted_then_lost


@pytest.fixture
def seller(market):
    return market.member(name="Wagtails")


def cut_off_payment(market, buyer, order, call: str, key: str = "pay-1") -> None:
    provider = CutOffAfter(market.runtime.collaborators.provider, call)
    with market.runtime.db.sessionmaker() as session, pytest.raises(CutOff):
        payments.pay(session, order["id"], Principal(buyer.account_id, ("customer",)), CardDetails(**GOOD_CARD),
                   provider, f"{buyer.account_id}:{key}")


def settle(market) -> list[int]:
    with market.runtime.db.sessionmaker() as session:
        return payments.settle_interrupted(session, market.runtime.collaborators.provider, NOW)


def attempt_statuses(market) -> list[str]:
    with market.runtime.db.sessionmaker() as session:
        return list(session.scalars(select(PaymentAttempt.status).order_by(PaymentAttempt.id)))


def order_status(market, order) -> str:
    with market.runtime.db.sessionmaker() as session:
        return session.get(Order, order["id"]).status


def test_a_payment_cut_off_leaves_its_attempt_pending(market, seller):
    buyer = market.customer()
    order = place_order(market, buyer, market.listing(seller))
    cut_off_payment(market, buyer, order, "capture")
    assert attempt_statuses(market) == ["pending"]
    assert differences(market)  # the capture with no payment, and the attempt left pending


def test_a_retry_with_the_same_key_after_a_cut_off_records_the_one_capture(market, seller):
    buyer = market.customer()
    order = place_order(market, buyer, market.listing(seller))
    cut_off_payment(market, buyer, order, "capture")
    response = pay(market, buyer, order["id"], key="pay-1")
    assert response.status_code == 200 and response.json["status"] == "paid"
    assert len(market.runtime.collaborators.provider.statement().captures) == 1
    assert differences(market) == []


def test_the_settling_job_records_a_capture_whose_answer_was_lost(market, seller):
    buyer = market.customer()
    order = place_order(market, buyer, market.listing(seller))
    cut_off_payment(market, buyer, order, "capture")
    assert len(settle(market)) == 1
    assert order_status(market, order) == "paid"
    assert attempt_statuses(market) == ["succeeded"]
    assert len(published(market, "order.paid")) == 1
    assert differences(market) == []


def test_the_settling_job_voids_a_hold_that_was_never_captured(market, seller):
    buyer = market.customer()
    order = place_order(market, buyer, market.listing(seller))
    cut_off_payment(market, buyer, order, "authorise")
    settle(market)
    assert order_status(market, order) == "placed"
    assert attempt_statuses(market) == ["failed"]
    ledger = market.runtime.collaborators.provider.ledger
    assert list(ledger.status.values()) == ["voided"]
    assert pay(market, buyer, order["id"], key="pay-2").status_code == 200
    assert differences(market) == []


def test_a_payment_in_flight_is_not_settled_before_its_time(market, seller):
    buyer = market.customer()
    order = place_order(market, buyer, market.listing(seller))
    cut_off_payment(market, buyer, order, "capture")
    with market.runtime.db.sessionmaker() as session:
        provider = market.runtime.collaborators.provider
        assert payments.settle_interrupted(session, provider, dt.timedelta(minutes=2)) == []
    assert attempt_statuses(market) == ["pending"]


def cut_off_refund(market, order, coordinator, call: str = "refund") -> None:
    provider = CutOffAfter(market.runtime.collaborators.provider, call)
    with market.runtime.db.sessionmaker() as session, pytest.raises(CutOff):
        refunds.refund(session, order["id"], Principal(coordinator.account_id, ("coordinator",)), provider,
                      f"refund:{coordinator.account_id}:r1")


def test_the_settling_job_records_a_refund_whose_answer_was_lost(market, seller):
    buyer, coordinator = market.customer(), market.coordinator()
    order = paid_order(market, buyer, market.listing(seller))
    cut_off_refund(market, order, coordinator)
    settle(market)
    assert order_status(market, order) == "refunded"
    assert len(published(market, "refund.issued")) == 1
    assert differences(market) == []


def test_a_refund_in_flight_holds_its_amount_against_the_share(market, seller):
    buyer, coordinator = market.customer(), market.coordinator()
    order = paid_order(market, buyer, market.listing(seller))
    cut_off_refund(market, order, coordinator)
    again = market.client.post(f"/orders/{order['id']}/refund", json={},
                               headers={**coordinator.headers, "Idempotency-Key": "r2"})
    assert again.status_code == 409


def test_a_refund_never_made_frees_its_amount_once_settled(market, seller):
    buyer, coordinator = market.customer(), market.coordinator()
    order = paid_order(market, buyer, market.listing(seller))
    real = market.runtime.collaborators.provider

    class LostBeforeArriving:
        def __getattr__(self, name):
            return getattr(real, name)

        def refund(self, *args, **kwargs):
            raise CutOff("refund")  # the request never reached the provider

    with market.runtime.db.sessionmaker() as session, pytest.raises(CutOff):
        refunds.refund(session, order["id"], Principal(coordinator.account_id, ("coordinator",)),
                      LostBeforeArriving(), f"refund:{coordinator.account_id}:r1")
    settle(market)
    assert attempt_statuses(market) == ["succeeded", "failed"]  # the payment, then the refund
    again = market.client.post(f"/orders/{order['id']}/refund", json={},
                               headers={**coordinator.headers, "Idempotency-Key": "r2"})
    assert again.status_code == 200 and again.json["status"] == "refunded"
    assert differences(market) == []


def test_a_key_used_for_one_order_cannot_pay_another(market, seller):
    from shared.errors import Unprocessable

    buyer = market.customer()
    first = paid_order(market, buyer, market.listing(seller))
    second = place_order(market, buyer, market.listing(seller, title="Wren card"))
    with market.runtime.db.sessionmaker() as session, pytest.raises(Unprocessable):
        payments.pay(session, second["id"], Principal(buyer.account_id, ("customer",)), CardDetails(**GOOD_CARD),
                   market.runtime.collaborators.provider, f"{buyer.account_id}:pay-1")
    assert order_status(market, first) == "paid" and order_status(market, second) == "placed"


def test_a_cancel_is_refused_while_a_payment_is_being_made(market, seller):
    buyer = market.customer()
    order = place_order(market, buyer, market.listing(seller))
    with market.runtime.db.transaction() as session:
        session.add(PaymentAttempt(order_id=order["id"], kind="capture", amount_pence=order["total_pence"],
                                   request_key="k", provider_key="k", by_account_id=buyer.account_id))
    response = market.client.post(f"/orders/{order['id']}/cancel", headers=buyer.headers)
    assert response.status_code == 409 and "being made" in response.json["detail"]
    with market.runtime.db.transaction() as session:
        session.execute(update(Order).values(pay_by=utcnow() - dt.timedelta(seconds=1)))
        assert expire_unpaid(session) == []
    assert pay(market, buyer, order["id"], key="another").status_code == 409
