"""Invoices issued to buyers when a contract is completed, and the members' shares of the work.

They are written by ``delivery.complete``; here they are read.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.contracts.allocations import my_member_id
from services.contracts.contracts import PAGE_LIMIT
from services.contracts.models import Invoice, MemberShare
from shared.auth import Principal
from shared.errors import NotFound


def invoices_query():
    """Select the invoices, newest first."""
    return select(Invoice).order_by(Invoice.number.desc())


def latest_invoices(session: Session) -> list[Invoice]:
    """Return the latest invoices, newest first (the desk's list)."""
    return session.scalars(invoices_query().limit(PAGE_LIMIT)).all()


def get_invoice(session: Session, invoice_id: int) -> Invoice:
    """Return an invoice, or raise NotFound."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound(f"There is no invoice {invoice_id}.")
    return invoice


def my_shares_query(by: Principal):
    """Select what the caller's business earned from completed contracts, newest first."""
    return select(MemberShare).where(MemberShare.member_id == my_member_id(by)).order_by(MemberShare.id.desc())
