"""Placements and outcomes: check-ins at 6, 13 and 26 weeks and 6 months; sustained jobs published;
outcome counts per period and per employer with no personal data."""

import datetime as dt

import pytest

from services.brokering.placements import due_dates, outcomes, record_check_in
from shared.auth import Principal
from tests.support.outbox import published

START = dt.date(2026, 1, 5)


@pytest.fixture
def placement(agency):
    hire = agency.employer()
    jo = agency.job_seeker("Jo", skills=["cooking"])
    application = agency.application(jo, agency.vacancy(hire))
    for who, stage in ((hire, "conditional_offer"), (hire, "offer_confirmed")):
        application = agency.moved(who, application, stage)
    agency.moved(jo, application, "accepted", start_on=START.isoformat())
    [made] = agency.client.get("/placements", headers=agency.coordinator().headers).json
    return made


def check_in(agency, placement, milestone, in_work=True):
    return agency.client.post(f"/placements/{placement['id']}/check-ins/{milestone}", json={"in_work": in_work},
                              headers=agency.coordinator().headers)


def test_check_ins_fall_due_at_6_13_and_26_weeks_and_6_months():
    assert due_dates(START) == {"6w": dt.date(2026, 2, 16), "13w": dt.date(2026, 4, 6),
                                "26w": dt.date(2026, 7, 6), "6m": dt.date(2026, 7, 5)}


def test_a_placement_started_is_published_without_personal_data(agency, placement):
    [started] = published(agency, "placement.started")
    assert set(started) == {"placement_id", "job_seeker_id", "employer_id", "kind", "start_on", "occurred_at"}


def test_still_in_work_at_13_weeks_publishes_a_sustained_job(agency, placement):
    assert check_in(agency, placement, "13w").status_code == 200
    [sustained] = published(agency, "placement.sustained")
    assert sustained["milestone"] == "13w"


def test_in_work_at_6_weeks_is_recorded_but_is_not_a_sustained_job(agency, placement):
    assert check_in(agency, placement, "6w").status_code == 200
    assert published(agency, "placement.sustained") == []


def test_a_check_in_is_recorded_once(agency, placement):
    check_in(agency, placement, "6w")
    assert check_in(agency, placement, "6w").status_code == 409


def test_a_check_in_not_yet_due_is_refused(agency, placement):
    with agency.runtime.db.transaction() as session, pytest.raises(Exception, match="not due"):
        record_check_in(session, Principal(1, ("coordinator",)), placement["id"], "26w", in_work=True,
                        today=dt.date(2026, 3, 1))


def test_an_ended_placement_records_why_and_is_published(agency, placement):
    response = agency.client.post(f"/placements/{placement['id']}/end", headers=agency.coordinator().headers,
                                  json={"ended_on": "2026-03-01", "reason": "moved_on"})
    assert response.status_code == 200 and response.json["end_reason"] == "moved_on"
    assert published(agency, "placement.ended")[0]["reason"] == "moved_on"


def test_a_placement_cannot_end_before_it_starts_or_twice(agency, placement):
    headers = agency.coordinator().headers

    def end(on):
        return agency.client.post(f"/placements/{placement['id']}/end", headers=headers,
                                  json={"ended_on": on, "reason": "other"}).status_code
    assert end("2025-12-01") == 422
    assert end("2026-03-01") == 200
    assert end("2026-03-02") == 409


def test_outcomes_count_starts_and_sustained_jobs_per_employer_with_no_personal_data(agency, placement):
    check_in(agency, placement, "6w")
    check_in(agency, placement, "13w")
    response = agency.client.get("/outcomes?start=2026-01-01&end=2026-12-31", headers=agency.coordinator().headers)
    assert response.status_code == 200
    assert response.json["totals"] == {"job_starts": 1, "in_work_6_weeks": 1, "sustained_13_weeks": 1,
                                       "sustained_26_weeks": 0, "in_work_6_months": 0}
    [row] = response.json["per_employer"]
    assert row["employer"] == "Green Kitchen Ltd" and set(row) == {"employer", *response.json["totals"]}


def test_outcomes_count_only_what_falls_in_the_period(agency, placement):
    check_in(agency, placement, "13w")  # due in April 2026
    with agency.runtime.db.sessionmaker() as session:
        report = outcomes(session, dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    assert report["totals"]["job_starts"] == 0 and report["totals"]["sustained_13_weeks"] == 0


@pytest.mark.parametrize("role", ["employer", "member", "customer"])
def test_only_coordinators_see_placements_and_outcomes(agency, placement, role):
    caller = agency.signed_in(9100, (role,))
    assert agency.client.get("/placements", headers=caller.headers).status_code == 403
    assert agency.client.get("/outcomes?start=2026-01-01&end=2026-12-31", headers=caller.headers).status_code == 403
