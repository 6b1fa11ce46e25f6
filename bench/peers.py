"""The event pipeline against its peers, on one PostgreSQL and one RabbitMQ, in interleaved rounds.

Peers, each writing one effect row per event in its own PostgreSQL transaction, its consumer in
processes of its own (see each module): the project (bench/peer_project.py) with one and with two
``coop worker marketplace`` processes on its one quorum queue; Celery 5 with a worker of one and of two
prefork processes (bench/peer_celery.py); nameko 2 (bench/peer_nameko.py), when it installs and runs;
and the floor, bare kombu with confirms on a quorum queue and an inbox + effect insert
(bench/peer_floor.py). Every consumer is started once, warmed up with a few events, and kept running
while the others are measured; then the rounds: in each, every peer in turn, the same counts:

- *latency*: ``count`` events at 50 events/s (on a schedule), from the commit (the project: the
  admit's commit; a peer: just before its publish) to the effect row's commit (bench/effects.py);
- *sustained*: the consumers are held by a lock on the effect tables while ``flood`` events are
  published (the project: admitted, and relayed until its outbox is empty), then let go: events/s
  from the release to the last effect committed.

Figures are the median over the rounds; ratios are taken within each round and their median given.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench import common, effects
from bench.processes import Process

PAUSE = 0.02  # 50 events/s
WARMUP = 5


def _body() -> dict:
    import json

    from bench.event_latency import payload

    return json.loads(json.dumps(payload(), default=str))


class _SimplePeer(common.SetUpOrCleanUp):
    """A peer whose events are keys published by the bench: set-up, consumers and clean-up shared."""

    gate_tables: list[str] = []

    def __init__(self, dsn: str, work: Path):
        self.dsn, self.work = dsn, work
        self.tag = uuid.uuid4().hex[:8]
        self.processes: list[Process] = []
        self.count = 0

    def keys(self, count: int) -> list[str]:
        first, self.count = self.count, self.count + count
        return [f"{self.prefix}-{i}" for i in range(first, first + count)]

    def backlog(self, keys: list[str]) -> None:
        for key in keys:
            self.send(key)

    def rss_pids(self) -> list[int]:
        return [process.pid for process in self.processes]

    def __exit__(self, *_exc) -> None:
        for process in self.processes:
            process.stop()
        try:
            self._tear_down()
        except Exception as error:  # noqa: BLE001 - say so, and go on cleaning
            common.note(f"{self.name}: clean-up failed: {error}")


class FloorPeer(_SimplePeer):
    name, prefix, gate_tables = "floor (bare kombu + inbox)", "floor", ["floor_inbox", "floor_effect"]

    def _set_up(self) -> None:
        from bench.peer_floor import FloorPublisher

        effects.notify_on_insert(self.dsn, "floor_effect", "key", effects.EFFECT_TABLE)
        with __import__("psycopg").connect(self.dsn, autocommit=True) as connection:
            connection.execute(effects.INBOX_TABLE.format(table="floor_inbox"))
        self.queue = f"bench.{self.tag}.floor"
        self.publisher = FloorPublisher(common.AMQP, self.queue, _body())
        self.processes.append(Process([sys.executable, "-m", "bench.peer_floor", self.dsn, self.queue, common.AMQP],
                                      {}, self.work / f"floor-{self.tag}.log"))

    def send(self, key: str) -> float:
        at = time.perf_counter()
        self.publisher.send(key)
        return at

    def _tear_down(self) -> None:
        channel = self.publisher.connection.channel()
        channel.queue_delete(self.queue)
        channel.exchange_delete(self.queue)
        self.publisher.close()


class CeleryPeer(_SimplePeer):
    prefix, gate_tables = "celery", ["celery_effect"]

    def __init__(self, dsn: str, work: Path, concurrency: int):
        super().__init__(dsn, work)
        self.concurrency = concurrency
        self.name = f"Celery ({concurrency} worker process{'es' if concurrency > 1 else ''})"
        self.prefix = f"celery{concurrency}"

    def _set_up(self) -> None:
        from bench.peer_celery import make_app

        effects.notify_on_insert(self.dsn, "celery_effect", "key", effects.EFFECT_TABLE)
        self.queue = f"bench.{self.tag}.celery"
        self.app = make_app(common.AMQP, self.queue, self.dsn)
        env = {"BENCH_CELERY_QUEUE": self.queue, "BENCH_PEER_DSN": self.dsn, "BENCH_AMQP": common.AMQP}
        self.processes.append(Process(
            [sys.executable, "-m", "celery", "-A", "bench.peer_celery:app", "worker", "--pool", "prefork",
             "--concurrency", str(self.concurrency), "-Q", self.queue, "--without-gossip", "--without-mingle",
             "--without-heartbeat", "--loglevel", "WARNING", "-n", f"bench-{self.tag}@%h"],
            env, self.work / f"celery-{self.tag}.log"))

    def send(self, key: str) -> float:
        at = time.perf_counter()
        self.app.send_task("bench.record", args=[key], queue=self.queue, routing_key=self.queue)
        return at

    def _tear_down(self) -> None:
        from bench.peer_celery import delete_topology

        with self.app.connection_for_write() as connection:
            delete_topology(connection.channel(), self.queue)
        self.app.close()


class NamekoPeer(_SimplePeer):
    name, prefix, gate_tables = "nameko", "nameko", ["nameko_effect"]

    def _set_up(self) -> None:
        effects.notify_on_insert(self.dsn, "nameko_effect", "key", effects.EFFECT_TABLE)
        self.source = f"bench_{self.tag}"
        env = {"BENCH_NAMEKO_SOURCE": self.source, "BENCH_PEER_DSN": self.dsn, "BENCH_AMQP": common.AMQP}
        self.processes.append(Process([sys.executable, "-m", "bench.peer_nameko"], env,
                                      self.work / f"nameko-{self.tag}.log"))
        from nameko.standalone.events import event_dispatcher

        self.dispatch = event_dispatcher({"AMQP_URI": common.AMQP})
        self.body = _body()

    def send(self, key: str) -> float:
        at = time.perf_counter()
        self.dispatch(self.source, "pinged", {**self.body, "id": key})
        return at

    def _tear_down(self) -> None:
        from kombu import Connection

        with Connection(common.AMQP) as connection:
            channel = connection.channel()
            channel.queue_delete(f"evt-{self.source}-pinged--{self.source}_recorder.record")
            channel.exchange_delete(f"{self.source}.events")
            for name in (f"rpc-{self.source}_recorder", ):
                try:
                    channel.queue_delete(name)
                except Exception:  # noqa: BLE001 - never declared
                    channel = connection.channel()


def nameko_runs() -> str | None:
    """None if nameko imports and starts under eventlet here; else why not."""
    import subprocess

    try:
        import nameko  # noqa: F401
    except ImportError as error:
        return f"nameko is not installed ({error}): pip install -e '.[bench]'"
    done = subprocess.run([sys.executable, "-c", "import bench.peer_nameko"], cwd=common.ROOT, capture_output=True,
                          text=True, timeout=60)
    return None if done.returncode == 0 else f"nameko does not import here: {done.stderr.strip()[-300:]}"


def measure(peer, listener: effects.Listener, count: int, flood: int) -> dict:
    """Latency at 50 events/s, then a held backlog drained; see the module's docstring."""
    keys, committed = peer.keys(count), {}
    began = time.perf_counter()
    for index, key in enumerate(keys):
        delay = began + index * PAUSE - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        committed[key] = peer.send(key)
    complete = listener.wait_for(keys, 60)
    latency = [listener.seen[k] - committed[k] for k in keys if k in listener.seen]
    keys = peer.keys(flood)
    gate = effects.Gate(peer.dsn, peer.gate_tables)
    try:
        peer.backlog(keys)
    finally:
        opened = gate.open()
    drained = listener.wait_for(keys, 180)
    last = max(listener.seen[k] for k in keys if k in listener.seen)
    return {"latency": common.summary(latency), "events_per_s": round(flood / (last - opened), 1),
            "lost": (0 if complete else count - len(latency)) + (0 if drained else
                                                                  sum(k not in listener.seen for k in keys))}


