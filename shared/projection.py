"""The mechanics of a local copy kept from another service's events (a projection).

Events can arrive late, twice, or out of order (retries, several consumers): each fact carries the
time it happened, and an older one must not undo a newer. The row is locked, so two events about one
thing handled at once see each other's write. What to keep, and the tolerant schemas, are the
consuming service's own.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from shared.db import locked


class NotKnownYet(Exception):
    """An event about something whose first event has not arrived yet: retried until it lands."""


def is_stale(last_applied: dt.datetime | None, occurred_at: dt.datetime) -> bool:
    """Say whether a fact that happened at ``occurred_at`` is older than the last one applied."""
    return last_applied is not None and occurred_at < last_applied


def locked_or_new(session: Session, model, key: int, **identity):
    """Return the row of ``model`` with primary key ``key``, locked; or a new one, added to the session."""
    row = locked(session, model, key)
    if row is None:
        row = model(**identity)
        session.add(row)
    return row


def locked_known(session: Session, model, key: int, what: str):
    """Return the row of ``model`` with primary key ``key``, locked; raise ``NotKnownYet`` if there is none."""
    row = locked(session, model, key)
    if row is None:
        raise NotKnownYet(f"{what} {key} is not known here yet")
    return row
