"""The targets of issue 19, read from one run's results: each target, the figure measured, met or not.

A target whose group did not run (``--only``, no PostgreSQL, nameko not runnable) is "not measured".
"""

from __future__ import annotations

CELERY2, FLOOR, NAMEKO = "Celery (2 worker processes)", "floor (bare kombu + inbox)", "nameko"
ONE, TWO = "project (1 consumer process)", "project (2 consumer processes)"
SCALES = 1.2  # "more consumer processes scale it": two processes drain at least 1.2x what one does


def _check(target: str, value, ok, shown: str | None = None) -> dict:
    if value is None:
        return {"target": target, "measured": "not measured", "met": None, "verdict": "not measured"}
    met = bool(ok(value))
    return {"target": target, "measured": shown or str(value), "met": met, "verdict": "met" if met else "NOT MET"}


def evaluate(details: dict) -> list[dict]:
    peers = details.get("peers", {}).get("summary", {})
    ratios = peers.get("ratios", {})
    one = peers.get(ONE, {})
    pg = details.get("postgres", {})
    http = pg.get("http", {})
    statements = details.get("statements", {}).get("postgres", {}).get("checkout")
    race = pg.get("checkout_contended")
    checkout_rate = http.get("checkout + payment", {}).get("ratio_to_bare_pk")
    browse_rate = http.get("catalogue browse", {}).get("ratio_to_bare_pk")
    race_p95 = race["steps"]["checkout"]["p95_ms"] if race else None
    return [
        _check("sustained, one consumer process: >= 1.2x Celery with 2 worker processes",
               ratios.get("sustained_vs_celery2"), lambda v: v >= 1.2,
               f"{ratios.get('sustained_vs_celery2')}x ({one.get('events_per_s')} vs "
               f"{peers.get(CELERY2, {}).get('events_per_s')} events/s)"),
        _check("sustained, one consumer process: >= 0.6x the floor", ratios.get("sustained_vs_floor"),
               lambda v: v >= 0.6,
               f"{ratios.get('sustained_vs_floor')}x (floor {peers.get(FLOOR, {}).get('events_per_s')} events/s)"),
        _check(f"2 consumer processes on one quorum queue: >= {SCALES}x one", ratios.get("sustained_2_vs_1"),
               lambda v: v >= SCALES, f"{ratios.get('sustained_2_vs_1')}x ({peers.get(TWO, {}).get('events_per_s')} "
                                      "events/s)"),
        _check("commit -> effect p50 at 50 events/s: no slower than nameko (<= 1.0x)", ratios.get("p50_vs_nameko"),
               lambda v: v <= 1.0, f"{ratios.get('p50_vs_nameko')}x ({one.get('p50_ms')} vs "
                                   f"{peers.get(NAMEKO, {}).get('p50_ms')} ms)"),
        _check("commit -> effect p99 at 50 events/s: < 15 ms", one.get("p99_ms"), lambda v: v < 15,
               f"{one.get('p99_ms')} ms"),
        _check("checkout + payment: <= 20 statements for the 3 requests (PostgreSQL)",
               statements and statements["statements"], lambda v: v <= 20,
               statements and f"{statements['statements']:g} statements"),
        _check("checkout + payment: 3 commits for the 3 requests (PostgreSQL)", statements and statements["commits"],
               lambda v: v <= 3, statements and f"{statements['commits']:g} commits"),
        _check("checkout + payment: >= 0.15x the bare PK endpoint (PostgreSQL)", checkout_rate, lambda v: v >= 0.15,
               f"{checkout_rate}x"),
        _check("catalogue page: >= 0.3x the bare PK endpoint (PostgreSQL)", browse_rate, lambda v: v >= 0.3,
               f"{browse_rate}x"),
        _check("50-buyer race: checkout p95 < 1 s (PostgreSQL)", race_p95, lambda v: v < 1000, f"{race_p95} ms"),
        _check("50-buyer race: never oversold (PostgreSQL)", race and not race["oversold"], lambda v: v,
               race and ("never oversold" if not race["oversold"] else "OVERSOLD")),
    ]


COLUMNS = [("target", "target"), ("measured", "measured"), ("verdict", "met?")]
