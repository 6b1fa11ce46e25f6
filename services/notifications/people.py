"""The people the service writes to: its copy of each account, kept from the members service's events."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.notifications.models import Person
from shared.events import Envelope
from shared.projection import is_stale, locked_or_new


def person_from_registration(session: Session, event: Envelope) -> None:
    """account.registered: where to write to her, and her first roles (unless newer ones came first)."""
    data = event.data
    person = locked_or_new(session, Person, data["account_id"], account_id=data["account_id"])
    # Registration happens once: its address and name stand whatever order the events came in.
    person.email = data["email"]
    person.display_name = data["display_name"]
    # A verification that came before the registration stands.
    person.email_verified = bool(person.email_verified) or data["email_verified"]
    if not is_stale(person.changed_at, data["occurred_at"]):
        person.roles = sorted(data["roles"])
        person.changed_at = data["occurred_at"]


def roles_from_change(session: Session, event: Envelope) -> None:
    """account.roles_changed: her roles now, unless a newer change was applied already."""
    data = event.data
    person = locked_or_new(session, Person, data["account_id"], account_id=data["account_id"])
    if is_stale(person.changed_at, data["occurred_at"]):
        return
    person.roles = sorted(data["roles"])
    person.changed_at = data["occurred_at"]


def email_verified(session: Session, event: Envelope) -> None:
    """account.email_verified: her address is hers; every kind may now be emailed to her."""
    account_id = event.data["account_id"]
    person = locked_or_new(session, Person, account_id, account_id=account_id)
    person.email_verified = True
