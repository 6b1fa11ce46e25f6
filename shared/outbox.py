"""The transactional outbox, and the relay that moves it to the broker with publisher confirms.

A state change and the events it causes are committed together; the relay publishes afterwards. So an
event is never lost when the broker is down (it waits in the outbox) and never published for a change
that was rolled back.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from kombu import Connection, Producer
from sqlalchemy import event, func, inspect, select, text, update
from sqlalchemy.orm import Session

from shared import bus
from shared.db import Database, OutboxMessage, utcnow
from shared.events import Envelope, EventCatalog
from shared.metrics import metrics
from shared.settings import Settings

log = logging.getLogger(__name__)

_WRITTEN_KEY = "coop_outbox_written"
MAX_UNROUTABLE_BACKOFF = dt.timedelta(minutes=5)
UNROUTABLE = "unroutable: no queue is bound for this event type"
NOBODY_LISTENS = "no service listens to this event yet; it is kept and tried again later"


class Outbox:
    """Writes a service's events into its outbox, inside the caller's transaction."""

    def __init__(self, catalog: EventCatalog):
        self.catalog = catalog

    def add(
        self, session: Session, event_type: str, data: dict[str, Any], causation: Envelope | None = None
    ) -> Envelope:
        """Validate an event and store it to be published once the transaction commits."""
        envelope = self.catalog.build(event_type, data, causation=causation)
        row = OutboxMessage(event_id=envelope.id, event_type=envelope.type, envelope=envelope.to_dict())
        session.add(row)
        session.info.setdefault(_WRITTEN_KEY, []).append(row)
        return envelope


def kept_events(db: Database, event_types: list[str]) -> list[Envelope]:
    """Return the events of these types a service's outbox holds, sent or not, in the order written.

    The outbox keeps every event after sending it, so a projection can be made again from it.
    """
    with db.sessionmaker() as session:
        if not inspect(session.connection()).has_table(OutboxMessage.__tablename__):
            return []  # a service that has never run
        rows = session.scalars(select(OutboxMessage.envelope).where(OutboxMessage.event_type.in_(event_types))
                               .order_by(OutboxMessage.id))
        return [Envelope.from_dict(envelope) for envelope in rows]


class _Handed(NamedTuple):
    """An outbox row as its writing transaction committed it, handed to the relay so it is not read back."""

    id: int
    event_id: str
    envelope: dict[str, Any]


class OutboxRelay:
    """Publishes a service's outbox to the broker and marks each confirmed row as sent.

    A transaction that wrote to the outbox in this process hands the rows it committed to the relay,
    which publishes them at once, without reading them back, and marks them sent. It also polls, which
    picks up events written by other processes, those a hand-off missed, and retries after broker outages.
    """

    def __init__(self, db: Database, settings: Settings, batch_size: int = 100,
                 connect: Callable[[Settings], Connection] = bus.connect, service: str = ""):
        self.db = db
        self.service = service
        self.connect = connect
        self.settings = settings
        self.batch_size = batch_size
        self._wake = threading.Event()
        self._flush_due = True  # a poll or wake(): read the outbox, not only what was handed over
        # Bounded: what falls off the end waits in the outbox for the poll.
        self._handed: collections.deque[_Handed] = collections.deque(maxlen=10_000)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._connection: Connection | None = None
        self._producer: Producer | None = None
        self._returned: list[str] = []
        # Publisher confirms (RabbitMQ): the channel's last delivery tag, those not yet confirmed, those refused.
        self._last_tag = 0
        self._unconfirmed: set[int] = set()
        self._nacked: set[int] = set()
        event.listen(db.sessionmaker, "after_commit", self._after_commit)
        event.listen(db.sessionmaker, "after_rollback", self._after_rollback)

    def _after_commit(self, session: Session) -> None:
        written = session.info.pop(_WRITTEN_KEY, None)
        if written and self.is_running:  # a relay that is not running is given nothing to hold: its poll reads them
            # Only rows that are in the database now: one added in a savepoint that was rolled back has no identity.
            self._handed.extend(_Handed(row.id, row.event_id, row.envelope) for row in written
                                if inspect(row).has_identity)
            self._wake.set()

    def _after_rollback(self, session: Session) -> None:
        if not session.in_transaction():
            session.info.pop(_WRITTEN_KEY, None)

    def wake(self) -> None:
        """Ask the relay to flush now."""
        self._flush_due = True
        self._wake.set()

    # -- publishing ---------------------------------------------------------------------------

    def _ensure_producer(self) -> Producer:
        if self._producer is None:
            connection = self.connect(self.settings)
            # The relay awaits the broker's confirms for a whole batch together (_publish_confirmed), not after
            # each publish as the connection's own confirm mode would: several messages are in flight at once.
            connection.transport_options.pop("confirm_publish", None)
            connection.ensure_connection(max_retries=1, timeout=self.settings.confirm_timeout_seconds)
            channel = connection.channel()
            bus.events_exchange(self.settings)(channel).declare()
            self._connection = connection
            self._producer = Producer(channel, exchange=bus.events_exchange(self.settings),
                                      on_return=self._on_return)
            if bus.is_amqp(self.settings.broker_url):
                channel.confirm_select()
                channel.events["basic_ack"].add(self._on_ack)
                channel.events["basic_nack"].add(self._on_nack)
                self._last_tag = 0
                self._unconfirmed, self._nacked = set(), set()
        return self._producer

    def _on_return(self, exception, exchange, routing_key, message) -> None:
        properties = getattr(message, "properties", None) or {}
        self._returned.append(properties.get("message_id") or routing_key)

    def _confirmed(self, delivery_tag: int, multiple: bool) -> set[int]:
        tags = {tag for tag in self._unconfirmed if tag <= delivery_tag} if multiple else {delivery_tag}
        self._unconfirmed -= tags
        return tags

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        self._confirmed(delivery_tag, multiple)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        self._nacked |= self._confirmed(delivery_tag, multiple)

    def _drop_connection(self) -> None:
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:  # noqa: BLE001 - the connection is being thrown away anyway
                pass
        self._connection = None
        self._producer = None

    def _send(self, producer: Producer, envelope: dict[str, Any]) -> None:
        producer.publish(
            json.dumps(envelope),
            routing_key=envelope["type"],
            content_type="application/json",
            content_encoding="utf-8",
            delivery_mode=2,
            mandatory=True,
            message_id=envelope["id"],
            correlation_id=envelope.get("correlation_id"),
            headers={"event_type": envelope["type"], "source": envelope["source"]},
            retry=False,
            timeout=self.settings.confirm_timeout_seconds,
        )

    def _publish_all(self, rows: list[OutboxMessage]) -> tuple[dict[int, str], Exception | None]:
        """Publish the rows; say of each row id "sent" or "unroutable" (any other was not), and what failed."""
        if bus.is_amqp(self.settings.broker_url):
            return self._publish_confirmed(rows)
        results: dict[int, str] = {}
        for row in rows:
            try:
                producer = self._ensure_producer()
                # The embedded transports quietly drop what no queue is bound for; ask them first.
                if not _routable_in_memory(producer, row.envelope["type"]):
                    results[row.id] = "unroutable"
                    continue
                self._send(producer, row.envelope)
            except Exception as error:  # noqa: BLE001 - the rows sent so far are still marked sent
                return results, error
            results[row.id] = "sent"
        return results, None

    def _publish_confirmed(self, rows: list[OutboxMessage]) -> tuple[dict[int, str], Exception | None]:
        # All the batch is published, then its confirms are awaited together. A mandatory message that no
        # queue takes comes back (basic.return) before its confirm, so a confirmed one not returned was routed.
        results: dict[int, str] = {}
        tags: dict[int, OutboxMessage] = {}
        try:
            producer = self._ensure_producer()
            self._returned.clear()
            for row in rows:
                self._send(producer, row.envelope)
                self._last_tag += 1
                self._unconfirmed.add(self._last_tag)
                tags[self._last_tag] = row
            deadline = time.monotonic() + self.settings.confirm_timeout_seconds
            while self._unconfirmed & tags.keys():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("the broker did not confirm every event in time")
                self._connection.drain_events(timeout=remaining)
            failure = None
        except Exception as error:  # noqa: BLE001 - what was confirmed is still marked sent
            failure = error
        returned = set(self._returned)
        for tag, row in tags.items():
            if tag in self._unconfirmed or tag in self._nacked:
                continue
            results[row.id] = "unroutable" if row.event_id in returned else "sent"
        if failure is None and self._nacked & tags.keys():
            failure = RuntimeError("the broker refused (nacked) an event; it is sent again later")
        self._nacked -= tags.keys()
        return results, failure

    def publish_handed(self) -> int:
        """Publish the rows handed over by this process's commits, and mark those sent; return how many.

        Nothing is read first. A row returned unroutable gets its first backoff, as the poll would give it;
        one not confirmed is left for the poll. Broker errors propagate, after what was confirmed is marked.
        """
        handed = []
        while self._handed:
            handed.append(self._handed.popleft())
        if not handed:
            return 0
        results, failure = self._publish_all(handed)
        if failure is not None:
            self._drop_connection()
        sent = [row.id for row in handed if results.get(row.id) == "sent"]
        unroutable = [row for row in handed if results.get(row.id) == "unroutable"]
        if sent or unroutable:
            now = utcnow()
            with self.db.transaction() as session:
                self._without_waiting_for_the_disk(session)
                if sent:
                    session.execute(update(OutboxMessage)
                                    .where(OutboxMessage.id.in_(sent), OutboxMessage.sent_at.is_(None))
                                    .values(sent_at=now, attempts=OutboxMessage.attempts + 1, last_error=None))
                if unroutable:
                    # Its first try, as the poll would have made it (only if no poll got to it first).
                    session.execute(update(OutboxMessage)
                                    .where(OutboxMessage.id.in_([row.id for row in unroutable]),
                                           OutboxMessage.sent_at.is_(None), OutboxMessage.attempts == 0)
                                    .values(attempts=1, next_attempt_at=now + dt.timedelta(seconds=2),
                                            last_error=UNROUTABLE))
        for row in handed:
            if results.get(row.id) == "sent":
                metrics().events_published.labels(self.service, row.envelope["type"]).inc()
        for row in unroutable:
            log.info(NOBODY_LISTENS, extra={"event_type": row.envelope["type"], "event_id": row.event_id})
        if failure is not None:
            raise failure
        return len(sent)

    def _without_waiting_for_the_disk(self, session: Session) -> None:
        if not self.db.is_sqlite:
            # Marking rows sent need not wait for the disk: if the database loses that mark in a crash, the
            # rows are only published again, and every consumer's inbox drops what it has seen. The next
            # flush, and so the next event, is not kept waiting behind this one's fsync.
            session.execute(text("SET LOCAL synchronous_commit TO OFF"))

    def flush(self) -> int:
        """Publish every due row; return how many were sent. Broker errors propagate."""
        sent = 0
        while True:
            published, more = self._flush_batch()
            sent += published
            if not more:
                return sent

    def _flush_batch(self) -> tuple[int, bool]:
        now = utcnow()
        published = 0
        with self.db.transaction() as session:
            self._without_waiting_for_the_disk(session)
            rows = session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
                .order_by(OutboxMessage.id)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            results, failure = self._publish_all(list(rows))
            if failure is not None:
                self._drop_connection()
            for row in rows:
                result = results.get(row.id)
                if result == "unroutable":
                    # Nobody listens to this event type yet: keep it, and try again later, so that
                    # a service that starts listening afterwards still receives it.
                    row.attempts += 1
                    row.next_attempt_at = now + min(
                        dt.timedelta(seconds=2**row.attempts), MAX_UNROUTABLE_BACKOFF
                    )
                    row.last_error = UNROUTABLE
                    # Said once per event: later tries are routine until some service listens.
                    log.log(logging.INFO if row.attempts == 1 else logging.DEBUG, NOBODY_LISTENS,
                            extra={"event_type": row.event_type, "event_id": row.event_id})
                elif result == "sent":
                    row.sent_at = utcnow()
                    row.attempts += 1
                    row.last_error = None
                    published += 1
                    metrics().events_published.labels(self.service, row.event_type).inc()
        # The rows published so far were marked sent when the transaction committed.
        if failure is not None:
            raise failure
        return published, len(rows) == self.batch_size

    def backlog(self) -> int:
        """Return how many events wait to be published."""
        with self.db.sessionmaker() as session:
            return session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
            )

    # -- running in the background ------------------------------------------------------------

    def run(self) -> None:
        """Publish what commits hand over as they come, read the outbox on every poll and wake(), back off
        while the broker is unreachable."""
        failures = 0
        next_poll = 0.0  # the first read is at once
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self._keep_alive()
                self.publish_handed()
                # By the clock, not only when a wait times out: commits that keep waking the relay must not
                # keep it from ever reading what other processes wrote.
                if self._flush_due or time.monotonic() >= next_poll:
                    self._flush_due = False
                    next_poll = time.monotonic() + self.settings.relay_poll_seconds
                    self.flush()
                failures = 0
                timeout = max(0.0, next_poll - time.monotonic())
            except Exception as error:  # noqa: BLE001 - keep relaying whatever went wrong
                failures += 1
                timeout = min(0.25 * 2**failures, 10.0)
                log.warning("outbox relay could not publish; retrying in %.1fs: %s", timeout, error)
                self._flush_due = True
            self._wake.wait(timeout)
        if failures == 0:
            self._last_flush()
        self._drop_connection()

    def _last_flush(self) -> None:
        # On the way out, send what the last requests or handlers wrote; what fails waits for the next start.
        try:
            self.flush()
        except Exception as error:  # noqa: BLE001 - stopping goes on; the rows stay in the outbox
            log.warning("outbox relay stopped with events still to send: %s", error)

    @property
    def is_running(self) -> bool:
        """Tell whether the relay's thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def _keep_alive(self) -> None:
        # An idle connection must still send heartbeats, or RabbitMQ closes it after two missed ones.
        if self._connection is not None:
            try:
                self._connection.heartbeat_check()
            except Exception:  # noqa: BLE001 - a dead connection is simply opened again
                self._drop_connection()

    def start(self) -> OutboxRelay:
        """Run the relay in a daemon thread."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self.run, name="outbox-relay", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the background thread, after the flush it is doing."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


def _routable_in_memory(producer: Producer, routing_key: str) -> bool:
    # The embedded transports quietly drop an unroutable message into a catch-all queue; ask the
    # exchange table instead, so that both transports treat "nobody listens" the same way.
    channel = producer.channel
    exchange = producer.exchange.name
    table = channel.get_table(exchange)
    return bool(channel.typeof(exchange).lookup(table, exchange, routing_key, None))
