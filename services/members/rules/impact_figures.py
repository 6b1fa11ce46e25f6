"""The impact report's figures, as rules without a database: the period a report may cover, the
funder-safe version and CSV (``services.members.impact`` works the figures out from the record).

Two versions. The coordinators' version names members. The funder-safe version has no names, and
hides every count from 1 to 4 and every sum or median made from 1 to 4 members: a small number in a
small co-op can point to a person.
"""


from __future__ import annotations

import dataclasses
import datetime as dt

from shared import csv_export

SMALLEST_SHOWN = 5
SUPPRESSED = "fewer than 5"


@dataclasses.dataclass
class MonthFigures:
    month: dt.date
    members_trading: int = 0
    sales_pence: int = 0
    earnings_pence: int = 0
    job_starts: int = 0
    contracts_won: int = 0
    contracts_won_pence: int = 0
    members_contributing: int = 0  # members whose sales, refunds or work make the month's money


@dataclasses.dataclass
class MemberLine:
    """One member's part of the period (the coordinators' version only)."""

    member_id: int
    name: str
    sales_pence: int
    earnings_pence: int
    job_starts: int


@dataclasses.dataclass
class Report:
    start: dt.date  # the first day of the first month
    end: dt.date  # the first day of the last month
    members_active: int
    members_joined: int
    members_left: int
    members_trading: int
    sales_pence: int
    earnings_pence: int
    median_earnings_pence: int | None
    contracts_won: int
    contracts_won_pence: int
    job_starts: int
    sustained_13_weeks: int
    sustained_26_weeks: int
    months: list[MonthFigures]
    members: list[MemberLine]
    members_contributing: int = 0  # members whose sales, refunds or work make the period's money


# A period is whole months from January 2000 (before the co-op) to a year after this month (a plan
# may look ahead; no record is dated later), at most five years long. Outside that, the dates are a
# mistake, and far outside it (9999-12) the month after the last one does not exist.
EARLIEST_MONTH = dt.date(2000, 1, 1)
MONTHS_AHEAD = 12
LONGEST_PERIOD = 60


