"""Employers register, a coordinator approves them, and approved employers post vacancies; the
disclosure calculator answers anyone and keeps nothing."""

import datetime as dt

import pytest

from shared.db import utcnow

NEXT_MONTH = (utcnow() + dt.timedelta(days=30)).date().isoformat()
EMPLOYER = {"name": "Green Kitchen Ltd", "contact_name": "Robin Green", "email": "jobs@greenkitchen.example",
            "sector": "catering", "about": "A cafe chain that hires people with convictions."}
VACANCY = {"title": "Kitchen assistant", "sector": "catering", "skills": ["cooking", "food hygiene"],
           "location": "LS6", "hours_per_week": 25, "pay_pence_per_hour": 1300, "contract_type": "permanent",
           "closing_on": NEXT_MONTH}


def register(agency, account_id=7001):
    employer = agency.signed_in(account_id, ("employer",))
    response = agency.client.post("/employers", json=EMPLOYER, headers=employer.headers)
    assert response.status_code == 201, response.json
    return employer, response.json


@pytest.fixture
def approved(agency):
    employer, registered = register(agency)
    response = agency.client.post(f"/employers/{registered['id']}/approve", headers=agency.coordinator().headers)
    assert response.status_code == 200, response.json
    return employer


def test_a_registered_employer_waits_for_approval(agency):
    employer, registered = register(agency)
    assert registered["status"] == "pending"
    assert agency.client.get("/employers/me", headers=employer.headers).json["status"] == "pending"


def test_an_employer_registers_once(agency):
    employer, _ = register(agency)
    assert agency.client.post("/employers", json=EMPLOYER, headers=employer.headers).status_code == 409


def test_a_pending_employer_cannot_post_vacancies(agency):
    employer, _ = register(agency)
    assert agency.client.post("/vacancies", json=VACANCY, headers=employer.headers).status_code == 403


def test_coordinators_list_employers_waiting_for_approval(agency):
    register(agency)
    waiting = agency.client.get("/employers?status=pending", headers=agency.coordinator().headers).json
    assert [e["name"] for e in waiting] == ["Green Kitchen Ltd"]


def test_an_employer_is_decided_once(agency, approved):
    [employer] = agency.client.get("/employers", headers=agency.coordinator().headers).json
    assert agency.client.post(f"/employers/{employer['id']}/refuse",
                              headers=agency.coordinator().headers).status_code == 409


@pytest.mark.parametrize("role", ["member", "employer", "customer"])
def test_only_coordinators_approve_employers(agency, role):
    _, registered = register(agency)
    caller = agency.signed_in(7100, (role,))
    assert agency.client.post(f"/employers/{registered['id']}/approve", headers=caller.headers).status_code == 403


def test_an_approved_employer_posts_a_vacancy_everyone_signed_in_can_see(agency, approved):
    response = agency.client.post("/vacancies", json=VACANCY, headers=approved.headers)
    assert response.status_code == 201, response.json
    assert response.json["employer_name"] == "Green Kitchen Ltd"
    listed = agency.client.get("/vacancies?sector=catering", headers=agency.customer().headers).json
    assert [v["title"] for v in listed] == ["Kitchen assistant"]


@pytest.mark.parametrize("bad", [
    {"hours_per_week": 0}, {"pay_pence_per_hour": -1}, {"pay_pence_per_hour": 12.5}, {"location": "Leeds"},
    {"contract_type": "slavery"}, {"involves": ["juggling"]}, {"closing_on": "2020-01-01"},
    {"dbs_check": "enhanced"},  # only an exempt role may ask for it
])
def test_a_bad_vacancy_is_refused(agency, approved, bad):
    assert agency.client.post("/vacancies", json={**VACANCY, **bad}, headers=approved.headers).status_code == 422
    assert agency.client.get("/vacancies", headers=approved.headers).json == []


def test_an_exempt_role_may_ask_for_an_enhanced_check(agency, approved):
    body = {**VACANCY, "title": "Nursery cook", "involves": ["children"], "exempt": True, "dbs_check": "enhanced"}
    assert agency.client.post("/vacancies", json=body, headers=approved.headers).status_code == 201


def test_only_the_employer_who_posted_it_closes_a_vacancy(agency, approved):
    vacancy = agency.client.post("/vacancies", json=VACANCY, headers=approved.headers).json
    other, _ = register(agency, account_id=7002)
    assert agency.client.post(f"/vacancies/{vacancy['id']}/close", headers=other.headers).status_code == 403
    response = agency.client.post(f"/vacancies/{vacancy['id']}/close", headers=approved.headers)
    assert response.status_code == 200 and response.json["status"] == "closed"
    assert agency.client.get("/vacancies", headers=approved.headers).json == []


def test_the_calculator_answers_without_signing_in(agency):
    response = agency.client.post("/disclosure-calculator", json={
        "kind": "custody", "convicted_on": "2022-01-10", "ended_on": "2023-01-09", "custody_months": 12})
    assert response.status_code == 200, response.json
    assert response.json["spent_on"] == "2024-01-09" and response.json["spent_today"] is True
    assert any("legal adviser" in caveat for caveat in response.json["caveats"])


@pytest.mark.parametrize("bad", [{"kind": "custody", "convicted_on": "2022-01-10", "ended_on": "2023-01-09"},
                                 {"kind": "community_order", "convicted_on": "2022-01-10"},
                                 {"kind": "fine", "convicted_on": "2022-01-10", "ended_on": "2021-01-01"},
                                 {"kind": "birching", "convicted_on": "2022-01-10"}])
def test_the_calculator_refuses_an_incomplete_question(agency, bad):
    assert agency.client.post("/disclosure-calculator", json=bad).status_code == 422
