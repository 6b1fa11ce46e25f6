"""The sender job: hand each due email of the outbox to the mailer, once, with retries and backoff.

A row is claimed with a conditional update (``WHERE status = 'pending' AND next_attempt_at <= now``,
which also moves its next attempt on by a lease), so two workers never send one row at once. A temporary
refusal (a 4xx reply, a server down) is tried again later, each wait twice the last; a permanent one
(5xx), or too many temporary ones, parks the row and stores a dead letter, which
``coop dead-letters list notifications`` shows and ``coop dead-letters replay notifications ID`` puts
back in the queue (``send_again``), once the cause is fixed. A worker that stops between sending and marking sent
sends that mail again after the lease: with the same Message-ID, so a receiver can tell it is the one
already seen.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from sqlalchemy import select, update

from services.notifications import unsubscribe
from services.notifications.models import Email
from shared import mail
from shared.db import DeadLetter, utcnow

log = logging.getLogger(__name__)

BATCH = 50
LEASE = dt.timedelta(minutes=5)  # how long a claimed row is left to its sender before it is due again
FIRST_WAIT = dt.timedelta(seconds=30)
LONGEST_WAIT = dt.timedelta(hours=6)
MAX_ATTEMPTS = 12  # about a day and a half of waits, then it is parked


def wait_after(attempts: int) -> dt.timedelta:
    """How long to wait before the next attempt after this many failed ones: doubling, capped."""
    return min(FIRST_WAIT * 2 ** (attempts - 1), LONGEST_WAIT)


def send_due_emails(runtime) -> int:
    """The periodic job: send every due pending email (one batch); return how many were sent."""
    given = runtime.collaborators
    now = given.clock()
    with runtime.db.sessionmaker() as session:
        due = list(session.scalars(select(Email.id).where(Email.status == "pending", Email.next_attempt_at <= now)
                                   .order_by(Email.next_attempt_at, Email.id).limit(BATCH)))
    sent = 0
    for email_id in due:
        sent += send_one(runtime, email_id, now)
    return sent


def send_one(runtime, email_id: int, now: dt.datetime) -> bool:
    """Claim one row, send it, and record what came of it; False if another worker had it or it failed."""
    db = runtime.db
    with db.transaction() as session:
        claimed = session.execute(
            update(Email).where(Email.id == email_id, Email.status == "pending", Email.next_attempt_at <= now)
            .values(attempts=Email.attempts + 1, next_attempt_at=now + LEASE)).rowcount
        if not claimed:
            return False
        row = session.get(Email, email_id)
        email = unsubscribe.email_of(session, row, runtime)  # with its unsubscribe headers, unless essential
        message_id, attempts = row.message_id, row.attempts
    try:
        runtime.collaborators.mailer.send(email, message_id)
    except mail.MailRefused as refusal:
        _refused(db, email_id, attempts, str(refusal), refusal.permanent, now)
        return False
    except Exception as error:  # noqa: BLE001 - whatever the mailer hit, the row is tried again later
        _refused(db, email_id, attempts, f"{type(error).__name__}: {error}", False, now)
        return False
    with db.transaction() as session:
        session.execute(update(Email).where(Email.id == email_id)
                        .values(status="sent", sent_at=runtime.collaborators.clock(), last_error=None))
    return True


def _refused(db, email_id: int, attempts: int, error: str, permanent: bool, now: dt.datetime) -> None:
    error = error[:4000]
    with db.transaction() as session:
        row = session.get(Email, email_id)
        row.last_error = error
        if not permanent and attempts < MAX_ATTEMPTS:
            row.next_attempt_at = now + wait_after(attempts)
            log.warning("email refused for now; tried again later",
                        extra={"email_id": email_id, "attempts": attempts})
            return
        row.status = "parked"
        reason = "mail refused" if permanent else "mail not delivered after every attempt"
        session.add(DeadLetter(event_id=f"email-{email_id}", event_type="email.parked", reason=reason,
                               error=error, attempts=attempts, body=json.dumps(
                                   {"email_id": email_id, "account_id": row.account_id, "kind": row.kind,
                                    "subject": row.subject})))
        log.error("email parked", extra={"email_id": email_id, "reason": reason})


def send_again(session, parked: dict) -> bool:
    """Put a parked email back in the queue, due now, with its attempts counted afresh (a replay)."""
    return bool(session.execute(
        update(Email).where(Email.id == parked["email_id"], Email.status == "parked")
        .values(status="pending", attempts=0, next_attempt_at=utcnow())).rowcount)
