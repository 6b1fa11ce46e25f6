"""Helpers every benchmark shares: servers, the load generator, seeding, percentiles, PostgreSQL, tables.

Nothing here measures anything by itself. The load generator runs in its own process
(``python -m bench.common --load`` reads a plan as JSON on stdin and prints the result as JSON), so the
servers under test never share a GIL with the clients.

A plan: ``port``, ``clients``, either ``seconds`` (with ``warmup``) or ``iterations`` per client, and
``steps``, each ``{"name", "method", "path", "body", "headers", "expect": [statuses], "capture"}``.
In a path, body or header: ``{id}`` is a random choice from ``ids``; ``{seq}`` the client's next value
from ``seqs[client]`` (the client stops when they run out); ``{order}`` the ``id`` of the JSON answer
of the last step with ``"capture": "order"`` (a step needing it is skipped when there is none);
``{key}`` a key unique to the request; ``{client}`` the client's number, from 1. ``tokens[client]``
is sent as a bearer token.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"
AMQP = "amqp://guest:guest@127.0.0.1:5672//"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
RESULTS = ROOT / "bench" / "results"
WORKERS, THREADS = 2, 4  # `coop serve` defaults and docker-compose.yml
# The rest of `coop serve`'s gunicorn settings (coop/web.py `options`), for the bare app. `coop serve`
# logs nothing per request through gunicorn (the app logs itself); the bare app logs nothing either.
GUNICORN_FLAGS = ["--worker-class", "gthread", "--timeout", "30", "--graceful-timeout", "20", "--keep-alive", "5",
                  "--max-requests", "5000", "--max-requests-jitter", "500", "--worker-tmp-dir", "/dev/shm"]
PASSWORD = "bench-password-2026"
CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123", "holder_name": "Bench Buyer"}
WORDS = ("silver", "paper", "linen", "oak", "wool", "clay", "brass", "cotton", "glass", "leather")


# --- figures ----------------------------------------------------------------------------------------------

def percentile(ordered: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of sorted samples (seconds in, milliseconds out)."""
    if not ordered:
        return None
    rank = max(1, math.ceil(fraction * len(ordered)))
    return round(ordered[rank - 1] * 1000, 2)


def summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"n": len(ordered), "p50_ms": percentile(ordered, 0.5), "p95_ms": percentile(ordered, 0.95),
            "p99_ms": percentile(ordered, 0.99)}


def ratio(ours: float | None, base: float | None, digits: int = 2) -> float | None:
    return round(ours / base, digits) if ours and base else None


