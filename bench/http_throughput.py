"""HTTP throughput of the marketplace (catalogue browse, listing detail, checkout) under gunicorn.

Compared, in the same run and on the same gunicorn settings (2 workers x 4 threads, the ``coop serve``
defaults), with a bare Flask app (``bench/bare_app.py``): a JSON endpoint and one primary-key SELECT
on a tiny SQLite table. Both servers and the load generator are separate processes on 127.0.0.1.
Prints a table and the ratios and writes JSON. Not a test: it asserts nothing.

    .venv/bin/python bench/http_throughput.py [--clients 8] [--seconds 10] [--listings 1000]
    .venv/bin/python bench/http_throughput.py --profile 300      # catalogue browse in-process, pyinstrument
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"
WORKERS, THREADS = 2, 4  # the `coop serve` defaults
# The rest of `coop serve`'s gunicorn settings (coop/web.py `options`), given to the bare app too. The
# coop app logs each request itself (to a file here); the bare app does the same through gunicorn's log.
GUNICORN_FLAGS = ["--worker-class", "gthread", "--timeout", "30", "--graceful-timeout", "20", "--keep-alive", "5",
                  "--max-requests", "5000", "--max-requests-jitter", "500", "--access-logfile", "-"]
BROWSE = "/listings?category=cards&sort=price_asc&page=2"
WARM_UP = 1.0  # seconds of load before measuring starts, per scenario
MAX_REQUESTS_PER_CLIENT = 200_000


# --- the load generator (runs in its own process: ``--load`` reads a plan on stdin) ------------------

def _client(plan: dict, index: int, start: float, results: list) -> None:
    """One keep-alive connection, looping through the scenario's requests until time is up."""
    stop, measure_from = start + WARM_UP + plan["seconds"], start + WARM_UP
    steps = plan["steps"]
    headers = {"Content-Type": "application/json"}
    if plan.get("tokens"):
        headers["Authorization"] = f"Bearer {plan['tokens'][index]}"
    rng = random.Random(index)
    latencies, errors, sent = [], 0, 0
    connection = http.client.HTTPConnection(HOST, plan["port"], timeout=30)
    while sent < MAX_REQUESTS_PER_CLIENT:
        for method, path, body, expected in steps:
            path = path.replace("{id}", str(rng.choice(plan["ids"]))) if "{id}" in path else path
            if body is not None and "{id}" in body:
                body = body.replace("{id}", str(rng.choice(plan["ids"])))
            began = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == expected
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(HOST, plan["port"], timeout=30)
                ok = False
            ended = time.perf_counter()
            sent += 1
            if began >= measure_from and ended <= stop:
                latencies.append(ended - began)
                errors += not ok
        if time.perf_counter() >= stop:
            break
    connection.close()
    results[index] = (latencies, errors)


