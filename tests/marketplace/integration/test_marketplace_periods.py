"""Statement and payout periods (issue 15, items 10 and 16): a day outside the books' years (9999-12-31
has no next day, and gave a 500) is refused with 422, on the API and the statement page; a period that
ends before it starts is told so, not that it "must end before today"."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from services.marketplace.models import PayoutRun
from shared.db import utcnow
from tests.support.store_pages import StoreBrowser

LAST_WEEK = (utcnow() - dt.timedelta(days=7)).date()
YESTERDAY = (utcnow() - dt.timedelta(days=1)).date()
OUT_OF_RANGE = {
    "end on the last day of the calendar": {"start": "2026-01-01", "end": "9999-12-31"},
    "start in year one": {"start": "0001-01-01", "end": "2026-01-31"},
    "both at the calendar's ends": {"start": "0001-01-01", "end": "9999-12-31"},
    "end far ahead": {"start": "2026-01-01", "end": "2999-01-01"},
}


@pytest.fixture
def seller(market):
    return market.member(name="Paper Birds")


def statement(market, seller, period: dict):
    return market.client.get(f"/sellers/{seller.member_id}/statement", query_string=period, headers=seller.headers)


@pytest.mark.parametrize("period", OUT_OF_RANGE.values(), ids=OUT_OF_RANGE)
def test_a_statement_for_days_outside_the_books_is_refused(market, seller, period):
    response = statement(market, seller, period)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("period", OUT_OF_RANGE.values(), ids=OUT_OF_RANGE)
def test_the_statement_page_refuses_days_outside_the_books(market, seller, period):
    response = StoreBrowser(market, seller).get(f"/my-shop/statement?start={period['start']}&end={period['end']}")
    assert response.status_code == 422


def test_a_statement_for_the_last_day_of_the_books_is_answered(market, seller):
    assert statement(market, seller, {"start": "2100-12-01", "end": "2100-12-31"}).status_code == 200


def test_a_statement_that_ends_before_it_starts_says_so(market, seller):
    response = statement(market, seller, {"start": YESTERDAY.isoformat(), "end": LAST_WEEK.isoformat()})
    assert response.status_code == 422
    assert response.json["detail"] == "The period must end on or after its start."


def test_a_payout_period_that_ends_before_it_starts_says_so_not_before_today(market):
    response = market.client.post("/payouts", json={"start": YESTERDAY.isoformat(), "end": LAST_WEEK.isoformat()},
                                  headers=market.coordinator().headers)
    assert response.status_code == 422
    assert response.json["detail"] == "The period must end on or after its start."
    with market.runtime.db.sessionmaker() as session:
        assert session.scalar(select(func.count(PayoutRun.id))) == 0


@pytest.mark.parametrize("period", OUT_OF_RANGE.values(), ids=OUT_OF_RANGE)
def test_a_payout_for_days_outside_the_books_is_refused(market, period):
    response = market.client.post("/payouts", json=period, headers=market.coordinator().headers)
    assert response.status_code == 422
    with market.runtime.db.sessionmaker() as session:
        assert session.scalar(select(func.count(PayoutRun.id))) == 0


def test_a_payout_ending_today_is_still_told_the_period_must_end_before_today(market):
    today = utcnow().date().isoformat()
    response = market.client.post("/payouts", json={"start": LAST_WEEK.isoformat(), "end": today},
                                  headers=market.coordinator().headers)
    assert response.status_code == 422
    assert "before today" in response.json["detail"]
