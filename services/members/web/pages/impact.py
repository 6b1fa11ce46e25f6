"""The impact report's pages, for coordinators: charts and tables for a period, as a page, a printable
page and CSV, in the coordinators' version or the funder-safe one (no names, nothing under 5).

Signing in and CSRF are shared with the other services' pages (``shared/pages.py``).
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from flask import Blueprint, Response, render_template, request

from services.members import impact
from services.members.rules import impact_figures
from services.members.web.pages import charts
from shared.errors import DomainError, Forbidden, Unprocessable
from shared.money import pounds
from shared.pages import add_session_routes, csrf_token, needs_sign_in, signed_in
from shared.service import db_session

blp = Blueprint("impact", __name__, url_prefix="/impact", template_folder="templates")
VERSIONS = {"coordinators": "Coordinators' version (names members)",
            "funder": "Funder-safe version (no names; counts under 5 hidden)"}

add_session_routes(blp, "impact.report_page")


@blp.context_processor
def page_globals():
    return {"principal": signed_in, "csrf_token": csrf_token, "pounds": shown_pounds}


@blp.errorhandler(DomainError)
def refused(error: DomainError):
    return render_template("impact/error.html", error=error), error.status


def coordinators_only(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not signed_in().has_any("coordinator", "admin"):
            raise Forbidden("The impact report is for the co-op's coordinators.")
        return view(*args, **kwargs)
    return needs_sign_in(wrapper)


def shown_pounds(value) -> str:
    """Pence as pounds, or the suppression marker as it is."""
    return pounds(value) if isinstance(value, int) else (value or "–")


def chosen_period() -> tuple[dt.date, dt.date, str]:
    """Read ?from=YYYY-MM&to=YYYY-MM&version=; by default the twelve months up to this one."""
    today = dt.date.today()
    default_from = dt.date(today.year - 1, today.month, 1) if today.month == 12 else dt.date(
        today.year - 1, today.month + 1, 1)
    start = _month(request.args.get("from"), default_from, "from")
    end = _month(request.args.get("to"), dt.date(today.year, today.month, 1), "to")
    problem = impact_figures.period_problem(start, end, today)
    if problem:
        raise Unprocessable(problem)
    version = request.args.get("version", "coordinators")
    if version not in VERSIONS:
        raise Unprocessable("Choose the coordinators' or the funder-safe version.")
    return start, end, version


def _month(text: str | None, default: dt.date, field: str) -> dt.date:
    if not text:
        return default
    if not re.fullmatch(r"\d{4}-\d{2}", text, re.ASCII) or not 1 <= int(text[5:]) <= 12 or int(text[:4]) < 1:
        raise Unprocessable(f"Give '{field}' as a year and month, for example 2026-04.")
    return dt.date(int(text[:4]), int(text[5:]), 1)


def figures() -> tuple[dict, str]:
    start, end, version = chosen_period()
    return impact.report_in_version(db_session(), start, end, version), version


def chart_svgs(data: dict) -> list[str]:
    labels = [month["month"].strftime("%b %y") for month in data["months"]]
    column = {name: [month[name] for month in data["months"]] for name in impact_figures.MONTH_COLUMNS}
    return [
        charts.bar_chart("Sales and members' earnings, by month", labels,
                         {"Sales": column["sales_pence"], "Earnings": column["earnings_pence"]}, money=True),
        charts.bar_chart("Members trading and job starts, by month", labels,
                         {"Members trading": column["members_trading"], "Job starts": column["job_starts"]}),
    ]


@blp.get("/")
@coordinators_only
def report_page():
    """The report for a period, with its charts."""
    return _report(printable=False)


@blp.get("/print")
@coordinators_only
def printable_page():
    """The report on its own, laid out for paper (the browser's Print makes the PDF)."""
    return _report(printable=True)


def _report(printable: bool) -> str:
    data, version = figures()
    return render_template("impact/report.html", data=data, version=version, versions=VERSIONS,
                           charts=chart_svgs(data), printable=printable, query=request.args.to_dict())


@blp.get("/report.csv")
@coordinators_only
def report_csv():
    """The report's figures as CSV, money in pence."""
    data, version = figures()
    name = f"impact-{data['start']:%Y-%m}-to-{data['end']:%Y-%m}-{version}.csv"
    return Response(impact_figures.as_csv(data), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