def _start(peer, listener: effects.Listener) -> None:
    keys = peer.keys(WARMUP)
    for key in keys:
        peer.send(key)
    if not listener.wait_for(keys, 90):
        logs = "\n".join(process.log_tail() for process in peer.processes)
        raise RuntimeError(f"{peer.name}: warm-up events not applied in 90 s\n{logs}")


def run(rounds: int, count: int, flood: int) -> tuple[list[dict], dict]:
    """Set every peer up, run the rounds, tear down; return table rows and the full results."""
    from contextlib import ExitStack

    from bench.peer_project import ProjectPeer

    if not common.postgres_reachable():
        common.note("peers: PostgreSQL not reachable: skipped")
        return [], {"skipped": "PostgreSQL not reachable"}
    why_not_nameko = nameko_runs()
    if why_not_nameko:
        common.note(f"peers: {why_not_nameko}")
    work = Path(tempfile.mkdtemp(prefix="bench-peers-"))
    database = f"bench_{uuid.uuid4().hex[:10]}_peers"
    dsn = effects.plain_dsn(common.create_database(database))
    results: dict = {"rounds": rounds, "count": count, "flood": flood, "nameko": why_not_nameko or "ran",
                     "load_start": common.load_average(), "by_peer": {}}
    try:
        with ExitStack() as stack:
            applicants = WARMUP + rounds * (count + flood)
            peers = [stack.enter_context(ProjectPeer(work, 1, applicants)),
                     stack.enter_context(ProjectPeer(work, 2, applicants)),
                     stack.enter_context(CeleryPeer(dsn, work, 1)), stack.enter_context(CeleryPeer(dsn, work, 2))]
            if not why_not_nameko:
                peers.append(stack.enter_context(NamekoPeer(dsn, work)))
            peers.append(stack.enter_context(FloorPeer(dsn, work)))
            listeners = {}
            for peer in peers:
                if peer.dsn not in listeners:
                    listeners[peer.dsn] = stack.enter_context(effects.Listener(peer.dsn))
                _start(peer, listeners[peer.dsn])
                common.note(f"peers: {peer.name} started")
            for number in range(1, rounds + 1):
                for peer in peers:
                    found = measure(peer, listeners[peer.dsn], count, flood)
                    results["by_peer"].setdefault(peer.name, []).append(found)
                    common.note(f"peers round {number}: {peer.name}: {found['latency']['p50_ms']} / "
                                f"{found['latency']['p99_ms']} ms, {found['events_per_s']} events/s")
    finally:
        try:
            common.drop_database(database)
        except Exception as error:  # noqa: BLE001
            common.note(f"could not drop database {database}: {error}")
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    results["load_end"] = common.load_average()
    results["summary"] = summarise(results["by_peer"])
    return rows(results), results


