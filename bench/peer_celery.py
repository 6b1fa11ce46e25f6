"""The Celery 5 peer: a task that writes one effect row to PostgreSQL, on the same RabbitMQ.

A quorum queue, publisher confirms, ``acks_late`` (the message is acknowledged after the task's commit,
as the project's consumer does), no result backend. The worker is ``celery -A bench.peer_celery worker``
with ``--concurrency 1`` or ``2`` (prefork), started by the bench as a subprocess; its settings come
from ``BENCH_CELERY_QUEUE``, ``BENCH_PEER_DSN`` and ``BENCH_AMQP``.
"""

from __future__ import annotations

import os

from celery import Celery
from kombu import Queue

_connection = None  # one PostgreSQL connection per worker process, opened on its first task


def make_app(url: str, queue: str, dsn: str) -> Celery:
    """Return a Celery app on ``url`` whose one task, ``bench.record``, inserts its key into celery_effect."""
    app = Celery("bench_peer", broker=url, set_as_current=False)
    app.conf.update(
        task_queues=[Queue(queue, routing_key=queue, queue_arguments={"x-queue-type": "quorum"})],
        task_default_queue=queue, task_default_routing_key=queue, task_ignore_result=True, task_acks_late=True,
        broker_transport_options={"confirm_publish": True}, broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False, task_serializer="json", accept_content=["json"],
    )

    @app.task(name="bench.record")
    def record(key: str) -> None:
        global _connection
        import psycopg

        if _connection is None:
            _connection = psycopg.connect(dsn)
        with _connection.transaction():
            _connection.execute("INSERT INTO celery_effect (key) VALUES (%s) ON CONFLICT DO NOTHING", (key,))
    return app


def delete_topology(channel, queue: str) -> None:
    """Delete the queue, its exchange, and the delayed-delivery levels Celery 5.5+ declares beside a quorum queue."""
    channel.queue_delete(queue)
    channel.exchange_delete(queue)
    for level in range(28):
        channel.queue_delete(f"celery_delayed_{level}")  # quorum queues have no if-empty delete; recreated by Celery
        channel.exchange_delete(f"celery_delayed_{level}")
    channel.exchange_delete("celery_delayed_delivery")


if os.environ.get("BENCH_CELERY_QUEUE"):
    app = make_app(os.environ["BENCH_AMQP"], os.environ["BENCH_CELERY_QUEUE"], os.environ["BENCH_PEER_DSN"])