def run_load(plan: dict) -> dict:
    results: list = [None] * plan["clients"]
    start = time.perf_counter()
    threads = [threading.Thread(target=_client, args=(plan, i, start, results)) for i in range(plan["clients"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies = sorted(sample for samples, _ in results for sample in samples)
    errors = sum(count for _, count in results)
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": round(len(latencies) / plan["seconds"], 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 2)
        if latencies else None,
    }


def load_from_second_process(plan: dict) -> dict:
    done = subprocess.run([sys.executable, __file__, "--load"], input=json.dumps(plan), capture_output=True,
                          text=True, timeout=plan["seconds"] + WARM_UP + 120, check=True)
    return json.loads(done.stdout)


# --- seeding the marketplace ----------------------------------------------------------------------------

def seed_marketplace(settings, listings: int, sellers: int = 20) -> list[int]:
    """Admit sellers through the member events and give them published goods; return the listing ids."""
    from services.marketplace import listings as shop
    from services.marketplace.app import build_runtime
    from services.members.events import CATALOG as MEMBER_EVENTS
    from shared.auth import Principal
    from shared.db import utcnow

    runtime = build_runtime(settings)
    runtime.prepare_schema()
    principals = []
    for number in range(1, sellers + 1):
        member_id, account_id = 100 + number, 10_000 + number
        envelope = MEMBER_EVENTS.build("member.admitted", {
            "occurred_at": utcnow(), "member_id": member_id, "member_number": member_id,
            "account_id": account_id, "kind": "producer", "name": f"Shop {number}", "sectors": ["cards"]})
        outcome = runtime.processor.process(json.dumps(envelope.to_dict()))
        if outcome.value != "handled":
            raise RuntimeError(f"member.admitted was not handled: {outcome}")
        principals.append(Principal(account_id, ("member",), member_id))
    categories = shop.CATEGORIES
    ids = []
    with runtime.db.transaction() as session:
        for index in range(listings):
            seller = principals[index % sellers]
            # Half the catalogue is cards (the browsed category), the rest spread over the others.
            category = "cards" if index % 2 == 0 else categories[1 + index % (len(categories) - 1)]
            listing = shop.create_listing(session, seller, {
                "kind": "goods", "title": f"Item {index}", "description": "Hand made, one of many.",
                "category": category, "price_pence": 100 + (index * 37) % 5000, "stock": 100_000})
            shop.change_status(session, listing.id, seller, "publish")
            ids.append(listing.id)
    runtime.stop()
    runtime.db.dispose()
    return ids


def customer_tokens(settings, count: int, first_account: int) -> list[str]:
    from shared.auth import Principal, TokenIssuer, load_or_create_private_key

    issuer = TokenIssuer(load_or_create_private_key(settings.private_key_path), settings.jwt_issuer,
                         settings.jwt_audience, 60)
    return [issuer.issue(Principal(first_account + i, ("customer",)))[0] for i in range(count)]


# --- servers ------------------------------------------------------------------------------------------

def create_bare_db(path: Path) -> None:
    """Create the bare app's table before its two workers start (they would otherwise race to)."""
    subprocess.run([sys.executable, "-c", "import bench.bare_app"], cwd=ROOT, check=True,
                   env={**os.environ, "BENCH_BARE_DB": str(path)})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_server(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("wb") as errors:
        return subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                                stderr=errors, start_new_session=True)


def wait_ready(process: subprocess.Popen, port: int, path: str, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                connection.close()
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server on port {port} not ready in {timeout}s:\n{log.read_text()[-3000:]}")


def stop_server(process: subprocess.Popen) -> None:
    """Stop a gunicorn master we started (and its workers) by its PID: TERM, then KILL if it lingers."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)  # its own session: the master and the workers it forked
    try:
        process.wait(25)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


# --- the run --------------------------------------------------------------------------------------------

def scenarios(bare_port: int, market_port: int, ids: list[int], tokens: list[str], clients: int) -> dict:
    item_ids = list(range(1, 101))
    return {
        "bare JSON": {"port": bare_port, "ids": item_ids, "steps": [("GET", "/json", None, 200)]},
        "bare PK select": {"port": bare_port, "ids": item_ids, "steps": [("GET", "/items/{id}", None, 200)]},
        "catalogue browse": {"port": market_port, "ids": ids, "steps": [("GET", BROWSE, None, 200)]},
        "listing detail": {"port": market_port, "ids": ids, "steps": [("GET", "/listings/{id}", None, 200)]},
        "checkout": {"port": market_port, "ids": ids, "tokens": tokens[:clients], "steps": [
            ("POST", "/cart/lines", '{"listing_id": {id}}', 201),
            ("POST", "/checkout", "{}", 201),
        ]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per scenario")
    parser.add_argument("--listings", type=int, default=1000)
    parser.add_argument("--json", default="bench/results/http_throughput.json")
    parser.add_argument("--profile", type=int, metavar="REQUESTS", help="profile catalogue browse in-process")
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        print(json.dumps(run_load(json.load(sys.stdin))))
        return
    if args.profile:
        profile(args.profile, args.listings)
        return

    from shared.db import utcnow
    from shared.settings import Settings

    servers: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        work = Path(tmp)
        settings = Settings(data_dir=work / "data", jwt_private_key_file=work / "key.pem", log_json=False)
        ids = seed_marketplace(settings, args.listings)
        tokens = customer_tokens(settings, args.clients, first_account=50_000)
        bare_db = work / "bare.db"
        create_bare_db(bare_db)
        bare_port, market_port = free_port(), free_port()
        try:
            servers.append(start_server(
                [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "--threads", str(THREADS),
                 "-b", f"{HOST}:{bare_port}", *GUNICORN_FLAGS, "bench.bare_app:app"],
                {"BENCH_BARE_DB": str(bare_db)}, work / "bare.log"))
            servers.append(start_server(
                [sys.executable, "-m", "coop", "serve", "marketplace", "--bind", f"{HOST}:{market_port}",
                 "--workers", str(WORKERS), "--threads", str(THREADS)],
                {"COOP_DATA_DIR": str(settings.data_dir), "COOP_JWT_PRIVATE_KEY_FILE": str(settings.private_key_path),
                 "COOP_LOG_JSON": "false"}, work / "marketplace.log"))
            wait_ready(servers[0], bare_port, "/json", work / "bare.log")
            wait_ready(servers[1], market_port, "/healthz", work / "marketplace.log")
            time.sleep(2)  # let each worker's relay send the seeding's listing.published events
            results = {}
            for name, plan in scenarios(bare_port, market_port, ids, tokens, args.clients).items():
                results[name] = load_from_second_process({**plan, "clients": args.clients,
                                                          "seconds": args.seconds})
                print(f"  {name}: {results[name]}", file=sys.stderr)
        finally:
            for server in servers:
                stop_server(server)

    results["checkout"]["checkouts_per_s"] = round(results["checkout"]["rps"] / 2, 1)
    bare_json, bare_pk = results["bare JSON"]["rps"], results["bare PK select"]["rps"]
    print(f"\n{args.clients} clients, {args.seconds:g} s per scenario, gunicorn {WORKERS} workers x {THREADS} threads")
    print(f"{'scenario':<18} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
          f"{'/ bare PK':>10} {'/ bare JSON':>12}")
    for name, row in results.items():
        row["ratio_to_bare_pk"] = round(row["rps"] / bare_pk, 2)
        row["ratio_to_bare_json"] = round(row["rps"] / bare_json, 2)
        print(f"{name:<18} {row['rps']:>8} {row['p50_ms']:>8} {row['p99_ms']:>8} {row['errors']:>7} "
              f"{row['ratio_to_bare_pk']:>10} {row['ratio_to_bare_json']:>12}")
    print(f"(checkout: each client does POST /cart/lines then POST /checkout; "
          f"{results['checkout']['checkouts_per_s']} checkouts/s)")
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "at": utcnow().isoformat(), "clients": args.clients, "seconds": args.seconds, "listings": args.listings,
        "gunicorn": {"workers": WORKERS, "threads": THREADS}, "browse": BROWSE, "results": results}, indent=2))


def profile(requests: int, listings: int) -> None:
    """Run the catalogue browse through the Flask test client under pyinstrument and print where time goes."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        sys.exit("pyinstrument is not installed: .venv/bin/pip install pyinstrument")
    from services.marketplace.app import create_app
    from shared.settings import Settings

    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        settings = Settings(data_dir=Path(tmp), jwt_private_key_file=Path(tmp) / "key.pem", log_json=False)
        seed_marketplace(settings, listings)
        app = create_app(settings, start_relay=False)
        client = app.test_client()
        for _ in range(20):  # warm up
            client.get(BROWSE)
        profiler = Profiler(interval=0.0005)
        profiler.start()
        began = time.perf_counter()
        for _ in range(requests):
            assert client.get(BROWSE).status_code == 200
        elapsed = time.perf_counter() - began
        profiler.stop()
        print(f"{requests} requests in {elapsed:.2f} s: {elapsed / requests * 1000:.2f} ms each, in-process")
        print(profiler.output_text(unicode=False, color=False, show_all=False))
        app.extensions["coop_runtime"].stop()


if __name__ == "__main__":
    main()
