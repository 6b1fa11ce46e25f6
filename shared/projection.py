"""The mechanics of a local copy kept from another service's events (a projection).

Events can arrive late, twice, or out of order (retries, several consumers): each fact carries the
time it happened, and an older one must not undo a newer. The row is locked (or, for a fact that only
sets columns, written by one upsert whose clock comparison is in the statement), so two events about one
thing handled at once see each other's write. What to keep, and the tolerant schemas, are the
consuming service's own.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from sqlalchemy import case, event, or_
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from shared.db import insert_of, locked, reusable


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


def upsert_newer(session: Session, model, key: dict[str, Any], always: dict[str, Any],
                 clocked: dict[str, tuple[dt.datetime, dict[str, Any]]]) -> None:
    """Insert the row of ``model`` with this ``key``, or update the one there, in one statement and no read.

    ``always`` is set whatever the row holds; each entry of ``clocked`` (a clock column: when its fact
    happened, the columns it sets) only if that fact is not older than the one the clock says was applied
    last (``is_stale``). PostgreSQL locks the row for the statement, so two such facts never interleave.

    The statement is sent with the session's next one, its next flush, savepoint or commit, whichever
    comes first, together with the other upserts of its shape made meanwhile: the events of a consumer's
    batch go to the database as one ``executemany``, and nothing the session reads afterwards misses them.
    """
    values = {**key, **always}
    for clock, (occurred_at, columns) in clocked.items():
        values.update(columns)
        values[clock] = occurred_at
    shape = (tuple(key), tuple(always), tuple((clock, tuple(columns)) for clock, (_at, columns) in clocked.items()))
    table = getattr(model, "__table__", model)  # a mapped class or a Table
    statement = _upsert(table, session.get_bind().dialect.name, shape)
    connection = session.connection()
    pending = connection.info.setdefault(_PENDING, [])
    session.info[_PENDING] = connection
    if pending and pending[-1][0] is statement:
        pending[-1][1].append(values)
    else:
        pending.append((statement, [values]))


# The upserts held for a transaction are kept with its connection (a savepoint is begun on the connection,
# and they must go before it: else a rollback to it would undo them); the session notes which connection.
_PENDING = "coop_pending_upserts"


def write_pending(session: Session) -> None:
    """Send the upserts ``upsert_newer`` holds for this session, in the order they were made."""
    connection = session.info.pop(_PENDING, None)
    if connection is not None:
        _write(connection)


def _write(connection) -> None:
    for statement, rows in connection.info.pop(_PENDING, None) or []:
        connection.execute(statement, rows)


@event.listens_for(Session, "do_orm_execute")
def _before_statement(state) -> None:
    if _PENDING in state.session.info:
        write_pending(state.session)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _flush_context, _instances) -> None:
    write_pending(session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    write_pending(session)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    if not session.in_transaction():  # the whole transaction, not a savepoint within it
        session.info.pop(_PENDING, None)


@event.listens_for(Engine, "savepoint")
def _before_savepoint(connection, _name) -> None:
    if _PENDING in connection.info:
        _write(connection)


@event.listens_for(Engine, "release_savepoint")
def _before_release(connection, _name, _context) -> None:
    if _PENDING in connection.info:
        _write(connection)


@event.listens_for(Engine, "rollback_savepoint")
def _before_rollback_to_savepoint(connection, _name, _context) -> None:
    connection.info.pop(_PENDING, None)  # all made since the savepoint began (what came before went before it)


@event.listens_for(Engine, "rollback")
def _before_rollback(connection) -> None:
    connection.info.pop(_PENDING, None)


@event.listens_for(Pool, "checkin")
def _on_checkin(_dbapi_connection, record) -> None:
    # Never left on a pooled connection for its next user, whatever ended the transaction.
    if record is not None:
        record.info.pop(_PENDING, None)


@functools.cache
def _upsert(table, dialect_name: str, shape):
    """The statement of one shape of ``upsert_newer``, built once (its values are parameters)."""
    key, always, clocked = shape

    statement = insert_of(dialect_name)(table)
    new = statement.excluded
    changes = {name: new[name] for name in always}
    for clock, columns in clocked:
        newer = or_(table.c[clock].is_(None), table.c[clock] <= new[clock])
        for name in (*columns, clock):
            changes[name] = case((newer, new[name]), else_=table.c[name])
    return reusable(statement.on_conflict_do_update(index_elements=list(key), set_=changes))


def locked_known(session: Session, model, key: int, what: str):
    """Return the row of ``model`` with primary key ``key``, locked; raise ``NotKnownYet`` if there is none."""
    row = locked(session, model, key)
    if row is None:
        raise NotKnownYet(f"{what} {key} is not known here yet")
    return row
