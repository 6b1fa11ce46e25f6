"""Taking payment for an order and refunding it, through the payment provider.

Money moves only after the decision is recorded. Each use case runs in three steps:
1. under the order's lock (and for a refund, its shares' locks), check the rules and write a pending
   ``PaymentAttempt``, then commit: a second attempt at the same order is refused here, before any
   money moves;
2. ask the provider, holding no lock and no transaction, with a key derived from the attempt's;
3. under the locks again, record the outcome, once: a concurrent retry with the same key asks the
   provider the same question, gets the same answer (it is idempotent by key) and finds it recorded.
A process that dies in step 2 leaves the attempt pending; ``settle_interrupted`` asks the provider
what became of it and records that.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from services.marketplace import orders
from services.marketplace.adapters.card_processor import (
    Capture,
    CardDetails,
    PaymentDeclined,
    PaymentError,
    PaymentProvider,
    Refund,
)
from services.marketplace.events import OUTBOX
from services.marketplace.idempotency import once
from services.marketplace.models import Order, Payment, PaymentAttempt, SellerShare, ShareRefund
from services.marketplace.rules import commission as money
from shared.auth import Principal
from shared.db import locked, utcnow
from shared.errors import Conflict, DomainError, Forbidden, NotFound, Unprocessable

log = logging.getLogger(__name__)


class PaymentRefused(DomainError):
    """The card was declined: answered 402, and the order waits for another card."""

    status = 402
    title = "Payment Required"


def pay_for_order(session: Session, order_id: int, by: Principal, card: dict, provider: PaymentProvider,
                  idempotency_key: str | None) -> tuple[int, dict]:
    """Pay for the caller's order by card, once per Idempotency-Key; return the status and the order.

    A declined card is refused (402, ``PaymentRefused``), a misused provider request is a conflict
    (409). A retry with the same key gets the first answer; the key identifies the request by the order
    and the card's last four digits, expiry and holder, never by its number, even hashed.
    """
    if idempotency_key is None:
        raise Unprocessable("Send an Idempotency-Key header with a payment, so that a retry never pays twice.")
    details = CardDetails(**card)

    def charge():
        try:
            order = pay(session, order_id, by, details, provider, f"{by.account_id}:{idempotency_key}")
        except PaymentDeclined as declined:
            raise PaymentRefused(f"The card was declined ({declined.code}).") from declined
        except PaymentError as error:
            raise Conflict(str(error)) from error
        return 200, orders.ORDER.dump(order)

    request = {"order_id": order_id, "card_last4": details.digits[-4:],
               "expiry": [details.exp_month, details.exp_year], "holder": details.holder_name}
    return once(session, by.account_id, idempotency_key, "payment", request, charge)


def refund_order(session: Session, order_id: int, by: Principal, provider: PaymentProvider,
                 idempotency_key: str | None, seller_id: int | None = None, amount_pence: int | None = None,
                 reason: str = "") -> tuple[int, dict]:
    """Refund a paid order, or part of one seller's share (a coordinator), once per Idempotency-Key.

    Returns the status and the order; the commission is reversed in step (``refund``).
    """
    if idempotency_key is None:
        raise Unprocessable("Send an Idempotency-Key header with a refund, so that a retry never refunds twice.")
    body = {"seller_id": seller_id, "amount_pence": amount_pence, "reason": reason}
    body = {name: value for name, value in body.items() if value is not None}

    def give_back():
        try:
            order = refund(session, order_id, by, provider, f"refund:{by.account_id}:{idempotency_key}", **body)
        except PaymentError as error:
            raise Conflict(str(error)) from error
        return 200, orders.ORDER.dump(order)

    return once(session, by.account_id, idempotency_key, "refund", {"order_id": order_id, **body}, give_back)


def pay(session: Session, order_id: int, by: Principal, card: CardDetails, provider: PaymentProvider,
        idempotency_key: str, provider_name: str = "test-mode") -> Order:
    """Authorise and capture the order's total on the buyer's card; the order becomes paid.

    Commits part-way (the attempt, before the provider is asked); a retry with the same key resumes.
    """
    attempt = _begin_payment(session, order_id, by, idempotency_key)
    session.commit()
    if attempt.status == "pending":
        try:
            authorisation = provider.authorise(attempt.amount_pence, card, f"{attempt.provider_key}:authorise")
            capture = provider.capture(authorisation.id, attempt.amount_pence, f"{attempt.provider_key}:capture")
        except PaymentDeclined as declined:
            _settle(session, attempt.id, "declined", declined.code)
            session.commit()
            raise
        except PaymentError as error:
            _settle(session, attempt.id, "failed", str(error))
            session.commit()
            raise
        _record_payment(session, attempt.id, capture, authorisation.last4, provider_name, provider)
    elif attempt.status == "declined":
        raise PaymentDeclined(attempt.outcome, "The card was declined.")
    elif attempt.status == "failed":
        raise Conflict(f"This payment was not taken: {attempt.outcome}")
    return orders.get_order(session, order_id, by)


def _begin_payment(session: Session, order_id: int, by: Principal, key: str) -> PaymentAttempt:
    order = orders.order_to_change(session, order_id, by)
    if order.buyer_account_id != by.account_id:
        raise Forbidden("Only the buyer pays for an order.")
    again = session.scalar(select(PaymentAttempt).where(PaymentAttempt.provider_key == key))
    if again is not None:
        _same_order(again, order)
        return again  # the same request again: resume it, or give its answer
    if order.status != "placed":
        raise Conflict(f"A {order.status} order cannot be paid.")
    if order.pay_by <= utcnow():
        raise Conflict("The time to pay for this order has run out; its items were put back on sale.")
    if orders.payment_in_flight(session, order.id):
        raise Conflict("A payment for this order is being made just now; wait for its answer.")
    attempt = PaymentAttempt(order_id=order.id, kind="capture", amount_pence=order.total_pence, request_key=key,
                             provider_key=key, by_account_id=by.account_id)
    session.add(attempt)
    session.flush()
    return attempt


def _same_order(attempt: PaymentAttempt, order: Order) -> None:
    if attempt.order_id != order.id:
        raise Unprocessable("This Idempotency-Key was already used for another order.")


def _record_payment(session: Session, attempt_id: int, capture: Capture, last4: str, provider_name: str,
                    provider: PaymentProvider) -> None:
    """Record a capture the provider made for an attempt, once; one the order can no longer take goes back."""
    order, attempt = _locked_attempt(session, attempt_id)
    if attempt.status == "pending":
        if order.status == "placed":
            session.add(Payment(order_id=order.id, provider=provider_name, authorisation_id=capture.authorisation_id,
                                capture_id=capture.id, amount_pence=capture.amount_pence, card_last4=last4))
            order.paid_at = utcnow()
            orders.move(session, order, "paid", attempt.by_account_id)
            _mark(attempt, "succeeded", capture.id)
        else:
            # Settled meanwhile as interrupted and the order cancelled: the money must not stay taken.
            provider.refund(capture.id, capture.amount_pence, f"{attempt.provider_key}:return")
            _mark(attempt, "failed", f"the order was {order.status} when the capture came back; returned")
    session.commit()


def _locked_attempt(session: Session, attempt_id: int) -> tuple[Order, PaymentAttempt]:
    # The order first, then the attempt: the same order as every other change to the order.
    order_id = session.scalar(select(PaymentAttempt.order_id).where(PaymentAttempt.id == attempt_id))
    order = locked(session, Order, order_id)
    return order, locked(session, PaymentAttempt, attempt_id)


def _settle(session: Session, attempt_id: int, status: str, outcome: str) -> None:
    _order, attempt = _locked_attempt(session, attempt_id)
    if attempt.status == "pending":
        _mark(attempt, status, outcome)


def _mark(attempt: PaymentAttempt, status: str, outcome: str) -> None:
    attempt.status, attempt.outcome, attempt.settled_at = status, outcome, utcnow()


def refund(session: Session, order_id: int, by: Principal, provider: PaymentProvider, idempotency_key: str,
           seller_id: int | None = None, amount_pence: int | None = None, reason: str = "") -> Order:
    """Give money back: all of an order, or part of one seller's share; commission reversed in step.

    Commits part-way (the attempts, before the provider is asked); a retry with the same key resumes.
    """
    if not by.has_any("coordinator"):
        raise Forbidden("Refunds are made by a coordinator.")
    attempts = _begin_refunds(session, order_id, by, idempotency_key, seller_id, amount_pence, reason)
    capture_id = session.scalar(select(Payment.capture_id).where(Payment.order_id == order_id))
    session.commit()  # and no transaction is open while the provider is asked
    for attempt in attempts:
        if attempt.status != "pending":
            continue
        try:
            given = provider.refund(capture_id, attempt.amount_pence, attempt.provider_key)
        except PaymentError as error:
            _settle(session, attempt.id, "failed", str(error))
            session.commit()
            raise
        _record_refund(session, attempt.id, given)
    failed = [attempt for attempt in attempts if attempt.status == "failed"]
    if failed:
        raise Conflict(f"The refund was not made: {failed[0].outcome}")
    return orders.get_order(session, order_id, by)


def _begin_refunds(session: Session, order_id: int, by: Principal, key: str, seller_id: int | None,
                   amount_pence: int | None, reason: str) -> list[PaymentAttempt]:
    order = orders.order_to_change(session, order_id, by)
    again = session.scalars(select(PaymentAttempt).where(PaymentAttempt.request_key == key)
                            .order_by(PaymentAttempt.id)).all()
    if again:
        _same_order(again[0], order)
        return list(again)
    payment = session.scalar(select(Payment).where(Payment.order_id == order.id))
    if payment is None or order.status not in orders.REFUNDABLE:
        raise Conflict(f"A {order.status} order has nothing to refund.")
    if amount_pence is not None and seller_id is None:
        raise Unprocessable("A part refund names the seller whose share it comes from.")
    shares = _locked_shares(session, order.id, seller_id)
    if not shares:
        raise NotFound(f"Seller {seller_id} has no part in order {order.id}.")
    attempts = []
    for share in shares:
        left = share.gross_pence - _refunded_or_being_refunded(session, share)
        amount = left if amount_pence is None else amount_pence
        if amount > left:
            raise Conflict(f"Only {left}p of seller {share.seller_id}'s share is left to refund.")
        if amount > 0:
            attempts.append(PaymentAttempt(
                order_id=order.id, kind="refund", seller_id=share.seller_id, amount_pence=amount, request_key=key,
                provider_key=f"{key}:{share.seller_id}", by_account_id=by.account_id, reason=reason))
    if not attempts:
        raise Conflict("Everything paid for this order has been refunded, or is being refunded.")
    session.add_all(attempts)
    session.flush()
    return attempts


def _locked_shares(session: Session, order_id: int, seller_id: int | None) -> list[SellerShare]:
    statement = select(SellerShare).where(SellerShare.order_id == order_id).order_by(SellerShare.seller_id)
    if seller_id is not None:
        statement = statement.where(SellerShare.seller_id == seller_id)
    return list(session.scalars(statement.with_for_update().execution_options(populate_existing=True)))


def _refunded_or_being_refunded(session: Session, share: SellerShare) -> int:
    """What is already given back from a share, or held by a refund in flight."""
    settled = _refunded_so_far(session, share).gross_pence
    in_flight = session.scalar(select(func.coalesce(func.sum(PaymentAttempt.amount_pence), 0)).where(
        PaymentAttempt.order_id == share.order_id, PaymentAttempt.seller_id == share.seller_id,
        PaymentAttempt.kind == "refund", PaymentAttempt.status == "pending"))
    return settled + in_flight


def _record_refund(session: Session, attempt_id: int, given: Refund) -> None:
    """Record a refund the provider made for an attempt, once, and the order refunded with its last penny."""
    order, attempt = _locked_attempt(session, attempt_id)
    if attempt.status == "pending":
        share = _locked_shares(session, order.id, attempt.seller_id)[0]
        part = money.refund_split(_as_money(share), attempt.amount_pence, _refunded_so_far(session, share))
        session.add(ShareRefund(order_id=order.id, seller_id=share.seller_id, gross_pence=part.gross_pence,
                                commission_pence=part.commission_pence, net_pence=part.net_pence,
                                provider_refund_id=given.id, by_account_id=attempt.by_account_id,
                                reason=attempt.reason))
        OUTBOX.add(session, "refund.issued", {
            "order_id": order.id, "seller_id": share.seller_id, "gross_pence": part.gross_pence,
            "commission_pence": part.commission_pence, "net_pence": part.net_pence, "currency": order.currency,
            "occurred_at": utcnow()})
        # In the database, not in Python: the row's own value, whatever another writer left there.
        session.execute(update(Payment).where(Payment.order_id == order.id)
                        .values(refunded_pence=Payment.refunded_pence + attempt.amount_pence))
        _mark(attempt, "succeeded", given.id)
        payment = session.scalar(select(Payment).where(Payment.order_id == order.id)
                                 .execution_options(populate_existing=True))
        if payment.refunded_pence == payment.amount_pence and order.status != "refunded":
            orders.move(session, order, "refunded", attempt.by_account_id, note=attempt.reason)
    session.commit()


def _refunded_so_far(session: Session, share: SellerShare) -> money.RefundShare:
    total = money.NOTHING_REFUNDED
    for row in session.scalars(select(ShareRefund).where(ShareRefund.order_id == share.order_id,
                                                         ShareRefund.seller_id == share.seller_id)
                               .order_by(ShareRefund.id)):
        total = total + money.RefundShare(row.gross_pence, row.commission_pence, row.net_pence)
    return total


def _as_money(share: SellerShare) -> money.SellerShare:
    return money.SellerShare(share.seller_id, share.gross_pence, share.commission_pence, share.net_pence)


def settle_interrupted(session: Session, provider: PaymentProvider, older_than: dt.timedelta,
                       provider_name: str = "test-mode") -> list[int]:
    """Settle attempts left pending by a process that died while asking the provider; return their ids.

    The provider is asked what each attempt's key did: a capture or refund it made is recorded as if
    the request had finished; an authorisation never captured is voided; nothing at all means no money
    moved. Only attempts older than any request can live are taken (``older_than``), one at a time
    with its order locked (SKIP LOCKED: two workers never settle one attempt), each committed.
    """
    settled: list[int] = []
    while True:
        found = session.execute(
            select(PaymentAttempt.id).join(Order, Order.id == PaymentAttempt.order_id)
            .where(PaymentAttempt.status == "pending", PaymentAttempt.created_at <= utcnow() - older_than,
                   PaymentAttempt.id.not_in(settled))
            .order_by(PaymentAttempt.id).limit(1).with_for_update(of=Order, skip_locked=True)).first()
        if found is None:
            session.commit()
            return settled
        attempt = locked(session, PaymentAttempt, found.id)
        if attempt.status != "pending":
            session.commit()
        elif attempt.kind == "capture":
            _settle_interrupted_capture(session, attempt, provider, provider_name)
        else:
            _settle_interrupted_refund(session, attempt, provider)
        settled.append(found.id)


def _settle_interrupted_capture(session: Session, attempt: PaymentAttempt, provider: PaymentProvider,
                                provider_name: str) -> None:
    key = attempt.provider_key
    authorisation = provider.lookup(f"{key}:authorise")
    capture = provider.lookup(f"{key}:capture")
    if isinstance(capture, Capture):
        _record_payment(session, attempt.id, capture, getattr(authorisation, "last4", ""), provider_name, provider)
        return
    if authorisation is not None:
        provider.void(authorisation.id, f"{key}:void")
    _settle(session, attempt.id, "failed", "interrupted before the money was taken; nothing was charged")
    session.commit()


def _settle_interrupted_refund(session: Session, attempt: PaymentAttempt, provider: PaymentProvider) -> None:
    given = provider.lookup(attempt.provider_key)
    if isinstance(given, Refund):
        _record_refund(session, attempt.id, given)
        return
    _settle(session, attempt.id, "failed", "interrupted before the money was given back; nothing was refunded")
    session.commit()


def settle_interrupted_job(runtime) -> None:
    """Settle payment attempts a dead process left pending (a periodic job of the marketplace)."""
    given = runtime.collaborators
    older_than = dt.timedelta(seconds=given.settings.payment_attempt_timeout_seconds)
    with runtime.db.sessionmaker() as session:
        settled = settle_interrupted(session, given.provider, older_than)
    if settled:
        log.warning("interrupted payment attempts settled", extra={"attempt_ids": settled})
