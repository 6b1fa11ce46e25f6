"""The nameko peer: an event handler that writes one effect row to PostgreSQL, on the same RabbitMQ.

Run by the bench as ``python -m bench.peer_nameko`` (nameko 2 needs eventlet, which patches the
process, so it is a process of its own): ``BENCH_NAMEKO_SOURCE`` names the dispatching service (its
events exchange is ``<source>.events``), ``BENCH_PEER_DSN`` the database and ``BENCH_AMQP`` the broker.
The handler's queue is nameko's own (durable, classic: nameko 2 declares it and has no quorum option).
The bench dispatches with ``nameko.standalone.events.event_dispatcher`` (publisher confirms, nameko's
default). psycopg's calls block the eventlet hub, so handlers run one at a time in effect.
"""

from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import os  # noqa: E402
import signal  # noqa: E402

from eventlet.queue import LightQueue  # noqa: E402
from nameko.events import event_handler  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402

SOURCE = os.environ.get("BENCH_NAMEKO_SOURCE", "bench_source")
DSN = os.environ.get("BENCH_PEER_DSN", "")
_pool: LightQueue = LightQueue()


def _connection():
    import psycopg

    return _pool.get_nowait() if _pool.qsize() else psycopg.connect(DSN)


class Recorder:
    name = f"{SOURCE}_recorder"

    @event_handler(SOURCE, "pinged")
    def record(self, payload):
        connection = _connection()
        try:
            with connection.transaction():
                connection.execute("INSERT INTO nameko_effect (key) VALUES (%s) ON CONFLICT DO NOTHING",
                                   (payload["id"],))
        finally:
            _pool.put(connection)


def main() -> None:
    runner = ServiceRunner(config={"AMQP_URI": os.environ["BENCH_AMQP"]})
    runner.add_service(Recorder)
    signal.signal(signal.SIGTERM, lambda *_: eventlet.spawn(runner.stop))
    runner.start()
    print("ready", flush=True)
    runner.wait()


if __name__ == "__main__":
    main()
