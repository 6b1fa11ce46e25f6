"""Buyers: the organisations the co-op sells to under contract (only coordinators reach them)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.contracts.models import Buyer
from shared.auth import Principal
from shared.errors import NotFound


def buyers_query():
    """Select the buyers, by name."""
    return select(Buyer).order_by(Buyer.name, Buyer.id)


def create_buyer(session: Session, by: Principal, fields: dict) -> Buyer:
    """Record an organisation the co-op sells to."""
    buyer = Buyer(**fields, created_by=by.account_id)
    session.add(buyer)
    session.flush()
    return buyer


def get_buyer(session: Session, buyer_id: int) -> Buyer:
    """Return a buyer, or raise NotFound."""
    buyer = session.get(Buyer, buyer_id)
    if buyer is None:
        raise NotFound(f"There is no buyer {buyer_id}.")
    return buyer


def update_buyer(session: Session, by: Principal, buyer_id: int, changes: dict) -> Buyer:
    """Change a buyer's details (invoices already issued keep the old ones)."""
    buyer = get_buyer(session, buyer_id)
    for name, value in changes.items():
        setattr(buyer, name, value)
    return buyer
