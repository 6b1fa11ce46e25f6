"""Refresh tokens, the stored half of a sign-in session: opaque, kept hashed, rotated on every use,
revocable at once (one sign-in, or every sign-in of an account). The use cases are in ``sessions``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from services.members.models import SignInSession
from shared.db import utcnow


@dataclasses.dataclass(frozen=True)
class Refreshed:
    """A new refresh token (shown once, never stored) for a sign-in of an account."""

    token: str
    account_id: int
    family: str
    expires_at: dt.datetime


def token_hash(token: str) -> str:
    # A refresh token is 256 random bits, so a plain SHA-256 is enough: there is nothing to guess.
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, account_id: int, days: int) -> Refreshed:
    """Open a sign-in for an account and return its first refresh token."""
    return _issue(session, account_id, secrets.token_hex(16), days)


def rotate(session: Session, token: str, days: int, grace_seconds: int) -> Refreshed | None:
    """Use a refresh token up and return the next one of its sign-in, or None if it is refused.

    Only one of any number of concurrent uses wins: the token is marked used by a conditional
    update, which PostgreSQL re-checks after the winner commits, and SQLite takes one writer at a time.
    A token used again after ``grace_seconds`` was copied: its whole sign-in is revoked.
    """
    now = utcnow()
    row = session.scalar(select(SignInSession).where(SignInSession.token_hash == token_hash(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    won = session.execute(
        update(SignInSession)
        .where(SignInSession.id == row.id, SignInSession.used_at.is_(None), SignInSession.revoked_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if won != 1:
        session.refresh(row)
        if row.used_at is not None and now - row.used_at > dt.timedelta(seconds=grace_seconds):
            revoke_family(session, row.family)
        return None
    return _issue(session, row.account_id, row.family, days)


def revoke_token(session: Session, token: str) -> None:
    """End the sign-in a refresh token belongs to (an unknown token changes nothing)."""
    family = session.scalar(select(SignInSession.family).where(SignInSession.token_hash == token_hash(token)))
    if family is not None:
        revoke_family(session, family)


def revoke_family(session: Session, family: str) -> None:
    """End one sign-in: none of its refresh tokens works again."""
    session.execute(update(SignInSession).where(SignInSession.family == family, SignInSession.revoked_at.is_(None))
                    .values(revoked_at=utcnow()))


def revoke_account(session: Session, account_id: int, keep_family: str | None = None) -> None:
    """End every sign-in of an account (but ``keep_family``, the one changing her password)."""
    statement = update(SignInSession).where(SignInSession.account_id == account_id,
                                            SignInSession.revoked_at.is_(None))
    if keep_family is not None:
        statement = statement.where(SignInSession.family != keep_family)
    session.execute(statement.values(revoked_at=utcnow()))


def forget_spent(session: Session, now: dt.datetime, days: int) -> int:
    """Delete the refresh tokens that ran out, and those used or revoked ``days`` ago (kept till then,
    so that a stolen copy presented late is still known as reused and ends its sign-in)."""
    before = now - dt.timedelta(days=days)
    return session.execute(delete(SignInSession).where(or_(
        SignInSession.expires_at <= now, SignInSession.used_at <= before, SignInSession.revoked_at <= before,
    ))).rowcount


def forget_spent_job(runtime) -> None:
    """Clear spent refresh tokens out of the table (a periodic job of the members service)."""
    with runtime.db.transaction() as session:
        forget_spent(session, utcnow(), runtime.collaborators.settings.refresh_token_days)


def _issue(session: Session, account_id: int, family: str, days: int) -> Refreshed:
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + dt.timedelta(days=days)
    session.add(SignInSession(account_id=account_id, family=family, token_hash=token_hash(token),
                              expires_at=expires_at))
    session.flush()
    return Refreshed(token, account_id, family, expires_at)
