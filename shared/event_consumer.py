"""Feeding a service's queue to its ``MessageProcessor`` (``shared.consumer``), in batches, until stopped."""

from __future__ import annotations

import json
import logging
import threading
import time

from kombu.mixins import ConsumerMixin
from marshmallow import ValidationError

from shared import bus
from shared.consumer import DatabaseUnavailable, MessageProcessor
from shared.events import Envelope
from shared.settings import Settings

log = logging.getLogger(__name__)

# The most messages handled in one transaction (and the prefetch that brings them). The consumer settles what
# it holds as soon as no further message is already waiting (it does not wait for one), so a lone message
# is not delayed, and a backlog, whose messages arrive together, is handled fifty at a time.
BATCH_MAX = 50
BATCH_WAIT_SECONDS = 0


class EventConsumer(ConsumerMixin):
    """Consumes a service's queue (and, on RabbitMQ, its dead-letter queue) until stopped.

    The messages a prefetch brings are gathered and handled in one transaction (``process_batch``), and
    acknowledged after it commits: a batch ends when ``BATCH_MAX`` are held or no further message is waiting.
    """

    connect_max_retries = 1
    safety_interval = 0.5

    def __init__(self, service: str, settings: Settings, processor: MessageProcessor, batch_max: int = BATCH_MAX):
        self.service = service
        self.settings = settings
        self.processor = processor
        self.batch_max = batch_max
        self.connection = bus.connect(settings)
        self.ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._held: list = []

    def get_consumers(self, Consumer, channel):
        bus.declare_topology(channel, self.settings, self.service, list(self.processor.subscriptions))
        queue = bus.service_queue(self.settings, self.service, list(self.processor.subscriptions))
        consumers = [Consumer(queues=[queue], on_message=self.on_message, prefetch_count=self.batch_max)]
        if bus.is_amqp(self.settings.broker_url):
            dead = bus.dead_letter_queue(self.settings, self.service)
            consumers.append(Consumer(queues=[dead], on_message=self.on_broker_dead_letter, prefetch_count=10))
        return consumers

    def on_consume_ready(self, connection, channel, consumers, **kwargs):
        self.ready.set()

    def on_message(self, message) -> None:
        """Hold a message for the batch being gathered; settle the batch once it is full."""
        self._held.append(message)
        if len(self._held) >= self.batch_max:
            self.settle_held()

    def settle_held(self) -> None:
        """Handle the messages held and acknowledge them once handled, duplicated or parked."""
        messages, self._held = self._held, []
        if not messages:
            return
        try:
            self.processor.process_batch([message.body for message in messages])
        except DatabaseUnavailable as error:
            log.warning("database unavailable; %d messages requeued: %s", len(messages), error)
            time.sleep(1.0)
            for message in messages:
                message.requeue()
            return
        for message in messages:
            message.ack()

    def on_broker_dead_letter(self, message) -> None:
        """Park a message RabbitMQ gave up on (the delivery limit was reached)."""
        body = message.body.decode("utf-8", "replace") if isinstance(message.body, bytes) else message.body
        envelope = None
        try:
            envelope = Envelope.from_dict(json.loads(body))
        except (ValueError, ValidationError):
            pass
        deaths = (message.headers or {}).get("x-death") or [{}]
        try:
            self.processor.park(body, "delivery limit reached", json.dumps(deaths[0], default=str), envelope,
                                attempts=int(deaths[0].get("count", 0) or 0))
        except DatabaseUnavailable:
            time.sleep(1.0)
            message.requeue()
            return
        message.ack()

    def on_connection_error(self, exc, interval):
        log.warning("broker connection lost; reconnecting in %ss: %s", interval, exc)

    def run_until_stopped(self) -> None:
        """Consume, reconnecting after broker outages, until stop() is called."""
        failures = 0
        while not self.should_stop:
            try:
                with self.consumer_context() as (connection, _channel, _consumers):
                    failures = 0
                    self._drain(connection)
            except Exception as error:  # noqa: BLE001 - reconnect whatever broke
                self.ready.clear()
                self._held = []  # unacknowledged, so the broker delivers them again
                failures += 1
                delay = min(0.25 * 2**failures, 5.0)
                log.warning("consumer stopped by %s; reconnecting in %.1fs", error, delay)
                time.sleep(delay)

    def _drain(self, connection) -> None:
        while not self.should_stop:
            try:
                connection.drain_events(timeout=BATCH_WAIT_SECONDS if self._held else self.safety_interval)
            except TimeoutError:
                if self._held:
                    self.settle_held()
                else:
                    connection.heartbeat_check()
            except OSError:
                if not self.should_stop:
                    raise
        self.settle_held()  # what it holds when asked to stop, while the channel is still open

    def start(self) -> EventConsumer:
        """Run in a daemon thread."""
        self.should_stop = False
        self._thread = threading.Thread(target=self.run_until_stopped, name=f"{self.service}-consumer",
                                        daemon=True)
        self._thread.start()
        return self

    @property
    def is_running(self) -> bool:
        """Tell whether the consuming thread is alive (connected or reconnecting)."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the message being handled."""
        self.should_stop = True
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