def _median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 2) if values else None


def summarise(by_peer: dict[str, list[dict]]) -> dict:
    """Median figures per peer, and the within-round ratios the targets read."""
    summary = {}
    for name, found in by_peer.items():
        summary[name] = {
            "p50_ms": _median([f["latency"]["p50_ms"] for f in found]),
            "p99_ms": _median([f["latency"]["p99_ms"] for f in found]),
            "p50_range": [min(f["latency"]["p50_ms"] for f in found), max(f["latency"]["p50_ms"] for f in found)],
            "p99_range": [min(f["latency"]["p99_ms"] for f in found), max(f["latency"]["p99_ms"] for f in found)],
            "events_per_s": _median([f["events_per_s"] for f in found]),
            "events_range": [min(f["events_per_s"] for f in found), max(f["events_per_s"] for f in found)],
            "lost": sum(f["lost"] for f in found),
        }

    def within(ours, theirs, key, inner):
        if ours not in by_peer or theirs not in by_peer:
            return None
        return _median([common.ratio(inner(a[key]), inner(b[key]), 3) for a, b in zip(by_peer[ours], by_peer[theirs],
                                                                                      strict=True)])
    one, two = "project (1 consumer process)", "project (2 consumer processes)"
    rate, p50 = (lambda v: v), (lambda v: v["p50_ms"])
    summary["ratios"] = {
        "sustained_vs_celery2": within(one, "Celery (2 worker processes)", "events_per_s", rate),
        "sustained_vs_floor": within(one, "floor (bare kombu + inbox)", "events_per_s", rate),
        "sustained_2_vs_1": within(two, one, "events_per_s", rate),
        "p50_vs_nameko": within(one, "nameko", "latency", p50),
        "p50_vs_floor": within(one, "floor (bare kombu + inbox)", "latency", p50),
    }
    return summary


def rows(results: dict) -> list[dict]:
    summary, out = results["summary"], []
    floor = summary.get("floor (bare kombu + inbox)", {})
    for name in results["by_peer"]:
        s = summary[name]
        spread = (f"p50 {s['p50_ms']} ({s['p50_range'][0]}-{s['p50_range'][1]}) / p99 {s['p99_ms']} "
                  f"({s['p99_range'][0]}-{s['p99_range'][1]}) ms; {s['events_per_s']} events/s "
                  f"({s['events_range'][0]}-{s['events_range'][1]})" + (f", {s['lost']} LOST" if s["lost"] else ""))
        out.append({"group": "peers", "benchmark": f"{name}: commit -> effect at 50/s; backlog drained",
                    "backend": "PostgreSQL + RabbitMQ", "figure": spread,
                    "baseline": f"floor {floor.get('events_per_s')} events/s",
                    "ratio": common.ratio(s["events_per_s"], floor.get("events_per_s"), 3)})
    if results.get("nameko") != "ran":
        out.append({"group": "peers", "benchmark": "nameko", "backend": "-", "figure": f"not run: {results['nameko']}"})
    return out
