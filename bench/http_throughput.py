"""HTTP throughput of the marketplace and members services under gunicorn, against a bare Flask app.

Measured: catalogue browse, listing detail, checkout with payment (add to cart, checkout, pay by test
card: three requests), member login (POST /tokens: argon2 verification dominates, by design) and a
member casting a vote on an open proposal (each client its own member, voting once per proposal).
Baselines, in the same run on the same gunicorn settings (``coop serve`` / docker-compose: 2 workers x 4
gthreads, 30 s timeout, keep-alive 5, max-requests 5000): bare Flask ``GET /json`` and the same app doing
one primary-key SELECT (``bench/bare_app.py``) on the same database engine. Figures are req/s and
latency percentiles; the ratios are req/s over the bare app's. The load generator is a separate process
(``bench.common``), one keep-alive connection per client thread, 1 s warm-up per scenario.

Run on SQLite (what ``coop run`` gives) and on PostgreSQL when it answers on 127.0.0.1:5432 (databases
with unique names, dropped afterwards). The broker is ``memory://``: events stay in each worker.

    .venv/bin/python bench/http_throughput.py [--quick] [--backend sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402

BROWSE = "/listings?category=cards&sort=price_asc&page=2"
CONTENDED = 900_000  # the listing 50 buyers fight over (bench/scale.py), outside the catalogue's ids
FIRST_CUSTOMER = 50_000


class Stack:
    """Seeded marketplace and members databases and three gunicorn servers (bare, marketplace, members)."""

    def __init__(self, backend: str, listings: int, members: int, vote_proposals: int, tallied: int, due: int,
                 contended_stock: int):
        self.backend = backend
        self.sizes = dict(listings=listings, members=members, vote_proposals=vote_proposals, tallied=tallied,
                          due=due, contended_stock=contended_stock)
        self.work = Path(tempfile.mkdtemp(prefix="bench-http-"))
        self.databases: list[str] = []
        self.servers: list[common.Server] = []
        self.bare_dsn = None

    def __enter__(self) -> Stack:
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self) -> None:
        from services.marketplace.app import build_runtime as marketplace_runtime
        from services.members.app import build_runtime as members_runtime
        from shared.auth import Principal

        urls = {}
        if self.backend == "postgres":
            tag = f"bench_{uuid.uuid4().hex[:10]}"
            for service in ("marketplace", "members", "bare"):
                self.databases.append(f"{tag}_{service}")
                urls[service] = common.create_database(f"{tag}_{service}")
            self.bare_dsn = urls.pop("bare").replace("postgresql+psycopg://", "postgresql://")
        self.settings = common.bench_settings(self.work, database_urls=urls)
        common.note(f"{self.backend}: seeding {self.sizes}")
        market = marketplace_runtime(self.settings)
        market.prepare_schema()
        self.sellers = common.seed_sellers(market.db)
        self.listing_ids = common.seed_listings(market.db, self.sellers, self.sizes["listings"])
        common.seed_listings(market.db, self.sellers, 1, first_id=CONTENDED, stock=self.sizes["contended_stock"])
        market.db.dispose()
        self.market_db_url = self.settings.database_url("marketplace")
        members = members_runtime(self.settings)
        members.prepare_schema()
        self.proposals = common.seed_members(members.db, self.sizes["members"], self.sizes["vote_proposals"],
                                             self.sizes["tallied"], self.sizes["due"])
        members.db.dispose()
        count = self.sizes["members"]
        self.member_tokens = common.tokens(self.settings, [Principal(1 + i, ("member",), i)
                                                           for i in range(1, count + 1)])
        self.coordinator_token = common.tokens(self.settings, [Principal(1, ("coordinator",))])[0]
        self.customer_tokens = common.tokens(self.settings, [Principal(FIRST_CUSTOMER + i, ("customer",))
                                                             for i in range(64)])
        self.servers = [common.bare_server(self.work, self.bare_dsn),
                        common.coop_server("marketplace", self.settings, self.work),
                        common.coop_server("members", self.settings, self.work)]
        self.bare, self.market, self.members = (server.wait_ready() for server in self.servers)

    def __exit__(self, *_exc) -> None:
        for server in self.servers:
            server.stop()
        for name in self.databases:
            try:
                common.drop_database(name)
            except Exception as error:  # noqa: BLE001 - say so, and go on cleaning
                common.note(f"could not drop database {name}: {error}")
        shutil.rmtree(self.work, ignore_errors=True)


def checkout_steps(listing: str = "{id}", sold_out_ok: bool = False) -> list[dict]:
    """Cart line, checkout, payment by test card: what a buyer does (``sold_out_ok``: 409 expected too)."""
    also = [409] if sold_out_ok else []
    return [
        {"name": "cart", "method": "POST", "path": "/cart/lines", "body": f'{{"listing_id": {listing}}}',
         "expect": [201, *also]},
        {"name": "checkout", "method": "POST", "path": "/checkout", "body": "{}", "expect": [201, *also],
         "capture": "order"},
        {"name": "pay", "method": "POST", "path": "/orders/{order}/payment", "headers": {"Idempotency-Key": "{key}"},
         "body": common.json.dumps({"card": common.CARD}), "expect": [200]},
    ]


def plans(stack: Stack, clients: int) -> dict[str, dict]:
    def get(name, path):
        return [{"name": name, "method": "GET", "path": path, "expect": [200]}]
    bare, market, members = stack.bare.port, stack.market.port, stack.members.port
    return {
        "bare JSON": {"port": bare, "steps": get("json", "/json")},
        "bare PK select": {"port": bare, "ids": list(range(1, 101)), "steps": get("item", "/items/{id}")},
        "catalogue browse": {"port": market, "steps": get("browse", BROWSE)},
        "listing detail": {"port": market, "ids": stack.listing_ids, "steps": get("detail", "/listings/{id}")},
        "checkout + payment": {"port": market, "ids": stack.listing_ids, "tokens": stack.customer_tokens[:clients],
                               "steps": checkout_steps()},
        # A login takes about a second of argon2 on a busy 2-core machine: too slow for a time window,
        # so each client signs in a fixed number of times and everything is measured.
        "member login": {"port": members, "seconds": None, "iterations": 3, "steps": [
            {"name": "login", "method": "POST", "path": "/tokens",
             "body": f'{{"email": "m{{client}}@bench.coop", "password": "{common.PASSWORD}"}}', "expect": [201]}]},
        "vote": {"port": members, "tokens": stack.member_tokens[:clients],
                 "seqs": [stack.proposals["open"]] * clients, "steps": [
                     {"name": "vote", "method": "POST", "path": "/proposals/{seq}/votes", "body": '{"option": "for"}',
                      "expect": [201]}]},
    }


def run(stack: Stack, clients: int, seconds: float) -> tuple[list[dict], dict]:
    """Run every scenario on a started stack; return table rows and the full results."""
    results = {}
    for name, plan in plans(stack, clients).items():
        results[name] = common.load({"clients": clients, "seconds": seconds, "warmup": 1.0, **plan})
        common.note(f"{stack.backend} {name}: {results[name]['rps']} req/s p50 {results[name]['p50_ms']} ms, "
                    f"errors {results[name]['errors']}")
    bare_pk, bare_json = results["bare PK select"]["rps"], results["bare JSON"]["rps"]
    rows = []
    for name, row in results.items():
        row["ratio_to_bare_pk"] = common.ratio(row["rps"], bare_pk, 3)
        row["ratio_to_bare_json"] = common.ratio(row["rps"], bare_json, 3)
        figure = f"{row['rps']} req/s, p50 {row['p50_ms']} / p99 {row['p99_ms']} ms"
        if name == "checkout + payment":
            row["checkouts_per_s"] = round(row["steps"]["checkout"]["n"] / row["seconds"], 1)
            figure += f" ({row['checkouts_per_s']} paid checkouts/s)"
        rows.append({"group": "http", "benchmark": name, "backend": stack.backend,
                     "figure": figure + (f", {row['errors']} errors" if row["errors"] else ""),
                     "baseline": f"bare PK {bare_pk} req/s", "ratio": row["ratio_to_bare_pk"]})
    return rows, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    seconds = 1.5 if args.quick else 5.0
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    rows, details = [], {}
    for backend in backends:
        if backend == "postgres" and not common.postgres_reachable():
            common.note("PostgreSQL not reachable: skipped")
            continue
        with Stack(backend, 1000, max(args.clients, 50), 150 if args.quick else 500, 0, 0, 100) as stack:
            backend_rows, details[backend] = run(stack, args.clients, seconds)
            rows += backend_rows
    common.print_table(rows, [("benchmark", "benchmark"), ("backend", "backend"), ("figure", "figure"),
                              ("baseline", "baseline"), ("ratio", "ratio")])
    common.write_json(f"http-{common.timestamp()}.json", {"load": common.load_average(), "results": details})


if __name__ == "__main__":
    main()
