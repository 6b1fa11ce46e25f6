"""The funder-safe impact report gives nothing away: no hidden figure can be worked out from the shown
ones (issue 15, item 14). Reports are generated; a checker written apart from the report's rule
(tests/support/disclosure.py) tries every sum and difference of what each one shows."""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.members.rules import impact_figures
from services.members.web.pages import charts
from tests.support import disclosure


def month_figures(index: int, job_starts=0, contracts=(), traders=0, contributors=None, sales=0, earnings=0):
    return impact_figures.MonthFigures(
        month=dt.date(2026 + index // 12, index % 12 + 1, 1), members_trading=traders, sales_pence=sales,
        earnings_pence=earnings, job_starts=job_starts, contracts_won=len(contracts),
        contracts_won_pence=sum(contracts),
        members_contributing=traders if contributors is None else contributors)


def report_of(months: list[impact_figures.MonthFigures], members_trading=None, members_contributing=None,
              median=None, standalone=(0, 0, 0, 0, 0)) -> impact_figures.Report:
    traders = max((m.members_trading for m in months), default=0) if members_trading is None else members_trading
    contributors = max(traders, *(m.members_contributing for m in months)) if members_contributing is None \
        else members_contributing
    active, joined, left, kept_13, kept_26 = standalone
    return impact_figures.Report(
        start=months[0].month, end=months[-1].month, members_active=active, members_joined=joined,
        members_left=left, members_trading=traders, sales_pence=sum(m.sales_pence for m in months),
        earnings_pence=sum(m.earnings_pence for m in months), median_earnings_pence=median,
        contracts_won=sum(m.contracts_won for m in months),
        contracts_won_pence=sum(m.contracts_won_pence for m in months),
        job_starts=sum(m.job_starts for m in months), sustained_13_weeks=kept_13, sustained_26_weeks=kept_26,
        months=months, members=[], members_contributing=contributors)


def everything_shown(report: impact_figures.Report) -> dict:
    """The report's figures in the funder-safe version's shape, nothing hidden."""
    data = impact_figures.coordinators_version(report)
    return {**data, "months": [{name: month[name] for name in impact_figures.MONTH_COLUMNS}
                               for month in data["months"]]}


def nothing_given_away(report: impact_figures.Report) -> dict:
    safe = impact_figures.funder_safe(report)
    published = disclosure.published(safe)
    assert disclosure.given_away(published) == {}
    assert disclosure.money_of_hidden_counts(published) == []
    return safe


# -- the two cases the review found --------------------------------------------------------------------

def test_six_job_starts_over_five_and_one_do_not_give_the_one_away():
    safe = nothing_given_away(report_of([month_figures(0, job_starts=5), month_figures(1, job_starts=1)]))
    assert safe["months"][1]["job_starts"] == impact_figures.SUPPRESSED


def test_the_value_of_fewer_than_five_contracts_is_hidden_with_them():
    safe = nothing_given_away(report_of([month_figures(0, contracts=[198_000])]))
    assert safe["contracts_won"] == impact_figures.SUPPRESSED
    assert safe["contracts_won_pence"] != 198_000 and safe["months"][0]["contracts_won_pence"] != 198_000


def test_the_checker_finds_what_hiding_only_the_small_figures_gave_away():
    # The report as it was published before: the total and the 5 shown, the 1 hidden.
    report = disclosure.published({"start": None, "end": None, "job_starts": 6, "months": [
        {"members_trading": 0, "sales_pence": 0, "earnings_pence": 0, "job_starts": 5, "contracts_won": 0,
         "contracts_won_pence": 0},
        {"members_trading": 0, "sales_pence": 0, "earnings_pence": 0, "job_starts": impact_figures.SUPPRESSED,
         "contracts_won": 0, "contracts_won_pence": 0}],
        **{name: 0 for name in ("members_trading", "sales_pence", "earnings_pence", "contracts_won",
                                 "contracts_won_pence", "median_earnings_pence", "members_active",
                                 "members_joined", "members_left", "sustained_13_weeks", "sustained_26_weeks")}})
    assert disclosure.given_away(report) == {(1, "job_starts"): 1}


def test_the_checker_finds_four_small_months_under_a_small_total():
    # 4 months with a start each and a hidden total of 4: each month must be 1, unless a 0 is hidden too.
    safe = nothing_given_away(report_of([month_figures(i, job_starts=1) for i in range(4)]
                                        + [month_figures(4), month_figures(5)]))
    assert safe["job_starts"] == impact_figures.SUPPRESSED


def test_two_months_of_four_under_a_shown_total_of_eight_are_protected():
    nothing_given_away(report_of([month_figures(0, job_starts=4), month_figures(1, job_starts=4)]))


def test_a_month_of_refunds_alone_does_not_show_what_one_member_got_back():
    safe = nothing_given_away(report_of(
        [month_figures(0, traders=6, sales=50_000, earnings=45_000),
         month_figures(1, traders=0, contributors=1, sales=-1_200, earnings=-1_080)],
        members_trading=6, members_contributing=6))
    assert safe["months"][1]["sales_pence"] == impact_figures.SUPPRESSED


# -- many generated reports ----------------------------------------------------------------------------

small_count = st.one_of(st.integers(0, 4), st.integers(0, 12))


@st.composite
def reports(draw) -> impact_figures.Report:
    months = []
    for index in range(draw(st.integers(1, 12))):
        traders = draw(small_count)
        contributors = traders + draw(st.integers(0, 2))
        sales = draw(st.integers(-5_000, 200_000)) if contributors else 0
        earnings = draw(st.integers(-4_000, 180_000)) if contributors else 0
        contracts = draw(st.lists(st.integers(0, 60_000), max_size=7))
        months.append(month_figures(index, job_starts=draw(small_count), contracts=contracts, traders=traders,
                                    contributors=contributors, sales=sales, earnings=earnings))
    busiest = max(m.members_trading for m in months)
    traders = draw(st.integers(busiest, max(busiest, sum(m.members_trading for m in months))))
    most = max(traders, *(m.members_contributing for m in months))
    contributors = draw(st.integers(most, max(most, sum(m.members_contributing for m in months))))
    median = draw(st.integers(0, 100_000)) if traders else None
    standalone = tuple(draw(small_count) for _ in range(5))
    return report_of(months, traders, contributors, median, standalone)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports())
def test_no_generated_report_gives_a_hidden_figure_away(report):
    nothing_given_away(report)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports())
def test_what_the_funder_safe_version_shows_is_true_and_its_markers_keep_their_promise(report):
    safe = impact_figures.funder_safe(report)
    truth = disclosure.published(everything_shown(report)).cells
    for cell, shown in disclosure.published(safe).cells.items():
        low, high = disclosure.promised_range(cell[1], shown)
        assert truth[cell] is None or low <= truth[cell] <= high, cell


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports())
def test_the_funder_safe_charts_show_no_hidden_number(report):
    safe = impact_figures.funder_safe(report)
    labels = [month["month"].strftime("%b %y") for month in safe["months"]]
    svg = charts.bar_chart("Job starts", labels, {"Job starts": [m["job_starts"] for m in safe["months"]],
                                                  "Contracts": [m["contracts_won"] for m in safe["months"]]})
    drawn = [int(number.replace(",", "")) for number in re.findall(r": ([\d,]+)</title>", svg)]
    shown = [m[name] for m in safe["months"] for name in ("job_starts", "contracts_won")
             if isinstance(m[name], int)]
    assert sorted(drawn) == sorted(shown)
