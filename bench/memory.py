"""Memory of the processes an operator runs: ``coop run``, ``coop serve marketplace``, ``coop worker marketplace``.

Each is started as a subprocess and measured twice from /proc (``smaps_rollup``): once it answers
(after start-up) and after a bit of load. A figure is the sum over the process and its children
(gunicorn's master and its workers): RSS, and PSS, which splits pages shared after the fork between
the processes that share them (summing RSS counts them twice). Ratio: after load over after start-up.

- ``coop run --no-demo`` (SQLite, memory://, one gunicorn worker of 8 threads); load: 4 clients for
  ``seconds`` on the catalogue and the front page.
- ``coop serve marketplace`` (SQLite, 2 workers x 4 threads, 200 listings); load: 4 clients browsing
  and reading listings.
- ``coop worker marketplace`` on PostgreSQL + RabbitMQ (bench/peer_project.py: the members app admits
  in the bench's process); load: ``events`` admissions handled.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench import common
from bench.processes import Process, memory_kib, tree


def measure_tree(pid: int) -> dict:
    pids = tree(pid)
    found = [memory_kib(p) for p in pids]
    return {"processes": len(pids), "rss_mib": round(sum(f.get("rss", 0) for f in found) / 1024, 1),
            "pss_mib": round(sum(f.get("pss", 0) for f in found) / 1024, 1)}


def _wait(port: int, path: str, process: Process, timeout: float = 90) -> None:
    common.wait_until_ok(port, path, process.check, timeout, lambda: f"not ready on {port}{path} in {timeout} s")


def _get_load(port: int, paths: list[str], seconds: float) -> int:
    steps = [{"name": f"get{i}", "method": "GET", "path": path, "expect": [200]} for i, path in enumerate(paths)]
    result = common.load({"port": port, "clients": 4, "seconds": seconds, "warmup": 0.0, "steps": steps})
    return result["requests"]


def coop_run(work: Path, seconds: float) -> dict:
    port = common.free_port()
    process = Process([sys.executable, "-m", "coop", "run", "--no-demo", "--bind", f"{common.HOST}:{port}"],
                      {"COOP_DATA_DIR": str(work / "run-data"), "COOP_LOG_JSON": "false"}, work / "run.log")
    try:
        _wait(port, "/marketplace/healthz", process)
        time.sleep(1)
        started = measure_tree(process.pid)
        requests = _get_load(port, ["/marketplace/listings", "/"], seconds)
        return {"started": started, "loaded": measure_tree(process.pid), "load": f"{requests} requests"}
    finally:
        process.stop()


def coop_serve(work: Path, seconds: float) -> dict:
    from services.marketplace.app import build_runtime

    settings = common.bench_settings(work / "serve")
    runtime = build_runtime(settings)
    runtime.prepare_schema()
    ids = common.seed_listings(runtime.db, common.seed_sellers(runtime.db), 200)
    runtime.db.dispose()
    server = common.coop_server("marketplace", settings, work)
    try:
        server.wait_ready()
        time.sleep(1)
        started = measure_tree(server.process.pid)
        requests = _get_load(server.port, ["/listings?category=cards&page=2", f"/listings/{ids[7]}"], seconds)
        return {"started": started, "loaded": measure_tree(server.process.pid), "load": f"{requests} requests"}
    finally:
        server.stop()


def coop_worker(work: Path, events: int) -> dict | None:
    if not common.postgres_reachable():
        return None
    from bench import effects
    from bench.peer_project import ProjectPeer

    with ProjectPeer(work, 1, events + 5) as peer, effects.Listener(peer.dsn) as listener:
        time.sleep(1)
        started = measure_tree(peer.processes[0].pid)
        keys = peer.keys(events)
        for key in keys:
            peer.send(key)
        listener.wait_for(keys, 120)
        return {"started": started, "loaded": measure_tree(peer.processes[0].pid), "load": f"{events} events"}


def run(seconds: float, events: int) -> tuple[list[dict], dict]:
    work = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    results: dict = {}
    try:
        for name, measure in (("coop run", lambda: coop_run(work, seconds)),
                              ("coop serve marketplace", lambda: coop_serve(work, seconds)),
                              ("coop worker marketplace", lambda: coop_worker(work, events))):
            try:
                results[name] = measure()
            except Exception as error:  # noqa: BLE001 - one failure does not lose the others
                results[name] = {"error": str(error)[:500]}
            common.note(f"memory {name}: {results[name]}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rows = []
    for name, found in results.items():
        if not found or "error" in found:
            rows.append({"group": "memory", "benchmark": name, "backend": "-",
                         "figure": "not measured" + (f": {found['error'][:120]}" if found else ": no PostgreSQL")})
            continue
        s, loaded = found["started"], found["loaded"]
        rows.append({"group": "memory", "benchmark": f"{name}: RSS (PSS), {s['processes']} process(es)",
                     "backend": "PostgreSQL + RabbitMQ" if "worker" in name else "SQLite",
                     "figure": f"started {s['rss_mib']} ({s['pss_mib']}) MiB; after {found['load']} "
                               f"{loaded['rss_mib']} ({loaded['pss_mib']}) MiB",
                     "baseline": "after start-up", "ratio": common.ratio(loaded["pss_mib"], s["pss_mib"])})
    return rows, results
