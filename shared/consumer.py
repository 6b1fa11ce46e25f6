"""Consuming events: the inbox, bounded retries with backoff, and the dead-letter store.

``MessageProcessor`` does the work and knows nothing of the broker, so it is tested on its own;
``shared.event_consumer.EventConsumer`` feeds it from the service's queue and acknowledges only what
has been settled.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import time
from collections.abc import Callable
from enum import Enum

from marshmallow import Schema, ValidationError
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from shared.correlation import correlation
from shared.db import Database, DeadLetter, InboxEntry, insert_of, reusable, utcnow
from shared.events import Envelope
from shared.metrics import metrics

log = logging.getLogger(__name__)

MAX_BODY_CHARS = 1_000_000

Handler = Callable[[Session, Envelope], None]


@dataclasses.dataclass(frozen=True)
class Subscription:
    """How a service reads one event type: its tolerant schema and the handler to call."""

    schema: type[Schema]
    handler: Handler


class Outcome(Enum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"
    DEAD_LETTERED = "dead_lettered"


class DatabaseUnavailable(Exception):
    """The service's database could not be reached; the message must be tried again later."""


class MessageProcessor:
    """Turns one received message into exactly one applied effect, or a dead letter."""

    def __init__(
        self,
        db: Database,
        subscriptions: dict[str, Subscription],
        max_attempts: int = 5,
        backoff_seconds: float = 0.2,
        sleep: Callable[[float], None] = time.sleep,
        service: str = "",
        replays: dict[str, Callable[[Session, dict], bool]] | None = None,
    ):
        self.db = db
        self.service = service
        self.subscriptions = subscriptions
        # What the service parks itself (an email its mail server refused, say) is no event from the bus:
        # by the dead letter's type, the service's own way to put it back in hand, in the replay's
        # transaction; it answers whether there was anything to put back.
        self.replays = replays or {}
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.sleep = sleep

    def process(self, body: bytes | str) -> Outcome:
        """Handle a raw message body: parse, skip if seen, retry on failure, park if hopeless."""
        read = self._read(body)
        if isinstance(read, Outcome):
            return read
        text, envelope, subscription = read
        return self._handle_with_retries(text, envelope, subscription.handler)

    def process_batch(self, bodies: list[bytes | str]) -> list[Outcome]:
        """Handle several messages in one transaction; if any of them fails, handle each on its own."""
        if len(bodies) == 1:
            return [self.process(bodies[0])]
        reads = [self._read(body) for body in bodies]
        ready = [read for read in reads if not isinstance(read, Outcome)]
        try:
            applied = iter(self._apply_together(ready))
        except DatabaseUnavailable:
            raise
        except Exception:  # noqa: BLE001 - one poison message must not hold back the rest
            log.warning("a batch of %d events failed; each is handled on its own", len(ready), exc_info=True)
            applied = iter([self._handle_with_retries(text, envelope, subscription.handler)
                            for text, envelope, subscription in ready])
        return [read if isinstance(read, Outcome) else next(applied) for read in reads]

    def _read(self, body: bytes | str) -> tuple[str, Envelope, Subscription] | Outcome:
        """The message's text, envelope (its data loaded) and subscription; or parked if it has none."""
        text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
        if len(text) > MAX_BODY_CHARS:
            return self.park(text[:MAX_BODY_CHARS], "oversized message", f"{len(text)} characters")
        try:
            envelope = Envelope.from_dict(json.loads(text))
        except json.JSONDecodeError as error:
            return self.park(text, "not JSON", str(error))
        except ValidationError as error:
            return self.park(text, "invalid envelope", json.dumps(error.messages, default=str))
        subscription = self.subscriptions.get(envelope.type)
        if subscription is None:
            return self.park(text, "no handler for this event type", None, envelope)
        try:
            envelope = envelope.with_data(_schema(subscription.schema).load(envelope.data))
        except ValidationError as error:
            return self.park(text, "invalid event data", json.dumps(error.messages, default=str), envelope)
        return text, envelope, subscription

    def _handle_with_retries(self, text: str, envelope: Envelope, handler: Handler) -> Outcome:
        attempt = 0
        while True:
            attempt += 1
            try:
                outcome = self.apply(envelope, handler)
                self._settled(envelope, outcome)
                return outcome
            except DatabaseUnavailable:
                raise
            except Exception as error:  # noqa: BLE001 - any handler failure is retried, then parked
                log.warning(
                    "handler failed",
                    extra={"event_id": envelope.id, "event_type": envelope.type, "attempt": attempt},
                    exc_info=True,
                )
                if attempt >= self.max_attempts:
                    return self.park(text, "handler failed", _describe(error), envelope, attempts=attempt)
                metrics().events_retried.labels(self.service, envelope.type).inc()
                self.sleep(self.backoff_seconds * 2 ** (attempt - 1))

    def _settled(self, envelope: Envelope, outcome: Outcome) -> None:
        metrics().events_consumed.labels(self.service, envelope.type, outcome.value).inc()
        with correlation(envelope.correlation_id):
            log.info("event %s", outcome.value, extra={"event_id": envelope.id, "event_type": envelope.type})

    def apply(self, envelope: Envelope, handler: Handler) -> Outcome:
        """Run the handler and record the event in the inbox, in one transaction."""
        try:
            with correlation(envelope.correlation_id), self.db.transaction() as session:
                if not _first_time(session, envelope):
                    return Outcome.DUPLICATE
                handler(session, envelope)
            return Outcome.HANDLED
        except IntegrityError as error:
            if self._already_handled(envelope.id):
                return Outcome.DUPLICATE
            raise error
        except DBAPIError as error:
            if error.connection_invalidated or _is_connection_error(error):
                raise DatabaseUnavailable(str(error)) from error
            raise

    def _apply_together(self, ready: list[tuple[str, Envelope, Subscription]]) -> list[Outcome]:
        """Record the events in the inbox (one statement) and run each new one's handler, in one transaction."""
        outcomes = []
        try:
            with self.db.transaction() as session:
                new = _first_times(session, [envelope for _text, envelope, _subscription in ready])
                for _text, envelope, subscription in ready:
                    if envelope.id in new:
                        new.discard(envelope.id)  # the same event twice in one batch is applied once
                        with correlation(envelope.correlation_id):
                            subscription.handler(session, envelope)
                        outcomes.append(Outcome.HANDLED)
                    else:
                        outcomes.append(Outcome.DUPLICATE)
        except DBAPIError as error:
            if error.connection_invalidated or _is_connection_error(error):
                raise DatabaseUnavailable(str(error)) from error
            raise
        for (_text, envelope, _subscription), outcome in zip(ready, outcomes, strict=True):
            self._settled(envelope, outcome)
        return outcomes

    def _already_handled(self, event_id: str) -> bool:
        with self.db.sessionmaker() as session:
            return session.get(InboxEntry, event_id) is not None

    def park(
        self,
        body: str,
        reason: str,
        error: str | None,
        envelope: Envelope | None = None,
        attempts: int = 0,
    ) -> Outcome:
        """Store a message in the dead-letter table."""
        log.error("message dead-lettered", extra={"reason": reason, "event_id": envelope and envelope.id})
        letter = dict(event_id=envelope.id if envelope else None, event_type=envelope.type if envelope else None,
                      body=_storable(body), reason=reason, error=error and _storable(error), attempts=attempts)
        try:
            self._store(letter)
        except DBAPIError as db_error:
            if db_error.connection_invalidated or _is_connection_error(db_error):
                raise DatabaseUnavailable(str(db_error)) from db_error
            # The database refused what the message holds; keep it in a form any text column takes,
            # rather than retrying it for ever.
            log.warning("dead letter stored escaped", extra={"db_error": str(db_error.orig)[:200]})
            self._store({**letter, "event_id": None, "event_type": None, "body": ascii(body),
                         "error": _describe(db_error)})
        metrics().events_dead_lettered.labels(self.service, reason).inc()
        return Outcome.DEAD_LETTERED

    def _store(self, letter: dict) -> None:
        with self.db.transaction() as session:
            session.add(DeadLetter(**letter))

    def replay(self, dead_letter_id: int) -> Outcome:
        """Apply a parked message again (after a fix); mark it replayed if that worked."""
        with self.db.sessionmaker() as session:
            letter = session.get(DeadLetter, dead_letter_id)
            if letter is None:
                raise LookupError(f"no dead letter {dead_letter_id}")
            if letter.replayed_at is not None:
                raise ValueError(f"dead letter {dead_letter_id} was already replayed")
            body, event_type = letter.body, letter.event_type
        if event_type in self.replays:
            return self._replay_here(dead_letter_id, self.replays[event_type], body)
        envelope = Envelope.from_dict(json.loads(body))
        subscription = self.subscriptions.get(envelope.type)
        if subscription is None:
            raise LookupError(f"this service has no handler for {envelope.type}")
        envelope = envelope.with_data(_schema(subscription.schema).load(envelope.data))
        outcome = self.apply(envelope, subscription.handler)
        with self.db.transaction() as session:
            session.get(DeadLetter, dead_letter_id).replayed_at = utcnow()
        return outcome


    def _replay_here(self, dead_letter_id: int, put_back: Callable[[Session, dict], bool], body: str) -> Outcome:
        with self.db.transaction() as session:
            # Marked replayed in the same transaction, and only once, so two replays at once act once.
            marked = session.execute(update(DeadLetter).where(DeadLetter.id == dead_letter_id,
                                                              DeadLetter.replayed_at.is_(None))
                                     .values(replayed_at=utcnow())).rowcount
            if not marked:
                raise ValueError(f"dead letter {dead_letter_id} was already replayed")
            return Outcome.HANDLED if put_back(session, json.loads(body)) else Outcome.DUPLICATE