def print_table(rows: list[dict], columns: list[tuple[str, str]]) -> str:
    """Print rows (dicts) as a plain table with the given (key, heading) columns; return the text."""
    cells = [[heading for _, heading in columns]]
    cells += [["" if row.get(key) is None else str(row.get(key)) for key, _ in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    lines = ["  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
             for line in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    text = "\n".join(lines)
    print(text, flush=True)
    return text


def note(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def timestamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


# --- the load generator -----------------------------------------------------------------------------------

class Walker:
    """One client's way through a plan's steps: fills in the placeholders and remembers captured ids."""

    def __init__(self, plan: dict, index: int):
        self.plan, self.index = plan, index
        self.rng = random.Random(index)
        self.seqs = list(plan["seqs"][index]) if plan.get("seqs") else None
        self.seq = None
        self.order = None
        self.count = 0
        token = plan["tokens"][index] if plan.get("tokens") else None
        self.base_headers = {"Content-Type": "application/json"}
        if token:
            self.base_headers["Authorization"] = f"Bearer {token}"

    def next_iteration(self) -> bool:
        """Start the steps again; False when this client's sequence is used up."""
        self.order = None
        if self.seqs is not None:
            if not self.seqs:
                return False
            self.seq = self.seqs.pop(0)
        return True

    def request(self, step: dict):
        """Return (method, path, body, headers), or None to skip the step."""
        self.count += 1
        values = {"{key}": f"bench-{self.index}-{self.count}-{uuid.uuid4().hex[:8]}", "{client}": str(self.index + 1)}
        if self.plan.get("ids"):
            values["{id}"] = str(self.rng.choice(self.plan["ids"]))
        if self.seq is not None:
            values["{seq}"] = str(self.seq)
        texts = [step["path"], step.get("body"), *(step.get("headers") or {}).values()]
        if any(text and "{order}" in text for text in texts):
            if self.order is None:
                return None
            values["{order}"] = str(self.order)

        def fill(text):
            if text is None:
                return None
            for placeholder, value in values.items():
                text = text.replace(placeholder, value)
            return text
        headers = {**self.base_headers, **{k: fill(v) for k, v in (step.get("headers") or {}).items()}}
        return step["method"], fill(step["path"]), fill(step.get("body")), headers

    def answered(self, step: dict, status: int, body: bytes) -> bool:
        """Note the answer; return whether its status was one expected."""
        if step.get("capture") == "order" and 200 <= status < 300:
            try:
                self.order = json.loads(body)["id"]
            except (ValueError, KeyError, TypeError):
                self.order = None
        return status in step["expect"]


def _client(plan: dict, index: int, start: float, results: list) -> None:
    timed = plan.get("seconds") is not None
    measure_from = start + plan.get("warmup", 0) if timed else start
    stop = measure_from + plan["seconds"] if timed else float("inf")
    walker = Walker(plan, index)
    samples: dict[str, list[float]] = {step["name"]: [] for step in plan["steps"]}
    errors, statuses, iterations = 0, {}, 0
    connection = http.client.HTTPConnection(HOST, plan["port"], timeout=60)
    while (iterations < plan["iterations"]) if not timed else (time.perf_counter() < stop):
        if not walker.next_iteration():
            break
        iterations += 1
        for step in plan["steps"]:
            request = walker.request(step)
            if request is None:
                continue
            method, path, body, headers = request
            began = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                answer = response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(HOST, plan["port"], timeout=60)
                status, answer = 0, b""
            ended = time.perf_counter()
            ok = walker.answered(step, status, answer)
            if began >= measure_from and ended <= stop:
                samples[step["name"]].append(ended - began)
                errors += not ok
                statuses[f"{step['name']} {status}"] = statuses.get(f"{step['name']} {status}", 0) + 1
    connection.close()
    results[index] = (samples, errors, statuses)


def run_load(plan: dict) -> dict:
    """Run a plan's clients as threads of this process; return throughput, percentiles and statuses."""
    results: list = [None] * plan["clients"]
    start = time.perf_counter()
    threads = [threading.Thread(target=_client, args=(plan, i, start, results)) for i in range(plan["clients"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = plan["seconds"] if plan.get("seconds") is not None else time.perf_counter() - start
    by_step = {step["name"]: [] for step in plan["steps"]}
    statuses: dict[str, int] = {}
    for samples, _errors, counted in results:
        for name, values in samples.items():
            by_step[name].extend(values)
        for key, count in counted.items():
            statuses[key] = statuses.get(key, 0) + count
    everything = [value for values in by_step.values() for value in values]
    return {"requests": len(everything), "errors": sum(r[1] for r in results),
            "rps": round(len(everything) / elapsed, 1), "seconds": round(elapsed, 2), **summary(everything),
            "steps": {name: summary(values) for name, values in by_step.items()}, "statuses": statuses}


def load(plan: dict) -> dict:
    """Run a plan from a separate process (the load generator) and return its result."""
    budget = (plan.get("seconds") or 120) + plan.get("warmup", 0) + 180
    done = subprocess.run([sys.executable, "-m", "bench.common", "--load"], input=json.dumps(plan), cwd=ROOT,
                          capture_output=True, text=True, timeout=budget)
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


# --- servers ----------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Server:
    """A gunicorn master started in its own session on a free loopback port; stopped by its PID."""

    def __init__(self, command: list[str], env: dict, log: Path, ready_path: str):
        self.port = free_port()
        self.log = log
        self.ready_path = ready_path
        command = [part.replace("{bind}", f"{HOST}:{self.port}") for part in command]
        with log.open("wb") as errors:
            self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                                            stderr=errors, start_new_session=True)

    def wait_ready(self, timeout: float = 90) -> Server:
        wait_until_ok(self.port, self.ready_path, self._check, timeout,
                      lambda: f"server on port {self.port} not ready in {timeout}s:\n{self.log.read_text()[-3000:]}")
        return self

    def _check(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"server exited ({self.process.returncode}):\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        """TERM the master's process group (it and the workers it forked), then KILL if it lingers."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(25)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)


def coop_server(service: str, settings, work: Path) -> Server:
    """``coop serve SERVICE`` with the compose settings (2 workers x 4 threads) on the given settings."""
    env = {"COOP_DATA_DIR": str(settings.data_dir), "COOP_JWT_PRIVATE_KEY_FILE": str(settings.private_key_path),
           "COOP_LOG_JSON": "false", "COOP_BROKER_URL": settings.broker_url}
    for name, url in settings.database_urls.items():
        env[f"COOP_{name.upper()}_DATABASE_URL"] = url
    return Server([sys.executable, "-m", "coop", "serve", service, "--bind", "{bind}", "--workers", str(WORKERS),
                   "--threads", str(THREADS)], env, work / f"{service}.log", "/healthz")


def bare_server(work: Path, dsn: str | None) -> Server:
    """The bare Flask app (bench/bare_app.py) under the same gunicorn settings; its table made first."""
    env = {"BENCH_BARE_DB": str(work / "bare.db")}
    if dsn:
        env["BENCH_BARE_DSN"] = dsn
    subprocess.run([sys.executable, "-c", "import bench.bare_app"], cwd=ROOT, check=True, env={**os.environ, **env})
    return Server([sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "--threads", str(THREADS), "-b", "{bind}",
                   *GUNICORN_FLAGS, "bench.bare_app:app"], {**env, "BENCH_BARE_CREATE": "0"}, work / "bare.log",
                  "/json")


# --- PostgreSQL -------------------------------------------------------------------------------------------

def postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 - any failure means: skip PostgreSQL
        return False


def create_database(name: str) -> str:
    """Create a database (a unique name, chosen by the caller) and return its SQLAlchemy URL."""
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- seeding, straight into the databases ----------------------------------------------------------------

def bench_settings(work: Path, **changes):
    from shared.settings import Settings

    return Settings(data_dir=work / "data", jwt_private_key_file=work / "key.pem", log_json=False, **changes)


def _fix_sequences(session, tables: list[str]) -> None:
    """Explicit ids leave PostgreSQL's sequences behind: move them past the rows."""
    from sqlalchemy import text

    if session.get_bind().dialect.name == "postgresql":
        for table in tables:
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))


def seed_sellers(db, count: int = 20) -> list[int]:
    from sqlalchemy import insert

    from services.marketplace.models import Seller
    from shared.db import utcnow

    now = utcnow()
    rows = [{"member_id": 100 + n, "account_id": 10_000 + n, "member_number": 100 + n, "kind": "producer",
             "sectors": ["cards"], "active": True, "status_changed_at": now, "profile_changed_at": now,
             "shop_name": f"Shop {n}"} for n in range(1, count + 1)]
    with db.transaction() as session:
        session.execute(insert(Seller), rows)
    return [row["member_id"] for row in rows]


def seed_listings(db, sellers: list[int], count: int, first_id: int = 1, stock: int = 100_000) -> list[int]:
    """Published goods, one variant each, half of them cards; descriptions draw on WORDS (q=silver: ~1/5)."""
    from sqlalchemy import insert

    from services.marketplace.listings import CATEGORIES
    from services.marketplace.models import Listing, Variant
    from shared.db import utcnow

    now = utcnow()
    ids = list(range(first_id, first_id + count))
    for start in range(0, count, 10_000):
        chunk = ids[start:start + 10_000]
        listings, variants = [], []
        for lid in chunk:
            category = "cards" if lid % 2 == 0 else CATEGORIES[1 + lid % (len(CATEGORIES) - 1)]
            words = f"{WORDS[lid % len(WORDS)]} {WORDS[(lid // 7) % len(WORDS)]}"
            at = now - dt.timedelta(seconds=lid)
            listings.append({"id": lid, "seller_id": sellers[lid % len(sellers)], "kind": "goods",
                             "title": f"Item {lid} {words}", "description": f"Hand made from {words}, one of many.",
                             "category": category, "price_pence": 100 + (lid * 37) % 5000, "member_discount_pence": 0,
                             "status": "published", "images": [], "created_at": at, "updated_at": at})
            variants.append({"id": lid, "listing_id": lid, "name": "", "stock": stock})
        with db.transaction() as session:
            session.execute(insert(Listing), listings)
            session.execute(insert(Variant), variants)
            _fix_sequences(session, ["listings", "variants"])
    # A live database has statistics (autovacuum's analyse, or SQLite's after `ANALYZE`); without them
    # right after a bulk load, PostgreSQL sorts every match for a page instead of walking an index.
    with db.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    return ids


def seed_members(db, count: int, open_proposals: int, tallied: int = 0, due: int = 0) -> dict:
    """Active producer members (accounts m<i>@bench.coop, one password), a coordinator and proposals.

    ``open_proposals`` open ones with no votes (to vote on); ``tallied`` open ones and ``due`` past their
    closing time, each with every member's vote already cast (to count). Returns the ids.
    """
    from sqlalchemy import insert

    from services.members.accounts import hash_password
    from services.members.models import Account, Ballot, Member, Participation, Proposal
    from services.members.proposals import receipt_hash
    from services.members.rules.voting import DEFAULT_OPTIONS
    from shared.db import utcnow

    now = utcnow()
    password_hash = hash_password(PASSWORD)  # argon2 once; every account shares it
    accounts = [{"id": 1, "email": "coordinator@bench.coop", "password_hash": password_hash,
                 "display_name": "Coordinator", "roles": ["coordinator"], "created_at": now}]
    accounts += [{"id": 1 + i, "email": f"m{i}@bench.coop", "password_hash": password_hash,
                  "display_name": f"Member {i}", "roles": ["member"], "created_at": now} for i in range(1, count + 1)]
    members = [{"id": i, "account_id": 1 + i, "kind": "producer", "name": f"Business {i}", "sectors": ["cards"],
                "description": "", "how_they_came": "", "status": "active", "member_number": i, "share_pence": 100,
                "share_issued_at": now, "applied_at": now} for i in range(1, count + 1)]

    def proposal(pid, closes_at):
        return {"id": pid, "title": f"Proposal {pid}", "text": "Shall we?", "options": list(DEFAULT_OPTIONS),
                "kind": "ordinary", "quorum_fraction": 0.1, "quorum_minimum": 3, "opened_by": 1,
                "opened_at": now - dt.timedelta(days=1), "closes_at": closes_at, "status": "open"}
    total = open_proposals + tallied + due
    ids = list(range(1, total + 1))
    later, earlier = now + dt.timedelta(days=30), now - dt.timedelta(minutes=1)
    proposals = [proposal(pid, earlier if pid > open_proposals + tallied else later) for pid in ids]
    counted = ids[open_proposals:]
    with db.transaction() as session:
        session.execute(insert(Account), accounts)
        session.execute(insert(Member), members)
        session.execute(insert(Proposal), proposals)
        for pid in counted:
            session.execute(insert(Participation), [
                {"proposal_id": pid, "member_id": i, "cast_by_account_id": 1 + i, "by_proxy": False}
                for i in range(1, count + 1)])
            session.execute(insert(Ballot), [
                {"id": uuid.uuid4().hex, "proposal_id": pid, "option": DEFAULT_OPTIONS[i % 3],
                 "receipt_hash": receipt_hash(uuid.uuid4().hex)} for i in range(1, count + 1)])
        _fix_sequences(session, ["accounts", "members", "proposals", "participations"])
    return {"open": ids[:open_proposals], "tallied": ids[open_proposals:open_proposals + tallied],
            "due": ids[open_proposals + tallied:]}


def tokens(settings, principals) -> list[str]:
    """Sign a token for each Principal with the key the services verify with."""
    from shared.auth import TokenIssuer, load_or_create_private_key

    issuer = TokenIssuer(load_or_create_private_key(settings.private_key_path), settings.jwt_issuer,
                         settings.jwt_audience, 120)
    return [issuer.issue(principal)[0] for principal in principals]


def write_json(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    path.write_text(json.dumps(data, indent=2, default=str))
    return path


if __name__ == "__main__" and "--load" in sys.argv:
    print(json.dumps(run_load(json.load(sys.stdin))))


def wait_until_ok(port: int, path: str, check, timeout: float, failure) -> None:
    """Poll GET path on the loopback port until it answers 200; ``check()`` raises if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        check()
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                connection.close()
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(failure())


class SetUpOrCleanUp:
    """A context manager whose ``_set_up`` is undone by its ``__exit__`` even when it fails half-way."""

    def _set_up(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        try:
            self._set_up()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *_exc) -> None:
        raise NotImplementedError
