"""The floor the design sits on: bare kombu with confirms on a quorum queue, an inbox and an effect row.

Publisher (in the bench's process): ``Producer.publish`` with publisher confirms, persistent, mandatory,
the ``member.admitted`` envelope as JSON. Consumer (its own process: ``python -m bench.peer_floor DSN
QUEUE``): takes a message, inserts its inbox row and one effect row in one PostgreSQL transaction,
commits, then acknowledges. A redelivered message finds its inbox row and is only acknowledged.
Nothing else: no envelope validation, no handler table, no retries, no dead letters, no metrics.
"""

from __future__ import annotations

import json
import signal
import sys

from kombu import Connection, Consumer, Exchange, Producer, Queue

# The floor's own, one message per transaction; the project's consumer takes BATCH_MAX, 50 (shared/event_consumer.py).
PREFETCH = 10


def queue(name: str) -> Queue:
    exchange = Exchange(name, type="direct", durable=True)
    return Queue(name, exchange, routing_key=name, durable=True, queue_arguments={"x-queue-type": "quorum"})


class FloorPublisher:
    """Publish envelopes with confirms to the floor's quorum queue (declared here)."""

    def __init__(self, url: str, name: str, body: dict):
        self.name, self.body = name, body
        self.connection = Connection(url, transport_options={"confirm_publish": True})
        channel = self.connection.channel()
        queue(name)(channel).declare()
        self.producer = Producer(channel, exchange=queue(name).exchange)

    def send(self, key: str) -> None:
        self.producer.publish({**self.body, "id": key}, routing_key=self.name, message_id=key, delivery_mode=2,
                              mandatory=True, serializer="json")

    def close(self) -> None:
        self.connection.close()


def consume(dsn: str, name: str, url: str) -> None:
    import psycopg

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    database = psycopg.connect(dsn)

    def on_message(body, message):
        envelope = body if isinstance(body, dict) else json.loads(body)
        with database.transaction():
            inserted = database.execute("INSERT INTO floor_inbox (event_id) VALUES (%s) ON CONFLICT DO NOTHING",
                                        (envelope["id"],)).rowcount
            if inserted:
                database.execute("INSERT INTO floor_effect (key) VALUES (%s)", (envelope["id"],))
        message.ack()

    with Connection(url) as connection:
        with Consumer(connection.channel(), [queue(name)], callbacks=[on_message], prefetch_count=PREFETCH,
                      accept=["json"]):
            print("ready", flush=True)
            while not stop:
                try:
                    connection.drain_events(timeout=0.5)
                except TimeoutError:
                    pass
    database.close()


if __name__ == "__main__":
    consume(*sys.argv[1:4])
