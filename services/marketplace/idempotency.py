"""Idempotency-Key: a retried request gets the first answer again, and does its work only once."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from services.marketplace.models import IdempotentRequest
from shared.db import insert_of, reusable
from shared.errors import Unprocessable

MAX_KEY_LENGTH = 200
UNANSWERED = 0  # the status of a request whose work has begun and not finished


def once(session: Session, account_id: int, key: str | None, endpoint: str, request: dict,
         run: Callable[[], tuple[int, dict]]) -> tuple[int, dict]:
    """Run a request once per (account, key, endpoint); a retry gets the stored status and body.

    The key's row is written before the work, so a concurrent duplicate waits on it (PostgreSQL) or
    on the write lock (SQLite) and then finds the first answer. A request that fails stores nothing:
    its retry runs again. Work that commits part-way (a payment commits its attempt before the
    provider is asked) leaves the row without an answer until it finishes; a retry meanwhile, or
    after a crash, runs the work again, which resumes it (see ``payments``).
    """
    if key is None:
        return run()
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise Unprocessable(f"An Idempotency-Key has 1 to {MAX_KEY_LENGTH} characters.")
    fingerprint = hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()
    stored = _claim(session, account_id, key, endpoint, fingerprint)
    if stored.request_hash != fingerprint:
        raise Unprocessable("This Idempotency-Key was already used for a different request.")
    if stored.status_code != UNANSWERED:
        return stored.status_code, stored.response
    status, body = run()
    session.execute(update(IdempotentRequest).where(IdempotentRequest.id == stored.id)
                    .values(status_code=status, response=body))
    return status, body


def _claim(session: Session, account_id: int, key: str, endpoint: str, fingerprint: str) -> Row:
    """Write the key's row unanswered, or return the row already there (a retry's, or a duplicate's).

    One statement for a new key: a duplicate still running holds the row, so this INSERT waits for it
    to end (PostgreSQL; on SQLite the write lock does) and then does nothing, and the row is read.
    """
    claimed = session.execute(_claiming(session.get_bind().dialect.name), {
        "account_id": account_id, "key": key, "endpoint": endpoint, "request_hash": fingerprint,
        "status_code": UNANSWERED, "response": {}}).first()
    return claimed or session.execute(
        select(IdempotentRequest.id, IdempotentRequest.request_hash, IdempotentRequest.status_code,
               IdempotentRequest.response)
        .where(IdempotentRequest.account_id == account_id, IdempotentRequest.key == key,
               IdempotentRequest.endpoint == endpoint)).one()


@functools.cache
def _claiming(dialect_name: str):
    """The claim's INSERT, built and compiled once (SQLAlchemy caches no dialect's ON CONFLICT itself)."""
    requests = IdempotentRequest.__table__
    return reusable(insert_of(dialect_name)(requests)
                    .on_conflict_do_nothing(index_elements=["account_id", "key", "endpoint"])
                    .returning(requests.c.id, requests.c.request_hash, requests.c.status_code, requests.c.response))
