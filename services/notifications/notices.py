"""Telling a person something: a notice on the site and an email in the outbox, once per event and person.

The essential kinds (messages.ESSENTIAL) are emailed to any address; every other kind only to a
verified one, else she is told on the site only (and the email's delivery is still recorded, so that a
replay after she verifies does not send it late). Both are written in the handler's transaction (with
the inbox row), and each channel's ``deliveries`` row is unique per (event, person, channel): an event
handled twice, or by two workers at once, tells nobody twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import Select, String, case, cast, func, select
from sqlalchemy.orm import Session

from services import NOTICES_PAGES
from services.notifications import messages, preferences
from services.notifications.models import Delivery, DigestItem, Email, Notice, Person
from services.notifications.settings import NotificationsSettings
from shared.db import locked, utcnow
from shared.errors import NotFound
from shared.events import Envelope
from shared.projection import NotKnownYet

log = logging.getLogger(__name__)


def tell(session: Session, event: Envelope, account_id: int, kind: str, data: dict,
         settings: NotificationsSettings) -> Notice | None:
    """Write the notice and the email of one kind about one event to one person (once only)."""
    person = session.get(Person, account_id)
    if person is None or not person.email:
        # Retried, then parked: replayed once account.registered has arrived.
        raise NotKnownYet(f"account {account_id} is not known here yet")
    already = set(session.scalars(select(Delivery.channel).where(
        Delivery.event_id == event.id, Delivery.account_id == account_id)))
    if already >= {"notice", "email"}:
        return None
    message = messages.render(kind, {"display_name": person.display_name or "member",
                                     "notices_url": notices_url(settings),
                                     **data})
    notice = None
    if "notice" not in already:
        notice = Notice(account_id=account_id, kind=kind, subject=message.subject, body=message.notice)
        session.add_all([notice, Delivery(event_id=event.id, account_id=account_id, channel="notice")])
    if "email" not in already:
        # An unverified address gets only the essential kinds; otherwise her preference (preferences.py)
        # says whether the email goes now, waits for her weekly digest, or not at all.
        how = preferences.email_for(session, account_id, kind) if (
            kind in messages.ESSENTIAL or person.email_verified) else "none"
        if how == "now":
            session.add(Email(account_id=account_id, kind=kind, to_address=person.email, subject=message.subject,
                              text=message.text, html=message.html))
        elif how == "digest":
            session.add(DigestItem(account_id=account_id, kind=kind, subject=message.subject, body=message.notice))
        session.add(Delivery(event_id=event.id, account_id=account_id, channel="email"))
    session.flush()
    return notice


def tell_each_known(session: Session, event: Envelope, account_ids: Iterable[int], kind: str, data: dict,
                    settings: NotificationsSettings) -> list[int]:
    """Tell many people (a fan-out): each one known here is told; one not known yet is logged and left
    out, so that one missing account does not hold up everyone else's notice. Return whom it told."""
    told = []
    for account_id in dict.fromkeys(account_ids):
        person = session.get(Person, account_id)
        if person is None or not person.email:
            log.warning("not told: account not known here yet",
                        extra={"account_id": account_id, "event_id": event.id, "kind": kind})
            continue
        tell(session, event, account_id, kind, data, settings)
        told.append(account_id)
    return told


def coordinators(session: Session) -> list[int]:
    """The accounts whose roles include "coordinator", as the members service last told of them."""
    candidates = session.scalars(select(Person).where(cast(Person.roles, String).like('%"coordinator"%'))
                                 .order_by(Person.account_id))
    return [person.account_id for person in candidates if "coordinator" in (person.roles or [])]


def site_link(settings: NotificationsSettings, path: str) -> str:
    """A page's address as people reach it: the site's address and the path through the gateway."""
    return f"{settings.site_url.rstrip('/')}/{path.lstrip('/')}"


def notices_url(settings: NotificationsSettings) -> str:
    """The notices page's address as people reach it (the one every page header links to)."""
    return site_link(settings, f"{NOTICES_PAGES}/notices")


def own_notices_query(account_id: int) -> Select:
    """A person's notices, unread first, then newest first."""
    unread_first = case((Notice.read_at.is_(None), 0), else_=1)
    return (select(Notice).where(Notice.account_id == account_id)
            .order_by(unread_first, Notice.created_at.desc(), Notice.id.desc()))


def unread_count(session: Session, account_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Notice)
                          .where(Notice.account_id == account_id, Notice.read_at.is_(None)))


def mark_read(session: Session, account_id: int, notice_id: int) -> Notice:
    """Mark one of her own notices read; someone else's is not found, as if it did not exist."""
    notice = locked(session, Notice, notice_id)
    if notice is None or notice.account_id != account_id:
        raise NotFound(f"There is no notice {notice_id}.")
    if notice.read_at is None:
        notice.read_at = utcnow()
    return notice