def latest_month(today: dt.date) -> dt.date:
    """The last month a period may reach: the same month next year."""
    return dt.date(today.year + MONTHS_AHEAD // 12, today.month, 1)


def period_problem(start: dt.date, end: dt.date, today: dt.date) -> str | None:
    """Say what is wrong with a period from start's month to end's, or None when it can be reported."""
    latest = latest_month(today)
    if not EARLIEST_MONTH <= start <= latest or not EARLIEST_MONTH <= end <= latest:
        return f"Choose months from {EARLIEST_MONTH:%B %Y} to {latest:%B %Y}."
    if end < start:
        return "The period must end after it starts."
    if (end.year - start.year) * 12 + end.month - start.month + 1 > LONGEST_PERIOD:
        return "Choose a period of at most five years."
    return None


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """Return the first day of every month from start's to end's, both included."""
    months, month = [], dt.date(start.year, start.month, 1)
    while month <= end:
        months.append(month)
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


# -- the funder-safe version --------------------------------------------------------------------------
#
# Hiding a small figure is not enough when the figures next to it give it away: a total of 6 over the
# months [5, hidden] is a 1. So, as statistical disclosure control does, the funder-safe version hides
# more figures (secondary suppression) until no hidden figure can be worked out from the shown ones:
# - a hidden count is "fewer than 5", so a reader knows it is 0 to 4; a 0 may be hidden too, to
#   protect the small counts next to it;
# - a count of 5 or more hidden to protect another is "hidden", so a reader knows only that it is 5
#   or more; a money figure hidden for the same reason is "hidden" too;
# - money made from a hidden small count (the value of fewer than 5 contracts, the sales of fewer than
#   5 members) is "fewer than 5" too;
# - the months add up to the totals (members trading: the total is at least the busiest month and at
#   most their sum); a figure is safe when, from the shown figures and these relations, a hidden one
#   can still take two values or more.

HIDDEN = "hidden"
COUNTS = ("members_trading", "job_starts", "contracts_won")
SUMMED = ("job_starts", "contracts_won", "sales_pence", "earnings_pence", "contracts_won_pence")
MADE_FROM = {"sales_pence": "members_trading", "earnings_pence": "members_trading",
             "contracts_won_pence": "contracts_won", "median_earnings_pence": "members_trading"}
STANDALONE = ("members_active", "members_joined", "members_left", "sustained_13_weeks", "sustained_26_weeks")
INFINITY = float("inf")
TOTAL = "total"


def funder_safe(report: Report) -> dict:
    """Return the report without names, small counts and what they give away hidden."""
    value = {(TOTAL, name): getattr(report, name) for name in (*COUNTS, *SUMMED, *STANDALONE,
                                                               "median_earnings_pence")}
    value[(TOTAL, "members_contributing")] = report.members_contributing
    for index, month in enumerate(report.months):
        for name in (*COUNTS, *SUMMED, "members_contributing"):
            value[(index, name)] = getattr(month, name)
    hidden = secondary_suppression(value, len(report.months))

    def shown(key):
        return hidden.get(key, value[key])

    totals = {name: shown((TOTAL, name)) for name in (*COUNTS, *SUMMED, *STANDALONE, "median_earnings_pence")}
    return {
        "start": report.start, "end": report.end, **totals,
        "months": [{"month": month.month, **{name: shown((index, name)) for name in MONTH_COLUMNS[1:]}}
                   for index, month in enumerate(report.months)],
    }


def secondary_suppression(value: dict, months: int) -> dict:
    """Return the cells to hide (cell -> marker): the small ones, what they are made of, and enough
    others that none of them can be worked out again."""
    hidden: dict = {}
    for key, number in value.items():
        if key[1] in (*COUNTS, *STANDALONE) and 1 <= number < SMALLEST_SHOWN:
            hidden[key] = SUPPRESSED
        # Money made from 1 to 4 members, counting those who only had a refund, points to them.
        if key[1] in ("sales_pence", "earnings_pence", "median_earnings_pence") and \
                1 <= value[(key[0], "members_contributing")] < SMALLEST_SHOWN:
            hidden[key] = SUPPRESSED
    rows = [*range(months), TOTAL]
    while True:
        before = dict(hidden)
        for row in rows:
            for money, count in MADE_FROM.items():
                if (row, money) in value and hidden.get((row, count)) == SUPPRESSED:
                    hidden.setdefault((row, money), SUPPRESSED)
        for name in SUMMED:
            _protect(name, months, value, hidden, _forced_in_sum)
        _protect("members_trading", months, value, hidden, _forced_in_union)
        if hidden == before:
            return hidden


def known_bounds(key, value: dict, hidden: dict) -> tuple[float, float]:
    """What a reader of the funder-safe version knows of a cell: its value, or the range its marker says."""
    if key not in hidden:
        return value[key], value[key]
    if key[1] in COUNTS:
        return (0, SMALLEST_SHOWN - 1) if hidden[key] == SUPPRESSED else (SMALLEST_SHOWN, INFINITY)
    return (0, INFINITY) if key[1] == "contracts_won_pence" else (-INFINITY, INFINITY)


def _protect(name: str, months: int, value: dict, hidden: dict, forced) -> None:
    """Hide more cells of one figure (its months and total) until no hidden one is pinned down."""
    parts = [(index, name) for index in range(months)]
    total = (TOTAL, name)
    while forced([known_bounds(key, value, hidden) for key in (total, *parts)],
                 [key in hidden for key in (total, *parts)]):
        spare = _complement(name, total, parts, value, hidden)
        if spare is None:
            return
        is_zero_count = name in COUNTS and value[spare] == 0
        hidden[spare] = SUPPRESSED if is_zero_count else HIDDEN


def _complement(name: str, total, parts: list, value: dict, hidden: dict):
    """The next cell to hide: a zero month first (it loses least), then the smallest month, then the
    total. A money figure whose count is shown as 0 is known to be 0, so hiding it would not help."""
    count = MADE_FROM.get(name)
    candidates = [key for key in parts if key not in hidden
                  and not (count and value[(key[0], count)] == 0 and (key[0], count) not in hidden)]
    candidates.sort(key=lambda key: (value[key] != 0, abs(value[key])))
    if total not in hidden:
        candidates.append(total)
    return candidates[0] if candidates else None


def _forced_in_sum(bounds: list, hidden: list) -> bool:
    """Whether a hidden cell of total = sum(months) can take only one value, given the others' ranges
    (bounds and hidden: the total first, then the months)."""
    (total_lo, total_hi), parts = bounds[0], bounds[1:]
    if hidden[0] and _pinned(bounds[0], (sum(lo for lo, _hi in parts), sum(hi for _lo, hi in parts))):
        return True
    return any(_pinned(parts[index], (total_lo - _others(parts, index, 1), total_hi - _others(parts, index, 0)))
               for index, is_hidden in enumerate(hidden[1:]) if is_hidden)


def _forced_in_union(bounds: list, hidden: list) -> bool:
    """Whether a hidden cell of a count of distinct members (the busiest month <= total <= the months'
    sum) can take only one value."""
    (total_lo, total_hi), parts = bounds[0], bounds[1:]
    if hidden[0] and _pinned(bounds[0], (max(lo for lo, _hi in parts), sum(hi for _lo, hi in parts))):
        return True
    return any(_pinned(parts[index], (total_lo - _others(parts, index, 1), total_hi))
               for index, is_hidden in enumerate(hidden[1:]) if is_hidden)


def _others(parts: list, index: int, end: int) -> float:
    """The sum of the other months' lowest (end 0) or highest (end 1) values."""
    return sum(part[end] for other, part in enumerate(parts) if other != index)


def _pinned(own: tuple, implied: tuple) -> bool:
    return max(own[0], implied[0]) >= min(own[1], implied[1])


def coordinators_version(report: Report) -> dict:
    """Return the whole report as plain data (names included)."""
    return dataclasses.asdict(report)


# -- CSV ----------------------------------------------------------------------------------------------

MONTH_COLUMNS = ("month", "members_trading", "sales_pence", "earnings_pence", "job_starts", "contracts_won",
                 "contracts_won_pence")
TOTAL_ROWS = ("members_active", "members_joined", "members_left", "members_trading", "sales_pence",
              "earnings_pence", "median_earnings_pence", "contracts_won", "contracts_won_pence", "job_starts",
              "sustained_13_weeks", "sustained_26_weeks")


def as_csv(figures: dict) -> str:
    """Write a report (either version's plain data) as CSV: the totals, then one row a month, then
    members when the version has them. Money stays in pence, so a spreadsheet adds it up exactly."""
    rows: list[list] = [["period", figures["start"], figures["end"]]]
    rows += [[name, figures[name]] for name in TOTAL_ROWS]
    rows += [[], list(MONTH_COLUMNS)]
    rows += [[month[column] for column in MONTH_COLUMNS] for month in figures["months"]]
    if figures.get("members"):
        rows += [[], ["member_id", "name", "sales_pence", "earnings_pence", "job_starts"]]
        rows += [[line["member_id"], line["name"], line["sales_pence"], line["earnings_pence"], line["job_starts"]]
                 for line in figures["members"]]
    return csv_export.write_rows(rows)
