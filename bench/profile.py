"""Profile one scenario in-process under pyinstrument: where a request's time goes.

The scenario's requests (the same steps as the HTTP benchmark: ``browse``, ``detail``, ``checkout``
with payment, ``search`` at 10k listings, ``login``, ``vote``, and ``admit``, the write that starts the
event pipeline) go through the Flask test client of the real app on SQLite in a temporary folder, one
thread, no gunicorn and no network. ``consume`` is the other end of the pipeline: the marketplace's
message processor handling ``member.admitted`` bodies (inbox row, seller row, commit), no broker. Saves
``bench/results/profile-<scenario>-<time>.html`` and ``.txt`` and prints the text. Not a comparison:
it says what to fix, the benchmarks say by how much it matters.

    .venv/bin/python -m bench --profile browse [--requests 300]
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from bench import common
from bench.http_throughput import BROWSE, FIRST_CUSTOMER, checkout_steps
from bench.scale import SEARCH

SCENARIOS = ("browse", "detail", "checkout", "search", "login", "vote", "admit", "consume")


def _marketplace(work: Path, listings: int, urls: dict | None = None):
    from services.marketplace.app import build_runtime, create_app

    settings = common.bench_settings(work, **({"database_urls": urls} if urls else {}))
    runtime = build_runtime(settings)
    runtime.prepare_schema()
    sellers = common.seed_sellers(runtime.db)
    ids = common.seed_listings(runtime.db, sellers, listings)
    return settings, create_app(settings, runtime=runtime, start_relay=False), ids


def _plan(scenario: str, work: Path, requests: int, urls: dict | None = None):
    """The app and the plan of one scenario; ``urls``: databases other than SQLite files in ``work``."""
    from shared.auth import Principal

    def get(path):
        return [{"name": scenario, "method": "GET", "path": path, "expect": [200]}]
    if scenario in ("browse", "detail", "checkout", "search"):
        settings, app, ids = _marketplace(work, 10_000 if scenario == "search" else 1000, urls)
        steps = {"browse": get(BROWSE), "detail": get("/listings/{id}"), "search": get(SEARCH),
                 "checkout": checkout_steps()}[scenario]
        tokens = common.tokens(settings, [Principal(FIRST_CUSTOMER, ("customer",))])
        return app, {"ids": ids, "tokens": tokens, "steps": steps}
    from services.members.app import create_app

    settings = common.bench_settings(work, **({"database_urls": urls} if urls else {}))
    app = create_app(settings, start_relay=False)
    if scenario == "admit":
        from bench.event_latency import _applicants

        ids = _applicants(app.extensions["coop_runtime"].db, requests + 40)
        return app, {"tokens": common.tokens(settings, [Principal(1, ("coordinator",))]), "seqs": [ids],
                     "steps": [{"name": "admit", "method": "POST", "path": "/members/{seq}/admit", "body": "{}",
                                "expect": [200]}]}
    proposals = common.seed_members(app.extensions["coop_runtime"].db, 1, requests + 20)
    if scenario == "login":
        return app, {"steps": [{"name": "login", "method": "POST", "path": "/tokens", "expect": [201],
                                "body": f'{{"email": "m1@bench.coop", "password": "{common.PASSWORD}"}}'}]}
    tokens = common.tokens(settings, [Principal(2, ("member",), 1)])
    return app, {"tokens": tokens, "seqs": [proposals["open"]], "steps": [
        {"name": "vote", "method": "POST", "path": "/proposals/{seq}/votes", "body": '{"option": "for"}',
         "expect": [201]}]}


def _requests(app, plan):
    """A function doing one iteration of the plan's steps through the app's test client."""
    client = app.test_client()
    walker = common.Walker(plan, 0)

    def once() -> None:
        if not walker.next_iteration():
            raise SystemExit("ran out of ids to use")
        for step in plan["steps"]:
            request = walker.request(step)
            if request is None:
                continue
            method, path, body, headers = request
            response = client.open(path, method=method, data=body, headers=headers)
            if not walker.answered(step, response.status_code, response.get_data()):
                raise RuntimeError(f"{method} {path}: {response.status_code} {response.get_data()[:300]!r}")
    once.steps = len(plan["steps"])
    return app, once


def profile(scenario: str, requests: int) -> Path:
    try:
        from pyinstrument import Profiler
        from pyinstrument.renderers import ConsoleRenderer
    except ImportError:
        raise SystemExit("pyinstrument is not installed: .venv/bin/pip install -e '.[bench]'") from None
    work = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    try:
        if scenario == "consume":
            app, once = _consumer(work, requests)
        else:
            app, once = _requests(*_plan(scenario, work, requests))
        for _ in range(min(20, requests // 5)):  # warm up: caches, first connections
            once()
        profiler = Profiler(interval=0.0005)
        began = time.perf_counter()
        profiler.start()
        for _ in range(requests):
            once()
        profiler.stop()
        elapsed = time.perf_counter() - began
        app.extensions["coop_runtime"].stop()
        header = (f"{scenario}: {requests} iterations ({once.steps} request(s) each) in {elapsed:.2f} s, "
                  f"{elapsed / requests * 1000:.2f} ms each, in-process, load {common.load_average()}\n")
        tree = profiler.output_text(unicode=False, color=False, show_all=False, time="percent_of_total")
        # The same time by function, own time only: the list to start fixing from.
        flat = profiler.output(ConsoleRenderer(flat=True, flat_time="self", time="percent_of_total"))
        text = header + tree + "\nOwn time by function (top 40):\n" + "\n".join(flat.splitlines()[:48])
        stem = common.RESULTS / f"profile-{scenario}-{common.timestamp()}"
        common.RESULTS.mkdir(parents=True, exist_ok=True)
        stem.with_suffix(".txt").write_text(text)
        stem.with_suffix(".html").write_text(profiler.output_html())
        print(text)
        common.note(f"saved {stem}.html and .txt")
        return stem
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _consumer(work: Path, requests: int):
    """The marketplace's processor handling member.admitted bodies, as its consumer does per message."""
    import json

    from services.marketplace.app import build_runtime, create_app
    from services.members.events import CATALOG
    from shared.db import utcnow

    settings = common.bench_settings(work)
    runtime = build_runtime(settings)
    runtime.prepare_schema()
    bodies = iter(json.dumps(CATALOG.build("member.admitted", {
        "occurred_at": utcnow(), "member_id": n, "member_number": n, "account_id": 1000 + n, "kind": "producer",
        "name": f"Business {n}", "sectors": ["cards"]}).to_dict(), default=str) for n in range(1, requests + 100))

    def once() -> None:
        outcome = runtime.processor.process(next(bodies))
        if outcome.value != "handled":
            raise RuntimeError(f"member.admitted was {outcome.value}")
    once.steps = 1
    return create_app(settings, runtime=runtime, start_relay=False), once
