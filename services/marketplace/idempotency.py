"""Idempotency-Key: a retried request gets the first answer again, and does its work only once."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.marketplace.models import IdempotentRequest
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
    stored = _stored(session, account_id, key, endpoint)
    if stored is None:
        stored = IdempotentRequest(account_id=account_id, key=key, endpoint=endpoint, request_hash=fingerprint,
                                   status_code=UNANSWERED, response={})
        try:
            with session.begin_nested():
                session.add(stored)
        except IntegrityError:
            stored = _stored(session, account_id, key, endpoint)
    if stored.request_hash != fingerprint:
        raise Unprocessable("This Idempotency-Key was already used for a different request.")
    if stored.status_code != UNANSWERED:
        return stored.status_code, stored.response
    status, body = run()
    stored.status_code, stored.response = status, body
    session.flush()
    return status, body


def _stored(session: Session, account_id: int, key: str, endpoint: str) -> IdempotentRequest | None:
    return session.scalar(select(IdempotentRequest).where(
        IdempotentRequest.account_id == account_id, IdempotentRequest.key == key,
        IdempotentRequest.endpoint == endpoint))
