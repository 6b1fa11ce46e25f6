"""The impact report: its figures are the sums of the events; the funder-safe version has no names and
hides small numbers; coordinators see it as a page with charts, as CSV and as a printable page."""

from __future__ import annotations

import collections
import csv
import datetime as dt
import io
import json
import statistics

import pytest

from services.members import impact
from services.members.handlers import RECORD_SUBSCRIPTIONS
from services.members.rules import impact_figures
from tests.support import record as scenarios

YEAR = (dt.date(2026, 1, 1), dt.date(2026, 12, 1))
QUERY = "from=2026-01&to=2026-12"


def deliver_all(coop, events) -> None:
    for event in events:
        assert coop.runtime.processor.process(json.dumps(event.to_dict())).value == "handled"


def apply_at_once(coop, events) -> None:
    """Apply the events with the consumer's own schemas and handlers, in one transaction and without a
    write each: the year's thousands of events, one transaction each, took most of this file's time
    (the consumer's own path, inbox and all, is tested in test_member_record)."""
    with coop.runtime.db.transaction() as session:
        for event in events:
            subscription = RECORD_SUBSCRIPTIONS[event.type]
            subscription.handler(session, event.with_data(subscription.schema().load(event.data)))


def report(coop, start=YEAR[0], end=YEAR[1]) -> impact_figures.Report:
    with coop.runtime.db.sessionmaker() as session:
        return impact.impact_report(session, start, end)


@pytest.fixture(scope="module")
def scenario():
    """A year of 500 members: thousands of events."""
    return scenarios.generate(list(range(7000, 7500)), seed=3)


@pytest.fixture(scope="module")
def small_year():
    return scenarios.generate(list(range(9000, 9060)), seed=4)


def test_the_reports_figures_are_the_sums_of_the_generated_events(coop, scenario):
    assert len(scenario.events) > 2000
    apply_at_once(coop, scenario.events)
    found = report(coop)
    totals = collections.Counter()
    earnings_by_member, trading_by_month = {}, collections.defaultdict(set)
    for member_id, months in scenario.expected.items():
        months = {month: sums for month, sums in months.items() if month.year == 2026}  # some spill into 2027
        for month, sums in months.items():
            totals.update(sums)
            if sums["sales_pence"] or sums["work_done_pence"]:
                trading_by_month[month].add(member_id)
        earnings_by_member[member_id] = sum(sums["earnings_pence"] for sums in months.values())
    traders = set().union(*trading_by_month.values())
    assert found.sales_pence == totals["sales_pence"] - totals["refunds_pence"]
    assert found.earnings_pence == totals["earnings_pence"]
    assert found.members_trading == len(traders)
    assert found.median_earnings_pence == round(statistics.median(earnings_by_member[m] for m in traders))
    assert found.job_starts == totals["placements_started"]
    assert found.sustained_13_weeks == totals["sustained_13_weeks"]
    assert [m.members_trading for m in found.months] == [
        len(trading_by_month[dt.date(2026, month, 1)]) for month in range(1, 13)]
    assert sum(m.sales_pence for m in found.months) == found.sales_pence


def test_a_shorter_period_counts_only_its_own_months(coop, small_year):
    apply_at_once(coop, small_year.events)
    march = dt.date(2026, 3, 1)
    expected = sum(sums["sales_pence"] - sums["refunds_pence"] for months in small_year.expected.values()
                   for month, sums in months.items() if month == march)
    assert report(coop, march, march).sales_pence == expected


def test_contracts_won_are_counted_with_their_value(coop):
    from services.contracts.events import CATALOG

    signed = [CATALOG.build("contract.signed", {
        "contract_id": number, "reference": f"C-{number}", "title": "Cards", "buyer_name": "Leaf & Co",
        "sector": "cards", "state": "signed", "total_pence": 10_000 * number, "currency": "GBP", "round_number": 1,
        "occurred_at": dt.datetime(2026, 4, 2, tzinfo=dt.UTC)}) for number in (1, 2)]
    deliver_all(coop, signed)
    found = report(coop)
    assert (found.contracts_won, found.contracts_won_pence) == (2, 30_000)


