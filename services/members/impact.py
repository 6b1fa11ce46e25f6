"""The impact report: what the co-op achieved in a period, worked out from the member's record and
membership, in the coordinators' version or the funder-safe one (the rules: ``rules/impact_figures.py``).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.members import member_record
from services.members.models import Member, RecordEntry, StatusChange
from services.members.rules.impact_figures import (
    MemberLine,
    MonthFigures,
    Report,
    coordinators_version,
    funder_safe,
    months_between,
)


def report_in_version(session: Session, start: dt.date, end: dt.date, version: str) -> dict:
    """The report for the months from start's to end's, as plain data of one version."""
    report = impact_report(session, start, end)
    return funder_safe(report) if version == "funder" else coordinators_version(report)


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
    contributors_by_month: dict[dt.date, set[int]] = defaultdict(set)
    per_member: dict[int, member_record.Month] = {}
    for member_id, month, kind, gross, net in entries:
        figures = by_month[month]
        if kind == member_record.CONTRACT_WON:
            figures.contracts_won += 1
            figures.contracts_won_pence += gross
            continue
        mine = per_member.setdefault(member_id, member_record.Month(first))
        monthly = member_record.Month(month)
        member_record.add_entry(monthly, kind, gross, net)
        member_record.add_entry(mine, kind, gross, net)
        figures.sales_pence += monthly.sales_pence - monthly.refunds_pence
        figures.earnings_pence += monthly.earnings_pence
        figures.job_starts += monthly.placements_started
        if kind in (member_record.SALE, member_record.WORK_DONE):
            traders_by_month[month].add(member_id)
        if kind in (member_record.SALE, member_record.REFUND, member_record.WORK_DONE):
            contributors_by_month[month].add(member_id)
    for month, traders in traders_by_month.items():
        by_month[month].members_trading = len(traders)
    for month, contributors in contributors_by_month.items():
        by_month[month].members_contributing = len(contributors)
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
        members_contributing=len(set().union(*contributors_by_month.values())),
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
