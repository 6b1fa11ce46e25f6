"""A disclosure checker for the funder-safe impact report, written apart from the report's own rule.

It reads a published report as a reader would: the shown figures, the hidden ones with the range their
marker promises ("fewer than 5": a count from 0 to 4; "hidden" on a count: 5 or more; hidden money: any
amount, a contract's value at least 0), and the relations between them (the months add up to the
totals; a count of distinct members is at least its busiest month and at most the months' sum; a
month with no contracts has a value of 0). It then narrows every hidden figure's range by every sum
and difference those relations allow, until nothing changes, and tries each value left: a hidden
figure is given away when only one value fits.
"""

from __future__ import annotations

import dataclasses
import itertools

INF = float("inf")
SUPPRESSED, HIDDEN = "fewer than 5", "hidden"
COUNTS = ("members_trading", "job_starts", "contracts_won", "members_active", "members_joined",
          "members_left", "sustained_13_weeks", "sustained_26_weeks")
SUMMED = ("job_starts", "contracts_won", "sales_pence", "earnings_pence", "contracts_won_pence")
NEVER_NEGATIVE_MONEY = ("contracts_won_pence",)
MONEY_OF_COUNT = {"contracts_won_pence": "contracts_won", "sales_pence": "members_trading",
                  "earnings_pence": "members_trading", "median_earnings_pence": "members_trading"}
MONTH_FIGURES = ("members_trading", "sales_pence", "earnings_pence", "job_starts", "contracts_won",
                 "contracts_won_pence")


@dataclasses.dataclass
class Published:
    cells: dict  # cell -> an int shown, or the marker that hides it
    sums: list  # (total, [parts]): total = sum(parts)
    unions: list  # (total, [parts]): max(parts) <= total <= sum(parts)
    zero_links: list  # (count, money): no contracts in a month means no value


def published(safe: dict) -> Published:
    """Read the funder-safe version's plain data as its cells and the relations between them."""
    cells = {("total", name): value for name, value in safe.items() if name not in ("start", "end", "months")}
    for index, month in enumerate(safe["months"]):
        cells.update({(index, name): month[name] for name in MONTH_FIGURES})
    rows = range(len(safe["months"]))
    return Published(
        cells=cells,
        sums=[(("total", name), [(row, name) for row in rows]) for name in SUMMED],
        unions=[(("total", "members_trading"), [(row, "members_trading") for row in rows])],
        zero_links=[((row, "contracts_won"), (row, "contracts_won_pence")) for row in [*rows, "total"]])


def promised_range(name: str, value) -> tuple[float, float]:
    """What a reader knows of a cell from what the report shows for it."""
    if isinstance(value, int):
        return value, value
    if name in COUNTS:
        return (0, 4) if value == SUPPRESSED else (5, INF)
    return (0, INF) if name in NEVER_NEGATIVE_MONEY else (-INF, INF)


def _narrow(report: Published, ranges: dict) -> dict | None:
    """Narrow the ranges by every relation until nothing changes; None when they cannot all hold."""
    ranges = dict(ranges)

    def clip(cell, low, high) -> bool:
        old_low, old_high = ranges[cell]
        new = (max(old_low, low), min(old_high, high))
        ranges[cell] = new
        return new != (old_low, old_high)

    for _round in range(500):
        changed = False
        for total, parts in report.sums:
            lows, highs = [ranges[p][0] for p in parts], [ranges[p][1] for p in parts]
            changed |= clip(total, sum(lows), sum(highs))
            for index, part in enumerate(parts):
                others_low, others_high = _sum_except(lows, index), _sum_except(highs, index)
                changed |= clip(part, _minus(ranges[total][0], others_high), _minus(ranges[total][1], others_low))
        for total, parts in report.unions:
            highs = [ranges[p][1] for p in parts]
            changed |= clip(total, max(ranges[p][0] for p in parts), sum(highs))
            for index, part in enumerate(parts):
                changed |= clip(part, _minus(ranges[total][0], _sum_except(highs, index)), ranges[total][1])
        for count, money in report.zero_links:
            if ranges[count][1] == 0:
                changed |= clip(money, 0, 0)
            if ranges[money][0] > 0 or ranges[money][1] < 0:
                changed |= clip(count, 1, INF)
        if any(low > high for low, high in ranges.values()):
            return None
        if not changed:
            return ranges
    return ranges


def _sum_except(values: list, index: int) -> float:
    return sum(value for other, value in enumerate(values) if other != index)


def _minus(bound: float, other: float) -> float:
    """bound - other, where an unknown other (either infinity) leaves the bound unknown that way."""
    if other in (INF, -INF):
        return -other
    return bound - other


def given_away(report: Published) -> dict:
    """Return every hidden cell whose value can be worked out (cell -> its only possible value)."""
    start = {cell: promised_range(cell[1], value) for cell, value in report.cells.items()}
    narrowed = _narrow(report, start)
    assert narrowed is not None, "the shown figures contradict their own relations"
    found = {}
    for cell, value in report.cells.items():
        if isinstance(value, int):
            continue
        low, high = narrowed[cell]
        if low == -INF or high == INF or high - low > 40:
            continue  # linear relations with unit steps: a range this wide holds many whole numbers
        fits = [v for v in range(int(low), int(high) + 1) if _narrow(report, {**narrowed, cell: (v, v)})]
        if len(fits) == 1:
            found[cell] = fits[0]
    return found


def money_of_hidden_counts(report: Published) -> list:
    """Money figures shown although the count they are made from is hidden as small."""
    rows = {cell[0] for cell in report.cells}
    return [(row, money) for row, (money, count) in itertools.product(rows, MONEY_OF_COUNT.items())
            if (row, money) in report.cells and isinstance(report.cells[(row, money)], int)
            and report.cells.get((row, count)) == SUPPRESSED]
