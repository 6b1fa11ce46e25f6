"""How the marketplace and members services hold up as data and contention grow, under gunicorn.

Measured, on a started ``http_throughput.Stack`` (SQLite, and PostgreSQL when it answers):

- catalogue search (``GET /listings?q=silver``: words in title or description, about 1 listing in 5
  matches) p50/p95 of a fixed number of requests from one client (after two unmeasured ones), at each
  catalogue size (default 1k, 10k, 100k listings, seeded
  straight into the database with bulk inserts). Ratio: p95 over the p95 at the smallest size.
- checkout with 50 concurrent buyers of one listing with less stock than they want (each buyer: add to
  cart, checkout, pay, several times over): latency p50/p95/p99 of each step, unexpected statuses
  (a sold-out 409 is expected), and a check of the database that nothing was oversold. Ratio: checkout
  p95 over the bare app's PK-select p95 at the same 50-client concurrency.
- the members' vote count with 1,000 members: ``GET /proposals/<id>`` of an open proposal with 1,000
  votes cast (turnout is counted per request) and ``POST /proposals/<id>/close`` of due proposals with
  1,000 ballots (the tally: quorum, counts, decision). Ratio: over ``GET`` of a proposal with no votes.
"""

from __future__ import annotations

from sqlalchemy import func, select

from bench import common
from bench.http_throughput import CONTENDED, Stack, checkout_steps

SEARCH = "/listings?q=silver&sort=newest"


def search(stack: Stack, sizes: list[int], requests: int) -> tuple[list[dict], dict]:
    from services.marketplace.models import Listing
    from shared.db import Database

    db = Database(stack.market_db_url)
    results = {}
    for size in sizes:
        with db.sessionmaker() as session:
            have = session.scalar(select(func.count()).select_from(Listing).where(Listing.id < CONTENDED))
            top = session.scalar(select(func.max(Listing.id)).where(Listing.id < CONTENDED)) or 0
        if size > have:
            common.note(f"{stack.backend}: growing the catalogue to {size} listings")
            common.seed_listings(db, stack.sellers, size - have, first_id=top + 1)
            if db.engine.dialect.name == "postgresql":
                with db.engine.connect() as connection:
                    connection.exec_driver_sql("ANALYZE")
        plan = {"port": stack.market.port, "clients": 1, "iterations": 2,
                "steps": [{"name": "search", "method": "GET", "path": SEARCH, "expect": [200]}]}
        common.load(plan)  # warm up: the database's cache, each worker's first connection
        results[size] = common.load({**plan, "iterations": requests})
        common.note(f"{stack.backend} search at {size}: p95 {results[size]['p95_ms']} ms")
    db.dispose()
    smallest = results[sizes[0]]["p95_ms"]
    rows = [{"group": "scale", "benchmark": f"search q= at {size:,} listings", "backend": stack.backend,
             "figure": f"p50 {row['p50_ms']} / p95 {row['p95_ms']} ms ({row['requests']} requests"
                       + (f", {row['errors']} ERRORS)" if row["errors"] else ")"),
             "baseline": f"p95 at {sizes[0]:,}: {smallest} ms", "ratio": common.ratio(row["p95_ms"], smallest)}
            for size, row in results.items()]
    return rows, {str(size): row for size, row in results.items()}


def contended_checkout(stack: Stack, buyers: int, attempts: int) -> tuple[list[dict], dict]:
    from services.marketplace.models import Order, OrderLine, Variant
    from shared.db import Database

    stock = stack.sizes["contended_stock"]
    plan = {"port": stack.market.port, "clients": buyers, "iterations": attempts,
            "tokens": stack.customer_tokens[:buyers], "steps": checkout_steps(str(CONTENDED), sold_out_ok=True)}
    result = common.load(plan)
    base = common.load({"port": stack.bare.port, "clients": buyers, "iterations": attempts * 3,
                        "ids": list(range(1, 101)),
                        "steps": [{"name": "item", "method": "GET", "path": "/items/{id}", "expect": [200]}]})
    db = Database(stack.market_db_url)
    with db.sessionmaker() as session:
        left = session.scalar(select(Variant.stock).where(Variant.listing_id == CONTENDED))
        sold = session.scalar(select(func.coalesce(func.sum(OrderLine.quantity), 0)).join(Order).where(
            OrderLine.listing_id == CONTENDED, Order.status.in_(("placed", "paid", "confirmed", "fulfilled"))))
        paid = session.scalar(select(func.count()).select_from(Order).join(OrderLine).where(
            OrderLine.listing_id == CONTENDED, Order.status == "paid"))
    db.dispose()
    result.update(stock=stock, stock_left=left, sold=sold, paid_orders=paid,
                  oversold=bool(left < 0 or sold + left != stock or sold > stock), bare=base)
    steps = result["steps"]
    common.note(f"{stack.backend} checkout x{buyers}: sold {sold}/{stock}, left {left}, errors {result['errors']}")
    figure = (f"checkout p50 {steps['checkout']['p50_ms']} / p95 {steps['checkout']['p95_ms']} / p99 "
              f"{steps['checkout']['p99_ms']} ms; pay p95 {steps['pay']['p95_ms']} ms; sold {sold}/{stock}, "
              f"{paid} paid, {'OVERSOLD' if result['oversold'] else 'no oversell'}, {result['errors']} errors")
    row = {"group": "scale", "benchmark": f"checkout, {buyers} concurrent buyers", "backend": stack.backend,
           "figure": figure, "baseline": f"bare PK p95 {base['p95_ms']} ms at {buyers}",
           "ratio": common.ratio(steps["checkout"]["p95_ms"], base["p95_ms"], 1)}
    return [row], result


def vote_count(stack: Stack, seconds: float) -> tuple[list[dict], dict]:
    members = stack.sizes["members"]
    token = [stack.coordinator_token]

    def get(pid):
        return common.load({"port": stack.members.port, "clients": 1, "seconds": seconds, "warmup": 0.3,
                            "tokens": token, "steps": [{"name": "get", "method": "GET",
                                                        "path": f"/proposals/{pid}", "expect": [200]}]})
    empty, counted = get(stack.proposals["open"][-1]), get(stack.proposals["tallied"][0])
    due = stack.proposals["due"]
    close = common.load({"port": stack.members.port, "clients": 1, "iterations": len(due), "tokens": token,
                         "seqs": [due], "steps": [{"name": "close", "method": "POST",
                                                   "path": "/proposals/{seq}/close", "expect": [200]}]})
    rows = [
        {"group": "scale", "benchmark": f"proposal GET, {members:,} votes cast", "backend": stack.backend,
         "figure": f"p50 {counted['p50_ms']} / p95 {counted['p95_ms']} ms"
                   + (f", {counted['errors']} ERRORS" if counted["errors"] else ""),
         "baseline": f"no votes: p50 {empty['p50_ms']} ms", "ratio": common.ratio(counted["p50_ms"], empty["p50_ms"])},
        {"group": "scale", "benchmark": f"proposal close (tally), {members:,} ballots", "backend": stack.backend,
         "figure": f"p50 {close['p50_ms']} / max {close['p99_ms']} ms ({close['requests']} closes, "
                   f"{close['errors']} errors)",
         "baseline": f"GET no votes p50 {empty['p50_ms']} ms", "ratio": common.ratio(close["p50_ms"], empty["p50_ms"])},
    ]
    common.note(f"{stack.backend} vote count: GET p50 {counted['p50_ms']} ms, close p50 {close['p50_ms']} ms")
    return rows, {"get_no_votes": empty, "get_counted": counted, "close": close}
