"""Payments: paying for an order by card through the card processor, and settling the attempts a dead
process left pending. The steps every attempt takes: ``payment_attempts``; giving money back: ``refunds``.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import and_, or_, select
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
from services.marketplace.idempotency import once
from services.marketplace.models import Order, Payment, PaymentAttempt
from services.marketplace.payment_attempts import same_order, settle, settle_pending
from services.marketplace.refunds import record_refund
from shared.auth import Principal
from shared.db import dialect_insert, locked, utcnow
from shared.errors import Conflict, DomainError, Forbidden, Unprocessable

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


def pay(session: Session, order_id: int, by: Principal, card: CardDetails, provider: PaymentProvider,
        idempotency_key: str, provider_name: str = "test-mode") -> Order:
    """Authorise and capture the order's total on the buyer's card; the order becomes paid.

    Commits part-way (the attempt, before the provider is asked); a retry with the same key resumes.
    The payment recorded is left for the caller to commit, with the request's stored answer.
    """
    attempt = _begin_payment(session, order_id, by, idempotency_key)
    session.commit()
    if attempt.status == "pending":
        try:
            authorisation = provider.authorise(attempt.amount_pence, card, f"{attempt.provider_key}:authorise")
            capture = provider.capture(authorisation.id, attempt.amount_pence, f"{attempt.provider_key}:capture")
        except PaymentDeclined as declined:
            settle(session, attempt.id, "declined", declined.code)
            session.commit()
            raise
        except PaymentError as error:
            settle(session, attempt.id, "failed", str(error))
            session.commit()
            raise
        return record_payment(session, attempt, capture, authorisation.last4, provider_name, provider)
    if attempt.status == "declined":
        raise PaymentDeclined(attempt.outcome, "The card was declined.")
    elif attempt.status == "failed":
        raise Conflict(f"This payment was not taken: {attempt.outcome}")
    return orders.get_order(session, order_id, by)


def _begin_payment(session: Session, order_id: int, by: Principal, key: str) -> PaymentAttempt:
    order = orders.order_to_change(session, order_id, by, whole=False)
    if order.buyer_account_id != by.account_id:
        raise Forbidden("Only the buyer pays for an order.")
    refusal = _not_payable(order)
    if refusal is not None:
        again = session.scalar(select(PaymentAttempt).where(PaymentAttempt.provider_key == key))
        if again is None:
            raise Conflict(refusal)
        same_order(again, order)
        return again  # the same request again (paid by it, say): give its answer
    # The unique indexes decide in the same statement: one live capture per order, one attempt per key.
    attempt = session.scalars(
        dialect_insert(session)(PaymentAttempt)
        .values(order_id=order.id, kind="capture", amount_pence=order.total_pence, request_key=key,
                provider_key=key, by_account_id=by.account_id)
        .on_conflict_do_nothing().returning(PaymentAttempt)).first()
    if attempt is not None:
        return attempt
    # Refused by an index: asked which only now, so the usual payment takes one statement.
    found = session.scalars(select(PaymentAttempt).where(or_(
        PaymentAttempt.provider_key == key, and_(*orders.capture_pending(order.id))))).all()
    again = next((attempt for attempt in found if attempt.provider_key == key), None)
    if again is None:  # another request's capture, pending
        raise Conflict("A payment for this order is being made just now; wait for its answer.")
    same_order(again, order)
    return again  # the same request again: resume it, or give its answer


def _not_payable(order: Order) -> str | None:
    if order.status != "placed":
        return f"A {order.status} order cannot be paid."
    if order.pay_by <= utcnow():
        return "The time to pay for this order has run out; its items were put back on sale."
    return None


def record_payment(session: Session, attempt: PaymentAttempt, capture: Capture, last4: str, provider_name: str,
                   provider: PaymentProvider) -> Order:
    """Record a capture the provider made for an attempt, once; one the order can no longer take goes back.

    Return the order as it is now, read whole under its lock; the caller commits.
    """
    order = orders.order_to_pay(session, attempt.order_id)  # the order's lock first, then the attempt's row
    if order.status == "placed":
        if settle_pending(session, attempt.id, "succeeded", capture.id):
            session.add(Payment(order_id=order.id, provider=provider_name, authorisation_id=capture.authorisation_id,
                                capture_id=capture.id, amount_pence=capture.amount_pence, card_last4=last4))
            order.paid_at = utcnow()
            orders.move(session, order, "paid", attempt.by_account_id, seller_accounts=orders.sellers_accounts(order))
    elif settle_pending(session, attempt.id, "failed",
                        f"the order was {order.status} when the capture came back; returned"):
        # Settled meanwhile as interrupted and the order cancelled: the money must not stay taken.
        provider.refund(capture.id, capture.amount_pence, f"{attempt.provider_key}:return")
    return order


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
        record_payment(session, attempt, capture, getattr(authorisation, "last4", ""), provider_name, provider)
        session.commit()
        return
    if authorisation is not None:
        provider.void(authorisation.id, f"{key}:void")
    settle(session, attempt.id, "failed", "interrupted before the money was taken; nothing was charged")
    session.commit()


def _settle_interrupted_refund(session: Session, attempt: PaymentAttempt, provider: PaymentProvider) -> None:
    given = provider.lookup(attempt.provider_key)
    if isinstance(given, Refund):
        record_refund(session, attempt.id, given)
        return
    settle(session, attempt.id, "failed", "interrupted before the money was given back; nothing was refunded")
    session.commit()


def settle_interrupted_job(runtime) -> None:
    """Settle payment attempts a dead process left pending (a periodic job of the marketplace)."""
    given = runtime.collaborators
    older_than = dt.timedelta(seconds=given.settings.payment_attempt_timeout_seconds)
    with runtime.db.sessionmaker() as session:
        settled = settle_interrupted(session, given.provider, older_than)
    if settled:
        log.warning("interrupted payment attempts settled", extra={"attempt_ids": settled})
