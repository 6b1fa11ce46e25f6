"""The impact report's rules that need no database: periods, charts, CSV."""

import csv
import datetime as dt
import io

from services.members.rules import impact_figures
from services.members.web.pages import charts


def test_a_period_runs_over_the_turn_of_the_year():
    assert impact_figures.months_between(dt.date(2026, 11, 1), dt.date(2027, 2, 1)) == [
        dt.date(2026, 11, 1), dt.date(2026, 12, 1), dt.date(2027, 1, 1), dt.date(2027, 2, 1)]


def test_a_chart_draws_one_bar_per_value_and_marks_a_suppressed_one():
    svg = charts.bar_chart("Job starts", ["Jan", "Feb", "Mar"], {"Starts": [7, impact_figures.SUPPRESSED, 0]})
    assert svg.startswith("<svg") and svg.count("<rect") == 3  # two bars and the legend's swatch
    assert "&lt;5" in svg


def test_a_chart_escapes_what_it_is_given():
    assert "<b>" not in charts.bar_chart("<b>Sales</b>", ["Jan"], {"Sales & earnings": [1]})


def test_the_csv_keeps_money_in_pence():
    figures = {"start": dt.date(2026, 1, 1), "end": dt.date(2026, 1, 1), "months": [
        {"month": dt.date(2026, 1, 1), "members_trading": 5, "sales_pence": 1234, "earnings_pence": 1000,
         "job_starts": 0, "contracts_won": 0, "contracts_won_pence": 0}],
        **{name: 0 for name in impact_figures.TOTAL_ROWS}}
    rows = list(csv.reader(io.StringIO(impact_figures.as_csv(figures))))
    assert ["2026-01-01", "5", "1234", "1000", "0", "0", "0"] in rows
