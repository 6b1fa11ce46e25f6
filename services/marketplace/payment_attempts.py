"""Payment attempts: money asked of the card processor, written before it is asked and settled after.

Both paying (``payments``) and refunding (``refunds``) run in three steps:
1. under the order's lock (and for a refund, its shares' locks), check the rules and write a pending
   ``PaymentAttempt``, then commit: a second attempt at the same order is refused here, before any
   money moves;
2. ask the provider, holding no lock and no transaction, with a key derived from the attempt's;
3. under the locks again, record the outcome, once: a concurrent retry with the same key asks the
   provider the same question, gets the same answer (it is idempotent by key) and finds it recorded.
A process that dies in step 2 leaves the attempt pending; ``payments.settle_interrupted`` asks the
provider what became of it and records that.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.marketplace.models import Order, PaymentAttempt
from shared.db import locked, utcnow
from shared.errors import Unprocessable


def same_order(attempt: PaymentAttempt, order: Order) -> None:
    if attempt.order_id != order.id:
        raise Unprocessable("This Idempotency-Key was already used for another order.")


def locked_attempt(session: Session, attempt_id: int) -> tuple[Order, PaymentAttempt]:
    # The order first, then the attempt: the same order as every other change to the order.
    order_id = session.scalar(select(PaymentAttempt.order_id).where(PaymentAttempt.id == attempt_id))
    order = locked(session, Order, order_id)
    return order, locked(session, PaymentAttempt, attempt_id)


def settle(session: Session, attempt_id: int, status: str, outcome: str) -> None:
    _order, attempt = locked_attempt(session, attempt_id)
    if attempt.status == "pending":
        mark(attempt, status, outcome)


def settle_pending(session: Session, attempt_id: int, status: str, outcome: str) -> bool:
    """Settle an attempt if it is still pending; tell whether it was. The caller holds its order's lock.

    The row count decides, so two requests recording one answer record it once.
    """
    settled = session.execute(
        update(PaymentAttempt).where(PaymentAttempt.id == attempt_id, PaymentAttempt.status == "pending")
        .values(status=status, outcome=outcome, settled_at=utcnow()).execution_options(synchronize_session="fetch"))
    return settled.rowcount == 1


def mark(attempt: PaymentAttempt, status: str, outcome: str) -> None:
    attempt.status, attempt.outcome, attempt.settled_at = status, outcome, utcnow()