def test_members_joining_and_leaving_are_counted_from_their_history(coop):
    for status in ("active", "active", "left"):
        coop.member(status=status)
    today = dt.date.today().replace(day=1)
    found = report(coop, today, today)
    assert (found.members_joined, found.members_left, found.members_active) == (3, 1, 2)


def test_the_funder_safe_version_hides_counts_under_five_and_sums_of_fewer_than_five_members(coop):
    deliver_all(coop, scenarios.generate([8001, 8002, 8003], seed=5).events)
    safe = impact_figures.funder_safe(report(coop))
    assert safe["members_trading"] == impact_figures.SUPPRESSED
    assert safe["sales_pence"] == safe["median_earnings_pence"] == impact_figures.SUPPRESSED
    assert all(month["members_trading"] in (impact_figures.SUPPRESSED, 0) or month["members_trading"] >= 5
               for month in safe["months"])
    assert "members" not in safe


def test_the_funder_safe_version_shows_a_zero(coop):
    assert impact_figures.funder_safe(report(coop))["job_starts"] == 0


def test_the_funder_safe_version_shows_counts_of_five_or_more(coop, small_year):
    apply_at_once(coop, small_year.events)
    safe = impact_figures.funder_safe(report(coop))
    assert safe["members_trading"] == report(coop).members_trading >= 5


# -- the pages ---------------------------------------------------------------------------------------

class Browser:
    """A test client signed in through the pages' session cookie."""

    def __init__(self, coop, person):
        self.client = coop.app.test_client()
        self.client.set_cookie("coop_token", person.headers["Authorization"].removeprefix("Bearer "))

    def get(self, path):
        return self.client.get(f"/impact{path}")


@pytest.fixture
def coordinator_browser(coop, small_year):
    apply_at_once(coop, small_year.events)
    return Browser(coop, coop.coordinator())


def test_the_report_page_shows_the_totals_and_two_charts(coordinator_browser):
    page = coordinator_browser.get(f"/?{QUERY}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "January 2026 to December 2026" in text and text.count("<svg") == 2 and "<h2>Members</h2>" in text


def test_the_funder_safe_page_names_nobody(coop, coordinator_browser):
    text = coordinator_browser.get(f"/?{QUERY}&version=funder").get_data(as_text=True)
    assert "Funder-safe" in text and "<h2>Members</h2>" not in text


def test_the_csv_has_the_totals_and_a_row_a_month(coordinator_browser):
    response = coordinator_browser.get(f"/report.csv?{QUERY}&version=funder")
    assert response.mimetype == "text/csv" and "funder" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["period", "2026-01-01", "2026-12-01"]
    header = rows.index(list(impact_figures.MONTH_COLUMNS))
    assert [row[0] for row in rows[header + 1:header + 13]] == [f"2026-{month:02d}-01" for month in range(1, 13)]


def test_the_printable_page_has_no_navigation_or_form(coordinator_browser):
    text = coordinator_browser.get(f"/print?{QUERY}").get_data(as_text=True)
    assert "<svg" in text and "<header>" not in text and 'class="period"' not in text


def test_a_member_cannot_see_the_report(coop):
    assert Browser(coop, coop.member()).get("/").status_code == 403


def test_without_a_session_the_report_asks_to_sign_in(coop):
    response = coop.app.test_client().get("/impact/")
    assert response.status_code == 302 and "/impact/sign-in" in response.headers["Location"]


def test_mounted_under_a_prefix_the_sign_in_comes_back_under_it(coop):
    response = coop.app.test_client().get("/impact/?from=2026-01", base_url="http://localhost/members")
    assert response.headers["Location"].endswith("/members/impact/sign-in?next=/members/impact/?from%3D2026-01")


@pytest.mark.parametrize("query", ["from=2026-13", "from=26-01", "from=2026-05&to=2026-01", "version=press",
                                   "from=2000-01&to=2026-01"])
def test_a_bad_period_is_refused_with_a_message(coop, query):
    response = Browser(coop, coop.coordinator()).get(f"/?{query}")
    assert response.status_code == 422 and 'role="alert"' in response.get_data(as_text=True)
