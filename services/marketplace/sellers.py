"""Sellers, kept from the members service's events: who may sell, and under what shop name."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.marketplace.models import Seller
from shared.events import Envelope


class SellerNotKnownYet(Exception):
    """A status event arrived before the member's admission: retried until the admission lands."""


def admit_seller(session: Session, event: Envelope) -> None:
    """Create (or refresh) the seller a newly admitted member becomes."""
    data = event.data
    seller = session.get(Seller, data["member_id"])
    if seller is None:
        seller = Seller(member_id=data["member_id"])
        session.add(seller)
    seller.account_id = data["account_id"]
    seller.member_number = data["member_number"]
    seller.kind = data["kind"]
    if not _is_stale(seller.profile_changed_at, data):
        seller.shop_name = data["name"]
        seller.sectors = data["sectors"]
        seller.profile_changed_at = data["occurred_at"]
    if not _is_stale(seller.status_changed_at, data):
        seller.active = True
        seller.status_changed_at = data["occurred_at"]


def set_active(active: bool):
    """Make the handler for an event that stops (suspended, left) or restarts (reinstated) selling."""

    def handle(session: Session, event: Envelope) -> None:
        seller = _known_seller(session, event)
        if _is_stale(seller.status_changed_at, event.data):
            return
        seller.active = active
        seller.status_changed_at = event.data["occurred_at"]

    handle.__name__ = "reactivate_seller" if active else "deactivate_seller"
    return handle


def update_shop(session: Session, event: Envelope) -> None:
    """Follow a change of business name or sectors."""
    seller = _known_seller(session, event)
    if _is_stale(seller.profile_changed_at, event.data):
        return
    seller.shop_name = event.data["name"]
    seller.sectors = event.data["sectors"]
    seller.profile_changed_at = event.data["occurred_at"]


def _known_seller(session: Session, event: Envelope) -> Seller:
    seller = session.get(Seller, event.data["member_id"])
    if seller is None:
        raise SellerNotKnownYet(f"member {event.data['member_id']} has not been admitted here yet")
    return seller


def _is_stale(last_applied, data: dict) -> bool:
    # Events can arrive out of order (retries, several consumers): an older one must not undo a newer.
    return last_applied is not None and data["occurred_at"] < last_applied