def _first_time(session: Session, envelope: Envelope) -> bool:
    """Record the event in the inbox; False if it was already there (one statement, no read first).

    On PostgreSQL a concurrent duplicate waits here for the first one's transaction, then does nothing.
    """
    return envelope.id in _first_times(session, [envelope])


def _first_times(session: Session, envelopes: list[Envelope]) -> set[str]:
    """Record the events in the inbox in one statement; return the ids that were not there before."""
    if not envelopes:
        return set()
    now = utcnow()
    # RETURNING says which rows went in: psycopg's row count for a compiled INSERT is not to be relied on.
    inserted = session.execute(_inbox_insert(session.get_bind().dialect.name),
                               [{"event_id": e.id, "event_type": e.type, "handled_at": now} for e in envelopes])
    return set(inserted.scalars())


@functools.cache
def _inbox_insert(dialect_name: str):
    return reusable(insert_of(dialect_name)(InboxEntry.__table__)
                    .on_conflict_do_nothing(index_elements=[InboxEntry.event_id]).returning(InboxEntry.event_id))


@functools.cache
def _schema(schema: type[Schema]) -> Schema:
    """One instance of each event schema, made once: building a marshmallow schema costs more than a load."""
    return schema()


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:4000]


def _storable(text: str) -> str:
    # PostgreSQL's text cannot hold NUL; a hostile or broken producer's bytes must still be kept.
    return text.replace("\x00", "\ufffd")


def _is_connection_error(error: DBAPIError) -> bool:
    text = str(error.orig).lower()
    return any(word in text for word in ("connection", "could not connect", "server closed", "terminating"))


def list_dead_letters(db: Database, include_replayed: bool = False) -> list[DeadLetter]:
    """Return the parked messages, oldest first."""
    with db.sessionmaker() as session:
        query = select(DeadLetter).order_by(DeadLetter.id)
        if not include_replayed:
            query = query.where(DeadLetter.replayed_at.is_(None))
        return list(session.scalars(query))
