"""Telling a person something: a notice on the site and an email in the outbox, once per event and person.

Both are written in the handler's transaction (with the inbox row), and each channel's ``deliveries``
row is unique per (event, person, channel): an event handled twice, or by two workers at once, tells
nobody twice.
"""

from __future__ import annotations

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from services.notifications import messages, preferences
from services.notifications.models import Delivery, DigestItem, Email, Notice, Person
from services.notifications.settings import NotificationsSettings
from shared.db import locked, utcnow
from shared.errors import NotFound
from shared.events import Envelope
from shared.projection import NotKnownYet


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
        # Her preference (preferences.py): the email goes now, waits for her weekly digest, or not at all.
        how = preferences.email_for(session, account_id, kind)
        if how == "now":
            session.add(Email(account_id=account_id, kind=kind, to_address=person.email, subject=message.subject,
                              text=message.text, html=message.html))
        elif how == "digest":
            session.add(DigestItem(account_id=account_id, kind=kind, subject=message.subject, body=message.notice))
        session.add(Delivery(event_id=event.id, account_id=account_id, channel="email"))
    session.flush()
    return notice


def notices_url(settings: NotificationsSettings) -> str:
    """The notices page's address as people reach it: the service under /notifications at the gateway."""
    return f"{settings.site_url.rstrip('/')}/notifications/inbox/notices"


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
