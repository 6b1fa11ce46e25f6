"""SQL statements and commits per request, for each HTTP scenario, in-process.

Each scenario's requests (the same steps as the HTTP and profile benchmarks: ``browse``, ``detail``,
``checkout`` (cart line, checkout, payment), ``login``, ``vote``, ``admit``) go through the Flask test
client of the real app, on PostgreSQL when it answers (fresh databases per scenario, dropped after) or
SQLite. Counted with SQLAlchemy's events on every engine (the test-mode card ledger has its own):
``before_cursor_execute`` (each statement sent to the database, PRAGMAs and SQLite's ``BEGIN
IMMEDIATE`` included; psycopg's implicit ``BEGIN`` is not a statement here) and ``commit``. A few
iterations are run first, unmeasured; then the median of ``ITERATIONS`` iterations per step.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

from bench import common

SCENARIOS = ("browse", "detail", "checkout", "login", "vote", "admit")
ITERATIONS, WARMUP = 5, 2


class Counter:
    def __init__(self):
        self.statements = self.commits = 0

    def __enter__(self) -> Counter:
        event.listen(Engine, "before_cursor_execute", self._statement)
        event.listen(Engine, "commit", self._commit)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(Engine, "before_cursor_execute", self._statement)
        event.remove(Engine, "commit", self._commit)

    def _statement(self, *_args) -> None:
        self.statements += 1

    def _commit(self, *_args) -> None:
        self.commits += 1

    def take(self) -> tuple[int, int]:
        taken = self.statements, self.commits
        self.statements = self.commits = 0
        return taken


def count(scenario: str, backend: str) -> dict:
    """Median statements and commits of each of the scenario's requests, and of one whole iteration."""
    from bench.profile import _plan

    work = Path(tempfile.mkdtemp(prefix="bench-statements-"))
    databases, urls = [], None
    try:
        if backend == "postgres":
            tag = f"bench_{uuid.uuid4().hex[:10]}"
            urls = {}
            for service in ("marketplace", "members"):
                databases.append(f"{tag}_{service}")
                urls[service] = common.create_database(databases[-1])
        app, plan = _plan(scenario, work, WARMUP + ITERATIONS + 5, urls)
        client, walker = app.test_client(), common.Walker(plan, 0)
        per_step: dict[str, list[tuple[int, int]]] = {step["name"]: [] for step in plan["steps"]}
        with Counter() as counter:
            for iteration in range(WARMUP + ITERATIONS):
                walker.next_iteration()
                for step in plan["steps"]:
                    request = walker.request(step)
                    if request is None:
                        continue
                    method, path, body, headers = request
                    counter.take()
                    response = client.open(path, method=method, data=body, headers=headers)
                    taken = counter.take()
                    if not walker.answered(step, response.status_code, response.get_data()):
                        raise RuntimeError(f"{scenario}: {method} {path} answered {response.status_code}")
                    if iteration >= WARMUP:
                        per_step[step["name"]].append(taken)
        app.extensions["coop_runtime"].stop()
    finally:
        for name in databases:
            common.drop_database(name)
        shutil.rmtree(work, ignore_errors=True)
    steps = {name: {"statements": statistics.median(s for s, _ in found),
                    "commits": statistics.median(c for _, c in found)} for name, found in per_step.items()}
    return {"steps": steps, "statements": sum(s["statements"] for s in steps.values()),
            "commits": sum(s["commits"] for s in steps.values()), "requests": len(steps)}


def run(backends: list[str]) -> tuple[list[dict], dict]:
    rows, results = [], {}
    for backend in backends:
        if backend == "postgres" and not common.postgres_reachable():
            common.note("statements: PostgreSQL not reachable: skipped")
            continue
        found = results.setdefault(backend, {})
        for scenario in SCENARIOS:
            found[scenario] = result = count(scenario, backend)
            detail = ", ".join(f"{name} {s['statements']:g}/{s['commits']:g}" for name, s in result["steps"].items())
            common.note(f"statements {backend} {scenario}: {detail}")
            rows.append({"group": "statements", "benchmark": f"{scenario}: statements / commits per request",
                         "backend": backend, "figure": f"{result['statements']:g} statements, {result['commits']:g} "
                         f"commits in {result['requests']} request(s)" + (f" ({detail})" if result["requests"] > 1
                                                                          else "")})
    return rows, results
