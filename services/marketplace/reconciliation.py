"""Reconciliation: the payment provider's ledger against the marketplace's payments and refunds.

A real marketplace runs this nightly (``coop reconcile payments``): it is how money taken twice, a
refund over a seller's share, or a payment recorded without its capture would be seen. This reads the
books; the comparison itself is the pure rule ``rules.reconciliation.differences``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.marketplace.models import Order, Payment, PaymentAttempt, SellerShare, ShareRefund
from services.marketplace.rules.reconciliation import Books, differences
from shared.db import utcnow


def read_books(session: Session, stuck_after: dt.timedelta) -> Books:
    """Read the marketplace's side of the reconciliation."""
    return Books(
        orders={id_: (status, total) for id_, status, total in session.execute(
            select(Order.id, Order.status, Order.total_pence))},
        shares={(order_id, seller_id): gross for order_id, seller_id, gross in session.execute(
            select(SellerShare.order_id, SellerShare.seller_id, SellerShare.gross_pence))},
        payments=[tuple(row) for row in session.execute(
            select(Payment.order_id, Payment.capture_id, Payment.amount_pence, Payment.refunded_pence))],
        refunds=[tuple(row) for row in session.execute(
            select(ShareRefund.order_id, ShareRefund.seller_id, ShareRefund.provider_refund_id,
                   ShareRefund.gross_pence))],
        stuck_attempts=[tuple(row) for row in session.execute(
            select(PaymentAttempt.id, PaymentAttempt.kind, PaymentAttempt.order_id, PaymentAttempt.amount_pence,
                   PaymentAttempt.created_at)
            .where(PaymentAttempt.status == "pending", PaymentAttempt.created_at <= utcnow() - stuck_after)
            .order_by(PaymentAttempt.id))],
    )


def reconcile(session: Session, provider, stuck_after: dt.timedelta) -> list[str]:
    """Compare the provider's ledger with the marketplace's books; return the differences."""
    return differences(provider.statement(), read_books(session, stuck_after))
