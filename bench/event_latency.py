"""How long an event takes from a committed write to the committed effect in another service.

Compared, in the same run and on the same broker, with a baseline: a bare kombu publish (with
confirms on RabbitMQ) consumed and acknowledged by a bare kombu consumer. Prints a table and writes
JSON. Not a test: it asserts nothing.

    .venv/bin/python bench/event_latency.py [--events 200] [--broker memory|amqp|both]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from kombu import Connection, Consumer, Exchange, Producer, Queue
from sqlalchemy import MetaData, event

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared.db import utcnow  # noqa: E402
from shared.events import EventCatalog, EventSpec  # noqa: E402
from shared.outbox import Outbox  # noqa: E402
from shared.service import ServiceRuntime  # noqa: E402
from shared.settings import Settings  # noqa: E402
from tests.support.listener import Listener, MemberEvent  # noqa: E402

AMQP = "amqp://guest:guest@127.0.0.1:5672//"
PAUSE = 0.005  # between events: a steady rate, not a burst


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2),
    }


def bare_kombu(url: str, count: int) -> dict[str, float]:
    """Publish with confirms and consume with acks: the floor any backbone sits on."""
    name = f"bench.{uuid.uuid4().hex[:8]}"
    exchange = Exchange(name, type="topic", durable=False, auto_delete=True)
    queue = Queue(name, exchange, routing_key="bench.pinged", auto_delete=True)
    options = {"confirm_publish": True} if url.startswith("amqp") else {"polling_interval": 0.01}
    sent: dict[str, float] = {}
    latencies: list[float] = []
    done = threading.Event()
    ready = threading.Event()

    def consume():
        with Connection(url, transport_options=options) as connection:
            def on_message(message):
                latencies.append(time.perf_counter() - sent[message.properties["message_id"]])
                message.ack()
                if len(latencies) == count:
                    done.set()
            with Consumer(connection.channel(), [queue], on_message=on_message):
                ready.set()
                while not done.is_set():
                    try:
                        connection.drain_events(timeout=0.5)
                    except TimeoutError:
                        pass

    threading.Thread(target=consume, daemon=True).start()
    ready.wait(10)
    with Connection(url, transport_options=options) as connection:
        producer = Producer(connection.channel(), exchange=exchange)
        for index in range(count):
            message_id = str(index)
            sent[message_id] = time.perf_counter()
            producer.publish({"n": index}, routing_key="bench.pinged", message_id=message_id,
                             delivery_mode=2, mandatory=True)
            time.sleep(PAUSE)
    done.wait(60)
    return percentiles(latencies)


class TimedListener(Listener):
    """The test listener, noting when each event's effect was committed."""

    def __init__(self, settings):
        super().__init__(settings)
        self.committed_at: dict[int, float] = {}
        event.listen(self.runtime.db.sessionmaker, "after_commit", self._stamp)

    def handle(self, session, envelope) -> None:
        super().handle(session, envelope)
        session.info.setdefault("handled", []).append(envelope.data["member_id"])

    def _stamp(self, session) -> None:
        for member_id in session.info.pop("handled", []):
            self.committed_at[member_id] = time.perf_counter()


def backbone(url: str, count: int, work: Path) -> dict[str, float]:
    """Outbox row committed -> relay -> broker -> consumer -> handler and inbox committed."""
    tag = uuid.uuid4().hex[:8]
    settings = Settings(data_dir=work / tag, broker_url=url, exchange=f"bench.{tag}",
                        queue_prefix=f"bench.{tag}.", log_json=False)
    outbox = Outbox(EventCatalog("bench", [EventSpec("member.admitted", MemberEvent, {"member_id": 1})]))
    producer = ServiceRuntime("producer", settings, MetaData(), {}, migrated=False)
    producer.prepare_schema()
    listener = TimedListener(settings)
    listener.runtime.consumer().start().ready.wait(10)
    producer.relay.start()
    written: dict[int, float] = {}
    for index in range(count):
        with producer.db.transaction() as session:
            outbox.add(session, "member.admitted", {"member_id": index})
        written[index] = time.perf_counter()
        time.sleep(PAUSE)
    deadline = time.monotonic() + 60
    while len(listener.committed_at) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    producer.stop()
    listener.runtime.stop()
    cleanup(settings)
    return percentiles([at - written[i] for i, at in listener.committed_at.items()])


def cleanup(settings: Settings) -> None:
    if not settings.broker_url.startswith("amqp"):
        return
    with Connection(settings.broker_url) as connection:
        channel = connection.channel()
        for queue in (settings.queue_name("listener"), f"{settings.queue_prefix}listener.dead"):
            channel.queue_delete(queue)
        channel.exchange_delete(settings.exchange)
        channel.exchange_delete(settings.dead_letter_exchange)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--broker", choices=("memory", "amqp", "both"), default="both")
    parser.add_argument("--json", default="bench/results/event_latency.json")
    args = parser.parse_args()
    brokers = {"memory": "memory://localhost//", "amqp": AMQP}
    chosen = brokers if args.broker == "both" else {args.broker: brokers[args.broker]}
    results = {}
    with tempfile.TemporaryDirectory() as work:
        for name, url in chosen.items():
            base = bare_kombu(url, args.events)
            ours = backbone(url, args.events, Path(work))
            results[name] = {"bare_kombu": base, "backbone": ours,
                             "ratio_p50": round(ours["p50_ms"] / base["p50_ms"], 1)}
    print(f"{'broker':<8} {'bare kombu p50/p99 ms':>24} {'backbone p50/p99 ms':>22} {'ratio p50':>10}")
    for name, row in results.items():
        base, ours = row["bare_kombu"], row["backbone"]
        print(f"{name:<8} {base['p50_ms']:>12} / {base['p99_ms']:<9} {ours['p50_ms']:>10} / {ours['p99_ms']:<9} "
              f"{row['ratio_p50']:>10}")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps({"events": args.events, "at": utcnow().isoformat(), **results}, indent=2))


if __name__ == "__main__":
    main()
