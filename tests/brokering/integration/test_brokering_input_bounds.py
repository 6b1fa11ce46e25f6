"""Bad input to brokering gets a clear 422, never a wrong answer or a 500: pay below the National Minimum
Wage for the vacancy's age band, a conviction dated in the future, dates at the calendar's edges."""

import dataclasses
import datetime as dt

import pytest

from shared.db import utcnow
from tests.support.brokering import VACANCY, Browser

TOMORROW = (utcnow() + dt.timedelta(days=1)).date().isoformat()


@pytest.fixture
def hire(agency):
    return agency.employer()


def post_vacancy(agency, hire, **fields):
    return agency.client.post("/vacancies", json={**VACANCY, **fields}, headers=hire.headers)


@pytest.mark.parametrize("pence", [1, 799, 1270])
def test_a_vacancy_paying_below_the_national_living_wage_is_refused(agency, hire, pence):
    response = post_vacancy(agency, hire, pay_pence_per_hour=pence)
    assert response.status_code == 422


def test_a_vacancy_paying_the_national_living_wage_is_accepted(agency, hire):
    assert post_vacancy(agency, hire, pay_pence_per_hour=1271).status_code == 201


@pytest.mark.parametrize(("fields", "least"), [
    ({"age_band": "21_plus"}, 1271), ({"age_band": "18_to_20"}, 1085), ({"age_band": "under_18"}, 800),
    ({"contract_type": "apprenticeship"}, 800), ({}, 1271)])
def test_each_age_band_pays_at_least_its_minimum_wage(agency, hire, fields, least):
    assert post_vacancy(agency, hire, pay_pence_per_hour=least - 1, **fields).status_code == 422
    assert post_vacancy(agency, hire, pay_pence_per_hour=least, **fields).status_code == 201


def test_the_refusal_says_what_the_minimum_is(agency, hire):
    response = post_vacancy(agency, hire, pay_pence_per_hour=1000, age_band="18_to_20")
    assert "£10.85" in response.json["detail"]


def test_the_minimum_wage_is_a_setting(agency, hire, monkeypatch):
    given = agency.runtime.collaborators
    higher = dataclasses.replace(given.settings, minimum_wage_21_plus_pence=1400)
    monkeypatch.setattr(agency.runtime, "collaborators", dataclasses.replace(given, settings=higher))
    assert post_vacancy(agency, hire, pay_pence_per_hour=1300).status_code == 422


def test_the_vacancy_page_refuses_pay_below_the_minimum_wage(agency, hire):
    response = Browser(agency, hire).post("/employer/vacancies", {
        "title": "Cook", "sector": "catering", "location": "LS6", "hours_per_week": "20", "pay": "12.00",
        "contract_type": "permanent", "closing_on": (utcnow() + dt.timedelta(days=9)).date().isoformat()})
    assert response.status_code == 422 and "Minimum Wage" in response.get_data(as_text=True)


@pytest.mark.parametrize("question", [
    {"kind": "fine", "convicted_on": TOMORROW},
    {"kind": "fine", "convicted_on": "9999-12-31"},
    {"kind": "custody", "convicted_on": "2020-01-01", "ended_on": "9999-12-31", "custody_months": 60},
    {"kind": "community_order", "convicted_on": "1066-10-14", "ended_on": "1067-01-01"},
])
def test_the_calculator_refuses_dates_in_the_future_or_off_the_calendar(agency, question):
    response = agency.client.post("/disclosure-calculator", json=question)
    assert response.status_code == 422, response.json


def test_the_calculator_page_shows_the_error_for_a_conviction_in_9999(agency):
    response = agency.app.test_client().post("/jobs/calculator", data={"kind": "fine", "convicted_on": "9999-01-01"})
    assert response.status_code == 422 and "convicted_on" in response.get_data(as_text=True)


def test_the_calculator_page_refuses_a_conviction_in_the_future(agency):
    response = agency.app.test_client().post("/jobs/calculator", data={"kind": "fine", "convicted_on": TOMORROW})
    assert response.status_code == 422


def test_the_outcomes_refuse_a_period_off_the_calendar(agency):
    response = agency.client.get("/outcomes?start=2026-01-01&end=9999-12-31", headers=agency.coordinator().headers)
    assert response.status_code == 422


def test_a_vacancy_closing_in_9999_is_refused(agency, hire):
    assert post_vacancy(agency, hire, closing_on="9999-12-31").status_code == 422


def test_the_openapi_document_states_the_date_range_and_the_least_pay(agency):
    spec = agency.client.get("/openapi.json").json
    calculator = spec["components"]["schemas"]["CalculatorIn"]["properties"]["convicted_on"]
    assert (calculator["x-minimum"], calculator["x-maximum"]) == ("1900-01-01", "2200-12-31")
    assert spec["components"]["schemas"]["VacancyIn"]["properties"]["pay_pence_per_hour"]["minimum"] == 800
