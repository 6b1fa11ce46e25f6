"""Refunds: giving money back, all of an order or part of one seller's share, with the commission
reversed in step (the split: ``rules.commission.refund_split``). The steps: ``payment_attempts``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from services.marketplace import orders
from services.marketplace.adapters.card_processor import PaymentError, PaymentProvider, Refund
from services.marketplace.events import OUTBOX
from services.marketplace.idempotency import once
from services.marketplace.models import Order, Payment, PaymentAttempt, SellerShare, ShareRefund
from services.marketplace.payment_attempts import locked_attempt, mark, same_order, settle
from services.marketplace.rules import commission
from services.marketplace.rules.order_status import REFUNDABLE
from shared.auth import Principal
from shared.db import utcnow
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable


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
            settle(session, attempt.id, "failed", str(error))
            session.commit()
            raise
        record_refund(session, attempt.id, given)
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
        same_order(again[0], order)
        return list(again)
    payment = session.scalar(select(Payment).where(Payment.order_id == order.id))
    if payment is None or order.status not in REFUNDABLE:
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


def record_refund(session: Session, attempt_id: int, given: Refund) -> None:
    """Record a refund the provider made for an attempt, once, and the order refunded with its last penny."""
    order, attempt = locked_attempt(session, attempt_id)
    if attempt.status == "pending":
        share = _locked_shares(session, order.id, attempt.seller_id)[0]
        part = commission.refund_split(_as_money(share), attempt.amount_pence, _refunded_so_far(session, share))
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
        mark(attempt, "succeeded", given.id)
        payment = session.scalar(select(Payment).where(Payment.order_id == order.id)
                                 .execution_options(populate_existing=True))
        if payment.refunded_pence == payment.amount_pence and order.status != "refunded":
            orders.move(session, order, "refunded", attempt.by_account_id, note=attempt.reason)
    session.commit()


def _refunded_so_far(session: Session, share: SellerShare) -> commission.RefundShare:
    total = commission.NOTHING_REFUNDED
    for row in session.scalars(select(ShareRefund).where(ShareRefund.order_id == share.order_id,
                                                         ShareRefund.seller_id == share.seller_id)
                               .order_by(ShareRefund.id)):
        total = total + commission.RefundShare(row.gross_pence, row.commission_pence, row.net_pence)
    return total


def _as_money(share: SellerShare) -> commission.SellerShare:
    return commission.SellerShare(share.seller_id, share.gross_pence, share.commission_pence, share.net_pence)


@dataclass
class OrderMoney:
    """An order's money as a coordinator reads it: the payment, the refunds made, what each share has left."""

    order: Order
    payment: Payment | None
    refunds: list[ShareRefund]
    left_pence: dict[int, int]  # seller id -> what of her share may still be refunded

    @property
    def refundable(self) -> bool:
        return self.payment is not None and self.order.status in REFUNDABLE and any(self.left_pence.values())


def order_money(session: Session, order_id: int, by: Principal) -> OrderMoney:
    """Return an order with its payment, its refunds and what each seller's share has left to refund."""
    if not by.has_any("coordinator"):
        raise Forbidden("Refunds are made by a coordinator.")
    order = orders.get_order(session, order_id, by)
    payment = session.scalar(select(Payment).where(Payment.order_id == order.id))
    made = list(session.scalars(select(ShareRefund).where(ShareRefund.order_id == order.id)
                                .order_by(ShareRefund.id)))
    left = {share.seller_id: share.gross_pence - _refunded_or_being_refunded(session, share)
            for share in order.shares} if payment is not None else {}
    return OrderMoney(order, payment, made, left)


def recent_refunds(session: Session, by: Principal, limit: int = 100) -> list[ShareRefund]:
    """Return the refunds made, newest first: the coordinators' list."""
    if not by.has_any("coordinator"):
        raise Forbidden("Refunds are made by a coordinator.")
    return list(session.scalars(select(ShareRefund).order_by(ShareRefund.id.desc()).limit(limit)))
