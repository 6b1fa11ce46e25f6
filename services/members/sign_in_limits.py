"""Limits on proving a password: per email tried and per client address, counted atomically.

Each attempt is counted *before* its password is checked, by one upsert that returns the attempt's
number in the window, so twenty concurrent guesses at one account get the numbers 1 to 20 and only
the first ``per_email`` are checked. A proven password takes its own attempt back. Rules only: the
caller gives the session, and checks the password outside any transaction (argon2 takes a while, and
on SQLite a transaction that has written holds the only write lock).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, delete, literal, update
from sqlalchemy.orm import Session

from services.members.models import SignInLimit
from shared.db import UTCDateTime, dialect_insert, utcnow


@dataclass(frozen=True)
class SignInLimits:
    """How many failed password checks an email, and a client address, may have in one window."""

    per_email: int
    per_address: int
    window: dt.timedelta
    # Keeps other counts apart from failed sign-ins (password-reset requests are "reset:").
    prefix: str = ""

    @classmethod
    def from_settings(cls, settings) -> SignInLimits:
        return cls(settings.login_max_failures, settings.login_max_failures_per_address,
                   dt.timedelta(minutes=settings.login_window_minutes))

    def keys(self, email: str, address: str | None) -> list[tuple[str, int]]:
        keys = [(self.prefix + email_key(email), self.per_email)]
        if address:
            keys.append((f"{self.prefix}address:{address}", self.per_address))
        return keys

    def count_attempt(self, session: Session, email: str, address: str | None,
                      now: dt.datetime | None = None) -> int | None:
        """Count one attempt for the email and the address; return seconds to wait if either is over."""
        now = now or utcnow()
        waits = []
        for key, allowed in self.keys(email, address):
            attempts, window_ends_at = _count(session, key, now, self.window)
            if attempts > allowed:
                waits.append(max(1, int((window_ends_at - now).total_seconds()) + 1))
        return max(waits) if waits else None

    def forgive(self, session: Session, email: str, address: str | None) -> None:
        """Take back a proven attempt: the email starts afresh, the address loses this one attempt."""
        forget(session, email)
        if address:
            session.execute(update(SignInLimit).where(SignInLimit.key == f"address:{address}",
                                                      SignInLimit.attempts > 0)
                            .values(attempts=SignInLimit.attempts - 1))


def email_key(email: str) -> str:
    return f"email:{email}"


def forget(session: Session, email: str) -> None:
    """Lift an email's limit (a proven password, or an operator's reset)."""
    session.execute(delete(SignInLimit).where(SignInLimit.key == email_key(email)))


def _count(session: Session, key: str, now: dt.datetime, window: dt.timedelta) -> tuple[int, dt.datetime]:
    # One statement: the row's lock (PostgreSQL) or the write lock (SQLite) makes each count distinct.
    over = SignInLimit.window_ends_at <= now
    ends = literal(now + window, UTCDateTime())
    insert = dialect_insert(session)(SignInLimit).values(key=key, attempts=1, window_ends_at=ends)
    statement = insert.on_conflict_do_update(index_elements=[SignInLimit.key], set_={
        "attempts": case((over, 1), else_=SignInLimit.attempts + 1),
        "window_ends_at": case((over, ends), else_=SignInLimit.window_ends_at),
    }).returning(SignInLimit.attempts, SignInLimit.window_ends_at)
    attempts, window_ends_at = session.execute(statement).one()
    return attempts, window_ends_at
