"""The notifications service's tables (its own database; no other service reads them).

``people`` is its copy of the accounts it writes to, kept from the members service's events. A notice is
what a person sees on the site; an email row is the mail outbox, sent by the sender job. ``deliveries``
holds one row per (event, person, channel), so that an event handled twice tells nobody twice.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UTCDateTime, new_metadata, utcnow

EMAIL_STATUSES = ("pending", "sent", "parked")


class Base(DeclarativeBase):
    metadata = new_metadata()


class Person(Base):
    """An account as the members service last told of it: where to write, whether that address is
    verified, and her roles."""

    __tablename__ = "people"

    account_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    email: Mapped[str | None] = mapped_column(String(254))
    display_name: Mapped[str | None] = mapped_column(String(120))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Whether she has shown the address is hers: only the essential kinds are emailed to one she has not.
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # When the roles last applied were given (shared.projection.is_stale): an older fact does not undo them.
    changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Notice(Base):
    """Something a person is told on the site, unread until she marks it read."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Email(Base):
    """One email to send (the mail outbox): written with the notice, sent by the sender job."""

    __tablename__ = "emails"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(60))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)  # pending | sent | parked
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def message_id(self) -> str:
        """The email's Message-ID and .eml file name: the same on every attempt."""
        return f"coop-notice-{self.id}"


class Delivery(Base):
    """That one event was told to one person on one channel ("notice" or "email"): written once."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("event_id", "account_id", "channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36))
    account_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# Preferences, the weekly digest (preferences.py, digest.py): below, apart from the tables above.

class Preference(Base):
    """How one person wants one kind told: "email" (the default, not stored), "site" or "digest"."""

    __tablename__ = "preferences"

    account_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(60), primary_key=True)
    setting: Mapped[str] = mapped_column(String(10))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DigestItem(Base):
    """An email held for her weekly digest (its notice was written at once); ``digest_id`` once it went."""

    __tablename__ = "digest_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    digest_id: Mapped[int | None] = mapped_column(Integer, index=True)


class Digest(Base):
    """One weekly digest written to one person: unique per (person, week), so two workers write one."""

    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("account_id", "week_starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer)
    # The scheduled moment (the weekday and hour in UK time, as UTC) that this digest is for.
    week_starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    email_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SigningKey(Base):
    """A random key the service signs with (the unsubscribe links), made once and shared by its processes."""

    __tablename__ = "signing_keys"

    purpose: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
