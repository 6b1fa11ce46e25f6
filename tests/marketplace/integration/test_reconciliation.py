"""`coop reconcile payments`: the provider's ledger against the marketplace's books, every difference told."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from services.marketplace.adapters.card_processor import CardDetails
from services.marketplace.models import Payment, PaymentAttempt, ShareRefund
from tests.support.cards import GOOD_CARD
from tests.support.cli import run_coop
from tests.support.shopping import differences, paid_order


@pytest.fixture
def seller(market):
    return market.member(name="Second Helpings", sectors=("catering",))


@pytest.fixture
def order(market, seller):
    return paid_order(market, market.customer(), market.listing(seller, price_pence=1000, category="catering"))


def test_books_that_agree_show_no_difference_and_the_command_exits_0(market, order, settings):
    result = run_coop(settings, "reconcile", "payments")
    assert result.exit_code == 0, result.output
    assert "0 difference(s)" in result.output


def test_a_capture_with_no_payment_is_reported_and_the_command_exits_1(market, order, settings):
    provider = market.runtime.collaborators.provider
    held = provider.authorise(1000, CardDetails(**GOOD_CARD), "stray:authorise")
    stray = provider.capture(held.id, 1000, "stray:capture")
    result = run_coop(settings, "reconcile", "payments")
    assert result.exit_code == 1
    assert f"capture {stray.id} of 1000p has no payment in the marketplace" in result.output


def test_a_refund_over_a_share_is_reported(market, order, seller):
    with market.runtime.db.transaction() as session:
        session.add(ShareRefund(order_id=order["id"], seller_id=seller.member_id, gross_pence=1500,
                                commission_pence=150, net_pence=1350, provider_refund_id="re_invented",
                                by_account_id=1))
    found = differences(market)
    assert f"order {order['id']}: 1500p refunded from seller {seller.member_id}'s share of 1000p" in found
    assert any("re_invented" in line and "not in the provider's ledger" in line for line in found)


def test_a_payment_recorded_for_another_amount_than_captured_is_reported(market, order):
    with market.runtime.db.transaction() as session:
        session.execute(update(Payment).values(amount_pence=900))
    assert f"order {order['id']}: the provider captured 1000p, the marketplace recorded 900p" in differences(market)


def test_a_refund_the_books_do_not_know_is_reported(market, order):
    provider = market.runtime.collaborators.provider
    capture = provider.statement().captures[0]
    given = provider.refund(capture.id, 400, "unrecorded")
    found = differences(market)
    assert f"order {order['id']}: refund {given.id} of 400p has no refund in the marketplace" in found


def test_an_attempt_left_pending_is_reported(market, order):
    with market.runtime.db.transaction() as session:
        session.add(PaymentAttempt(order_id=order["id"], kind="refund", seller_id=1, amount_pence=100,
                                   request_key="k", provider_key="k:1", by_account_id=1))
    assert any("refund attempt" in line and "not settled" in line for line in differences(market))
