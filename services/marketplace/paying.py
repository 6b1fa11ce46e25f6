"""Taking payment for an order and refunding it, through the payment provider."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.marketplace import money, orders
from services.marketplace.events import OUTBOX
from services.marketplace.models import Order, Payment, SellerShare, ShareRefund
from services.marketplace.payments import CardDetails, PaymentProvider
from shared.auth import Principal
from shared.db import utcnow
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable


def pay(session: Session, order_id: int, by: Principal, card: CardDetails, provider: PaymentProvider,
        idempotency_key: str, provider_name: str = "test-mode") -> Order:
    """Authorise and capture the order's total on the buyer's card; the order becomes paid."""
    order = orders.get_order(session, order_id, by)
    if order.buyer_account_id != by.account_id:
        raise Forbidden("Only the buyer pays for an order.")
    if order.status != "placed":
        raise Conflict(f"A {order.status} order cannot be paid.")
    if order.pay_by <= utcnow():
        raise Conflict("The time to pay for this order has run out; its items were put back on sale.")
    # The provider is idempotent by key too: a retry after a crash between charge and commit
    # gets the same charge back instead of a second one.
    authorisation = provider.authorise(order.total_pence, card, f"{idempotency_key}:authorise")
    capture = provider.capture(authorisation.id, order.total_pence, f"{idempotency_key}:capture")
    session.add(Payment(order_id=order.id, provider=provider_name, authorisation_id=authorisation.id,
                        capture_id=capture.id, amount_pence=capture.amount_pence, card_last4=authorisation.last4))
    order.paid_at = utcnow()
    return orders.move(session, order, "paid", by.account_id)


def refund(session: Session, order_id: int, by: Principal, provider: PaymentProvider, idempotency_key: str,
           seller_id: int | None = None, amount_pence: int | None = None, reason: str = "") -> Order:
    """Give money back: all of an order, or part of one seller's share; commission reversed in step."""
    if not by.has_any("coordinator"):
        raise Forbidden("Refunds are made by a coordinator.")
    order = orders.get_order(session, order_id, by)
    payment = session.scalar(select(Payment).where(Payment.order_id == order.id))
    if payment is None or order.status not in ("paid", "confirmed", "fulfilled"):
        raise Conflict(f"A {order.status} order has nothing to refund.")
    shares = [s for s in order.shares if seller_id is None or s.seller_id == seller_id]
    if not shares:
        raise NotFound(f"Seller {seller_id} has no part in order {order.id}.")
    if amount_pence is not None and seller_id is None:
        raise Unprocessable("A part refund names the seller whose share it comes from.")
    for number, share in enumerate(shares):
        refunded = _refunded_so_far(session, share)
        left = share.gross_pence - refunded.gross_pence
        amount = left if amount_pence is None else amount_pence
        if amount > left:
            raise Conflict(f"Only {left}p of seller {share.seller_id}'s share is left to refund.")
        if amount == 0:
            continue
        part = money.refund_split(_as_money(share), amount, refunded)
        given = provider.refund(payment.capture_id, amount, f"{idempotency_key}:{number}")
        session.add(ShareRefund(order_id=order.id, seller_id=share.seller_id, gross_pence=part.gross_pence,
                                commission_pence=part.commission_pence, net_pence=part.net_pence,
                                provider_refund_id=given.id, by_account_id=by.account_id, reason=reason))
        OUTBOX.add(session, "refund.issued", {
            "order_id": order.id, "seller_id": share.seller_id, "gross_pence": part.gross_pence,
            "commission_pence": part.commission_pence, "net_pence": part.net_pence, "currency": order.currency,
            "occurred_at": utcnow()})
        payment.refunded_pence += amount
    session.flush()
    if payment.refunded_pence == payment.amount_pence:
        orders.move(session, order, "refunded", by.account_id, note=reason)
    return order


def _refunded_so_far(session: Session, share: SellerShare) -> money.RefundShare:
    total = money.NOTHING_REFUNDED
    for row in session.scalars(select(ShareRefund).where(ShareRefund.order_id == share.order_id,
                                                         ShareRefund.seller_id == share.seller_id)):
        total = total + money.RefundShare(row.gross_pence, row.commission_pence, row.net_pence)
    return total


def _as_money(share: SellerShare) -> money.SellerShare:
    return money.SellerShare(share.seller_id, share.gross_pence, share.commission_pence, share.net_pence)
