"""Run the whole benchmark suite: one table of figures and ratios, and JSON in bench/results/.

Each figure comes with the baseline it is compared with, measured in the same run (this machine is
shared and noisy: read the ratios). In order: the event pipeline (bench/event_latency.py) on memory://
and RabbitMQ; the pipeline against Celery, nameko and the bare kombu floor on PostgreSQL + RabbitMQ
(bench/peers.py); statements and commits per request (bench/statements.py); memory of coop's processes
(bench/memory.py); then per database, SQLite and PostgreSQL when it answers: HTTP throughput
(bench/http_throughput.py) and scale (bench/scale.py), on one seeded stack of gunicorn servers. Last,
the targets (bench/targets.py), each met or not.

    .venv/bin/python -m bench              # everything, under 15 minutes
    .venv/bin/python -m bench --quick      # small counts, SQLite for HTTP: a smoke run (3 min on a busy machine)
    .venv/bin/python -m bench --only http  # one group: events, peers, statements, memory, http, scale
    .venv/bin/python -m bench --profile browse [--requests 300]   # see bench/profile.py
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402

COLUMNS = [("group", "group"), ("benchmark", "benchmark"), ("backend", "on"), ("figure", "figure"),
           ("baseline", "baseline (same run)"), ("ratio", "ratio")]
GROUPS = ("events", "peers", "statements", "memory", "http", "scale")
QUICK = {"rounds": 1, "peer_events": 20, "peer_flood": 40, "memory_seconds": 1.0, "memory_events": 20,
         "events": 30, "flood": 60, "seconds": 1.5, "sizes": [1000, 3000], "buyers": 50, "attempts": 2,
         "stock": 60, "members": 200, "due": 2, "search_seconds": 1.0, "search_requests": 8,
         "vote_proposals": 150}
FULL = {"rounds": 3, "peer_events": 200, "peer_flood": 300, "memory_seconds": 3.0, "memory_events": 200,
        "events": 200, "flood": 300, "seconds": 5.0, "sizes": [1000, 10_000, 100_000], "buyers": 50,
        "attempts": 3, "stock": 100, "members": 1000, "due": 5, "search_seconds": 3.0, "search_requests": 20,
        "vote_proposals": 500}


def code_state() -> dict:
    """The commit measured, and the files changed in the working tree (read-only git)."""
    import subprocess

    def git(*arguments):
        done = subprocess.run(["git", *arguments], cwd=common.ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else None
    return {"commit": git("rev-parse", "HEAD"), "changed": (git("status", "--short") or "").splitlines()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts, for a smoke run")
    parser.add_argument("--only", choices=GROUPS, action="append")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), action="append",
                        help="databases for http and scale (default: both, PostgreSQL if it answers)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients for the HTTP scenarios")
    parser.add_argument("--profile", choices=("browse", "detail", "checkout", "search", "login", "vote", "admit",
                                              "consume"))
    parser.add_argument("--requests", type=int, default=300, help="with --profile: iterations to profile")
    args = parser.parse_args()
    if args.profile:
        from bench.profile import profile

        profile(args.profile, args.requests)
        return
    counts = QUICK if args.quick else FULL
    # A quick run leaves out memory (three more servers to start) to stay under two minutes.
    groups = args.only or [group for group in GROUPS if not (args.quick and group == "memory")]
    began, load_before = time.monotonic(), common.load_average()
    common.note(f"load average {load_before}; {'quick' if args.quick else 'full'} run of {', '.join(groups)}")
    rows: list[dict] = []
    details: dict = {"counts": counts, "clients": args.clients, "code": code_state(),
                     "gunicorn": {"workers": common.WORKERS, "threads": common.THREADS}}
    if "events" in groups:
        from bench import event_latency

        event_rows, details["events"] = event_latency.run(["memory", "amqp"], counts["events"], counts["flood"])
        rows += event_rows
    if "peers" in groups:
        from bench import peers

        peer_rows, details["peers"] = peers.run(counts["rounds"], counts["peer_events"], counts["peer_flood"])
        rows += peer_rows
    backends = args.backend or (["sqlite"] if args.quick else ["sqlite", "postgres"])
    if "statements" in groups:
        from bench import statements

        # Counts, not timings: PostgreSQL's are the ones the targets read, so a quick run counts those.
        statement_rows, details["statements"] = statements.run(
            args.backend or (["postgres"] if args.quick and common.postgres_reachable() else ["sqlite", "postgres"]))
        rows += statement_rows
    if "memory" in groups:
        from bench import memory

        memory_rows, details["memory"] = memory.run(counts["memory_seconds"], counts["memory_events"])
        rows += memory_rows
    if "http" in groups or "scale" in groups:
        from bench import http_throughput, scale

        # A quick run stays on SQLite unless told otherwise, to stay under two minutes.
        for backend in backends:
            if backend == "postgres" and not common.postgres_reachable():
                common.note("PostgreSQL not reachable on 127.0.0.1:5432: skipped")
                continue
            found = details.setdefault(backend, {})
            with http_throughput.Stack(backend, counts["sizes"][0], counts["members"], counts["vote_proposals"],
                                       tallied=1, due=counts["due"], contended_stock=counts["stock"]) as stack:
                if "http" in groups:
                    http_rows, found["http"] = http_throughput.run(stack, args.clients, counts["seconds"])
                    rows += http_rows
                if "scale" in groups:
                    for name, (more, result) in {
                        "vote_count": scale.vote_count(stack, counts["search_seconds"]),
                        "checkout_contended": scale.contended_checkout(stack, counts["buyers"], counts["attempts"]),
                        "search": scale.search(stack, counts["sizes"], counts["search_requests"]),
                    }.items():
                        rows += more
                        found[name] = result
    minutes = (time.monotonic() - began) / 60
    print(f"\nBenchmarks, {time.strftime('%Y-%m-%d %H:%M %Z')}: {'quick' if args.quick else 'full'} run, "
          f"{minutes:.1f} min; load average {load_before} at start, {common.load_average()} at end; "
          f"HTTP: gunicorn {common.WORKERS} workers x {common.THREADS} threads, {args.clients} clients\n")
    details["table"] = common.print_table(rows, COLUMNS)
    from bench import targets

    details["targets"] = targets.evaluate(details)
    print(f"\nTargets (issue 19){' (a quick run: small counts, read as a smoke test)' if args.quick else ''}\n")
    details["targets_table"] = common.print_table(details["targets"], targets.COLUMNS)
    details.update(rows=rows, load_start=load_before, load_end=common.load_average(), minutes=round(minutes, 2))
    path = common.write_json(f"{common.timestamp()}.json", details)
    print(f"\nwritten to {path.relative_to(common.ROOT)}")


if __name__ == "__main__":
    main()
