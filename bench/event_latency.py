"""The event pipeline: from an HTTP write committed in one service to its effect committed in another.

Measured: a coordinator admits an applicant through the members app (``POST /members/<id>/admit``,
the real Flask app through its test client, SQLite); the admission writes ``member.admitted`` to the
members outbox; the relay publishes it (with confirms on RabbitMQ); the marketplace's consumer takes it,
writes its inbox row and the seller row and commits. Figures:

- latency p50/p99 at a steady rate (one admission every ``PAUSE``), from the request's start and, as a
  sub-figure, from its answer (the commit) to the seller row's commit;
- sustained events/s: N admissions written while the relay is off, then the relay started; the time
  until the marketplace has applied all N (and the consumer's own rate, first to last applied).

Baseline, same run, same broker, same payload (the ``member.admitted`` envelope): a bare kombu publish
(confirms on RabbitMQ) consumed and acknowledged by a bare kombu consumer; at the same steady rate for
latency, and published as fast as confirms allow for the flood. On RabbitMQ (127.0.0.1) and memory://.
Everything runs in this one process (memory:// only exists inside a process), consumer in a thread.

    .venv/bin/python bench/event_latency.py [--quick] [--broker memory|amqp|both]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kombu import Connection, Consumer, Exchange, Producer, Queue  # noqa: E402
from sqlalchemy import event, insert  # noqa: E402

from bench import common  # noqa: E402

PAUSE = 0.02  # seconds between events in the steady phase: 50 events/s
BROKERS = {"memory": "memory://localhost//", "amqp": common.AMQP}


def payload() -> dict:
    from services.members.events import CATALOG
    from shared.db import utcnow

    return CATALOG.build("member.admitted", {
        "occurred_at": utcnow(), "member_id": 1, "member_number": 1, "account_id": 2, "kind": "producer",
        "name": "Business 1", "sectors": ["cards"]}).to_dict()


def bare_kombu(url: str, count: int, flood: int) -> dict:
    """Publish with confirms and consume with acks: the floor any backbone sits on."""
    body = json.loads(json.dumps(payload(), default=str))
    name = f"bench.{uuid.uuid4().hex[:8]}"
    exchange = Exchange(name, type="topic", durable=False, auto_delete=True)
    queue = Queue(name, exchange, routing_key="bench.pinged", auto_delete=True)
    options = {"confirm_publish": True} if url.startswith("amqp") else {"polling_interval": 0.01}
    sent: dict[str, float] = {}
    received: dict[str, float] = {}
    stop, ready = threading.Event(), threading.Event()

    def consume():
        with Connection(url, transport_options=options) as connection:
            def on_message(message):
                received[message.properties["message_id"]] = time.perf_counter()
                message.ack()
            with Consumer(connection.channel(), [queue], on_message=on_message):
                ready.set()
                while not stop.is_set():
                    try:
                        connection.drain_events(timeout=0.2)
                    except TimeoutError:
                        pass

    def wait_for(total):
        deadline = time.monotonic() + 120
        while len(received) < total and time.monotonic() < deadline:
            time.sleep(0.002)

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    ready.wait(10)
    with Connection(url, transport_options=options) as connection:
        producer = Producer(connection.channel(), exchange=exchange)

        def publish(message_id):
            sent[message_id] = time.perf_counter()
            producer.publish(body, routing_key="bench.pinged", message_id=message_id, delivery_mode=2,
                             mandatory=True)
        for index in range(count):
            publish(f"s{index}")
            time.sleep(PAUSE)
        wait_for(count)
        began = time.perf_counter()
        for index in range(flood):
            publish(f"f{index}")
        wait_for(count + flood)
    stop.set()
    thread.join(5)
    latencies = [received[k] - sent[k] for k in sent if k.startswith("s") and k in received]
    last = max((received[k] for k in received if k.startswith("f")), default=began)
    return {"latency": common.summary(latencies), "flood_events_per_s": round(flood / (last - began), 1),
            "lost": count + flood - len(received)}


def _applicants(db, count: int) -> list[int]:
    from services.members.models import Account, Member
    from shared.db import utcnow

    now = utcnow()
    with db.transaction() as session:
        session.execute(insert(Account), [{"id": 1, "email": "coordinator@bench.coop", "password_hash": "x",
                                           "display_name": "Coordinator", "roles": ["coordinator"],
                                           "created_at": now}]
                        + [{"id": 1 + i, "email": f"a{i}@bench.coop", "password_hash": "x",
                            "display_name": f"Applicant {i}", "roles": [], "created_at": now}
                           for i in range(1, count + 1)])
        session.execute(insert(Member), [{"id": i, "account_id": 1 + i, "kind": "producer", "name": f"Business {i}",
                                          "sectors": ["cards"], "description": "", "how_they_came": "",
                                          "status": "applicant", "share_pence": 0, "applied_at": now}
                                         for i in range(1, count + 1)])
    return list(range(1, count + 1))


def pipeline(url: str, count: int, flood: int, work: Path) -> dict:
    """HTTP admit in members -> outbox -> relay -> broker -> marketplace consumer -> seller row committed."""
    from services.marketplace.app import build_runtime as marketplace_runtime
    from services.marketplace.models import Seller
    from services.members.app import create_app
    from shared.auth import Principal

    tag = uuid.uuid4().hex[:8]
    settings = common.bench_settings(work / tag, broker_url=url, exchange=f"bench.{tag}",
                                     queue_prefix=f"bench.{tag}.")
    app = create_app(settings, start_relay=False)
    members = app.extensions["coop_runtime"]
    ids = _applicants(members.db, flood + count)
    headers = {"Authorization": f"Bearer {common.tokens(settings, [Principal(1, ('coordinator',))])[0]}"}
    market = marketplace_runtime(settings)
    market.prepare_schema()
    applied: dict[int, float] = {}
    written = threading.local()  # the sellers the consumer's thread has written in its open transaction

    def note_sellers(_connection, _cursor, statement, _parameters, context, _executemany):
        # The handler writes each seller with one upsert (shared.projection.upsert_newer), no ORM object.
        if statement.startswith(f"INSERT INTO {Seller.__tablename__} "):
            written.ids = getattr(written, "ids", []) + [row["member_id"] for row in context.compiled_parameters]

    def stamp(_session):
        now = time.perf_counter()
        for member_id in getattr(written, "ids", []):
            applied[member_id] = now
        written.ids = []

    def forget(_session):
        written.ids = []
    event.listen(market.db.engine, "before_cursor_execute", note_sellers)
    event.listen(market.db.sessionmaker, "after_commit", stamp)
    event.listen(market.db.sessionmaker, "after_rollback", forget)
    client = app.test_client()

    def admit(member_id):
        response = client.post(f"/members/{member_id}/admit", json={}, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"admit answered {response.status_code}: {response.get_data(as_text=True)[:300]}")

    def wait_for(total):
        deadline = time.monotonic() + 180
        while len(applied) < total and time.monotonic() < deadline:
            time.sleep(0.002)
    try:
        market.consumer().start().ready.wait(10)
        # Flood: the outbox fills while the relay is off; then the relay and the consumer drain it.
        for member_id in ids[:flood]:
            admit(member_id)
        began = time.perf_counter()
        members.start_relay()
        wait_for(flood)
        flood_times = sorted(applied.values())
        # Steady: one admission every PAUSE, timed from the request and from its answer (the commit).
        started, answered = {}, {}
        for member_id in ids[flood:]:
            started[member_id] = time.perf_counter()
            admit(member_id)
            answered[member_id] = time.perf_counter()
            time.sleep(PAUSE)
        wait_for(flood + count)
    finally:
        members.stop()
        market.stop()
        _cleanup(settings)
    done = [m for m in started if m in applied]
    return {
        "latency": common.summary([applied[m] - started[m] for m in done]),
        "from_commit": common.summary([applied[m] - answered[m] for m in done]),
        "http_admit": common.summary([answered[m] - started[m] for m in started]),
        "flood_events_per_s": round(flood / (flood_times[-1] - began), 1) if len(flood_times) == flood else None,
        "consumer_events_per_s": round((flood - 1) / (flood_times[-1] - flood_times[0]), 1)
        if len(flood_times) == flood and flood > 1 else None,
        "lost": flood + count - len(applied),
    }


def _cleanup(settings) -> None:
    if not settings.broker_url.startswith("amqp"):
        return
    with Connection(settings.broker_url) as connection:
        channel = connection.channel()
        for service in ("marketplace", "members"):
            for queue in (settings.queue_name(service), f"{settings.queue_prefix}{service}.dead"):
                try:
                    channel.queue_delete(queue)
                except Exception:  # noqa: BLE001 - a queue never declared
                    channel = connection.channel()
        channel.exchange_delete(settings.exchange)
        channel.exchange_delete(settings.dead_letter_exchange)


def run(brokers: list[str], count: int, flood: int) -> tuple[list[dict], dict]:
    rows, results = [], {}
    work = Path(tempfile.mkdtemp(prefix="bench-events-"))
    try:
        for name in brokers:
            url = BROKERS[name]
            if name == "amqp":
                try:
                    with Connection(url, connect_timeout=3) as connection:
                        connection.ensure_connection(max_retries=1)
                except Exception:  # noqa: BLE001
                    common.note("RabbitMQ not reachable: skipped")
                    continue
            base = bare_kombu(url, count, flood)
            ours = pipeline(url, count, flood, work)
            results[name] = {"bare_kombu": base, "pipeline": ours}
            common.note(f"events {name}: bare {base['latency']} pipeline {ours['latency']}")
            b, o = base["latency"], ours["latency"]
            rows += [
                {"group": "events", "benchmark": "admit (HTTP) -> seller committed, latency", "backend": name,
                 "figure": f"p50 {o['p50_ms']} / p99 {o['p99_ms']} ms (from commit: p50 "
                           f"{ours['from_commit']['p50_ms']} / p99 {ours['from_commit']['p99_ms']} ms)",
                 "baseline": f"bare kombu p50 {b['p50_ms']} / p99 {b['p99_ms']} ms",
                 "ratio": common.ratio(o["p50_ms"], b["p50_ms"], 1)},
                {"group": "events", "benchmark": f"sustained, {flood} events flooded", "backend": name,
                 "figure": f"{ours['flood_events_per_s']} events/s (consumer alone {ours['consumer_events_per_s']}/s)"
                           + (f", {ours['lost']} lost" if ours["lost"] else ""),
                 "baseline": f"bare kombu {base['flood_events_per_s']} events/s",
                 "ratio": common.ratio(ours["flood_events_per_s"], base["flood_events_per_s"], 3)},
            ]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--broker", choices=("memory", "amqp", "both"), default="both")
    args = parser.parse_args()
    brokers = ["memory", "amqp"] if args.broker == "both" else [args.broker]
    rows, results = run(brokers, 40 if args.quick else 300, 100 if args.quick else 1000)
    common.print_table(rows, [("benchmark", "benchmark"), ("backend", "broker"), ("figure", "figure"),
                              ("baseline", "baseline"), ("ratio", "ratio")])
    common.write_json(f"events-{common.timestamp()}.json", {"load": common.load_average(), "results": results})


if __name__ == "__main__":
    main()
