"""The impact report: what the co-op achieved in a period, from the member's record and membership.

Two versions. The coordinators' version names members. The funder-safe version has no names, and
hides every count from 1 to 4 and every sum or median made from 1 to 4 members: a small number in a
small co-op can point to a person.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import statistics
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.members import record
from services.members.models import Member, RecordEntry, StatusChange

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


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """Return the first day of every month from start's to end's, both included."""
    months, month = [], record.first_of_month(start)
    while month <= end:
        months.append(month)
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def impact_report(session: Session, start: dt.date, end: dt.date) -> Report:
    """Work out the coordinators' report for the months from start's to end's."""
    months = months_between(start, end)
    first, after = months[0], months_between(months[-1], months[-1] + dt.timedelta(days=31))[-1]
    entries = session.execute(
        select(RecordEntry.member_id, RecordEntry.month, RecordEntry.kind, RecordEntry.gross_pence,
               RecordEntry.net_pence)
        .where(RecordEntry.month >= first, RecordEntry.month < after)).all()
    by_month = {month: MonthFigures(month) for month in months}
    traders_by_month: dict[dt.date, set[int]] = defaultdict(set)
    per_member: dict[int, record.Month] = {}
    for member_id, month, kind, gross, net in entries:
        figures = by_month[month]
        if kind == record.CONTRACT_WON:
            figures.contracts_won += 1
            figures.contracts_won_pence += gross
            continue
        mine = per_member.setdefault(member_id, record.Month(first))
        monthly = record.Month(month)
        record.add_entry(monthly, kind, gross, net)
        record.add_entry(mine, kind, gross, net)
        figures.sales_pence += monthly.sales_pence - monthly.refunds_pence
        figures.earnings_pence += monthly.earnings_pence
        figures.job_starts += monthly.placements_started
        if kind in (record.SALE, record.WORK_DONE):
            traders_by_month[month].add(member_id)
    for month, traders in traders_by_month.items():
        by_month[month].members_trading = len(traders)
    traders = set().union(*traders_by_month.values()) if traders_by_month else set()
    earnings = [per_member[member_id].earnings_pence for member_id in traders]
    names = dict(session.execute(select(Member.id, Member.name).where(Member.id.in_(list(per_member)))).all())
    joined, left, active = _membership(session, first, after)
    return Report(
        start=first, end=months[-1], members_active=active, members_joined=joined, members_left=left,
        members_trading=len(traders),
        sales_pence=sum(m.sales_pence - m.refunds_pence for m in per_member.values()),
        earnings_pence=sum(m.earnings_pence for m in per_member.values()),
        median_earnings_pence=round(statistics.median(earnings)) if earnings else None,
        contracts_won=sum(f.contracts_won for f in by_month.values()),
        contracts_won_pence=sum(f.contracts_won_pence for f in by_month.values()),
        job_starts=sum(m.placements_started for m in per_member.values()),
        sustained_13_weeks=sum(m.sustained_13_weeks for m in per_member.values()),
        sustained_26_weeks=sum(m.sustained_26_weeks for m in per_member.values()),
        months=list(by_month.values()),
        members=sorted((MemberLine(member_id, names.get(member_id, f"Member {member_id}"),
                                   m.sales_pence - m.refunds_pence, m.earnings_pence, m.placements_started)
                        for member_id, m in per_member.items()), key=lambda line: line.name),
    )


def _membership(session: Session, first: dt.date, after: dt.date) -> tuple[int, int, int]:
    """Members admitted and members who left in the period, and members active at its end."""
    start = dt.datetime(first.year, first.month, first.day, tzinfo=dt.UTC)
    end = dt.datetime(after.year, after.month, after.day, tzinfo=dt.UTC)
    changes = session.execute(select(StatusChange.member_id, StatusChange.to_status, StatusChange.changed_at)
                              .where(StatusChange.changed_at < end).order_by(StatusChange.id)).all()
    # A suspended member coming back is not a new member: joining is the first admission.
    active_before = {member for member, status, at in changes if status == "active" and at < start}
    joined = {member for member, status, at in changes if status == "active" and at >= start} - active_before
    left = sum(1 for _member, status, at in changes if status == "left" and at >= start)
    latest = {member: status for member, status, _at in changes}
    return len(joined), left, sum(1 for status in latest.values() if status == "active")


# -- the funder-safe version --------------------------------------------------------------------------

def funder_safe(report: Report) -> dict:
    """Return the report without names, with small counts and what is made from them suppressed."""
    # Nothing is not a small number: a zero points to nobody, so it is shown.
    def count(value: int) -> int | str:
        return value if value == 0 or value >= SMALLEST_SHOWN else SUPPRESSED

    def made_from(members: int, value: int | None) -> int | str | None:
        return value if members == 0 or members >= SMALLEST_SHOWN else SUPPRESSED

    return {
        "start": report.start, "end": report.end,
        "members_active": count(report.members_active), "members_joined": count(report.members_joined),
        "members_left": count(report.members_left), "members_trading": count(report.members_trading),
        "sales_pence": made_from(report.members_trading, report.sales_pence),
        "earnings_pence": made_from(report.members_trading, report.earnings_pence),
        "median_earnings_pence": made_from(report.members_trading, report.median_earnings_pence),
        "contracts_won": count(report.contracts_won), "contracts_won_pence": report.contracts_won_pence,
        "job_starts": count(report.job_starts), "sustained_13_weeks": count(report.sustained_13_weeks),
        "sustained_26_weeks": count(report.sustained_26_weeks),
        "months": [{"month": m.month, "members_trading": count(m.members_trading),
                    "sales_pence": made_from(m.members_trading, m.sales_pence),
                    "earnings_pence": made_from(m.members_trading, m.earnings_pence),
                    "job_starts": count(m.job_starts), "contracts_won": count(m.contracts_won),
                    "contracts_won_pence": m.contracts_won_pence}
                   for m in report.months],
    }


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
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["period", figures["start"], figures["end"]])
    for name in TOTAL_ROWS:
        writer.writerow([name, figures[name]])
    writer.writerow([])
    writer.writerow(MONTH_COLUMNS)
    for month in figures["months"]:
        writer.writerow([month[column] for column in MONTH_COLUMNS])
    if figures.get("members"):
        writer.writerow([])
        writer.writerow(["member_id", "name", "sales_pence", "earnings_pence", "job_starts"])
        for line in figures["members"]:
            writer.writerow([line["member_id"], line["name"], line["sales_pence"], line["earnings_pence"],
                             line["job_starts"]])
    return out.getvalue()
