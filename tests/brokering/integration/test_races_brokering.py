"""Many requests at one brokering-service transition at once, through a real threaded server.

Each test fires N requests together (tests/support/concurrency.py) and then checks the database: one
effect, no 5xx, each event published once. On PostgreSQL these are real races; on SQLite the write
lock serialises them, and the same answers must come out.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import func, select

from services.brokering.models import (
    Application,
    CheckIn,
    Consent,
    Disclosure,
    DisclosureAccess,
    Employer,
    JobSeeker,
    Placement,
    SharedDisclosure,
    Vacancy,
)
from shared.db import utcnow
from tests.support.brokering import DISCLOSURE
from tests.support.concurrency import N, at_once, serve, statuses
from tests.support.outbox import published

_accounts = itertools.count(880_000)
# Long enough ago that every check-in is due.
START = utcnow().date() - dt.timedelta(weeks=40)


@pytest.fixture
def server(agency):
    with serve(agency.app) as running:
        yield running


@pytest.fixture
def coordinator(agency):
    return agency.coordinator()


# Helpers: applications at each stage, placements, and what the database holds afterwards


def stage_events(agency, stage: str) -> int:
    return len(published(agency, "application.stage_changed", stage=stage))


def row(agency, model, ident):
    with agency.runtime.db.sessionmaker() as session:
        return session.get(model, ident)


def count(agency, model, *where) -> int:
    with agency.runtime.db.sessionmaker() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def registered_employer(agency):
    """An employer's account and its organisation, waiting for a coordinator's decision."""
    trader = agency.signed_in(next(_accounts), ("employer",))
    response = agency.client.post("/employers", headers=trader.headers, json={
        "name": "Blue Cafe", "contact_name": "Ash Blue", "email": "jobs@blue.example", "sector": "catering"})
    assert response.status_code == 201, response.json
    return trader, response.json


def applied(agency, disclosure: dict | None = DISCLOSURE):
    """An employer, a job seeker (with a disclosure unless told not) and the seeker's application."""
    hire = agency.employer()
    jo = agency.job_seeker("Jo", disclosure=disclosure, skills=["cooking"])
    return hire, jo, agency.application(jo, agency.vacancy(hire))


def conditional_offer(agency, disclosure: dict | None = DISCLOSURE):
    hire, jo, application = applied(agency, disclosure)
    return hire, jo, agency.moved(hire, application, "conditional_offer")


def confirmed_offer(agency):
    hire, jo, application = conditional_offer(agency, disclosure=None)
    return hire, jo, agency.moved(hire, application, "offer_confirmed")


def consented(agency):
    hire, jo, application = conditional_offer(agency)
    response = agency.client.post(f"/applications/{application['id']}/consent", headers=jo.headers)
    assert response.status_code == 200, response.json
    return hire, jo, response.json


def placement(agency) -> dict:
    """A placement that started 40 weeks ago: every check-in is due."""
    _, jo, application = confirmed_offer(agency)
    agency.moved(jo, application, "accepted", start_on=START.isoformat())
    [made] = agency.client.get("/placements", headers=agency.coordinator().headers).json
    return made


def consent_state(agency, application: dict) -> tuple[bool, bool]:
    """Whether the application's consent stands, and whether a shared copy of the disclosure exists."""
    consent = row(agency, Consent, application["id"])
    return (consent is not None and consent.withdrawn_at is None,
            row(agency, SharedDisclosure, application["id"]) is not None)


# Employers and vacancies


def test_one_account_registering_an_employer_many_times_at_once_registers_one(agency, server):
    trader = agency.signed_in(next(_accounts), ("employer",))
    body = {"name": "Blue Cafe", "contact_name": "Ash Blue", "email": "jobs@blue.example", "sector": "catering"}
    answers = at_once([lambda: server.post("/employers", body, trader.headers)] * N)
    assert statuses(answers) == {201: 1, 409: N - 1}, statuses(answers)
    assert {answer.body["detail"] for answer in answers if answer.status == 409} == {
        "This account has already registered an employer."}
    assert count(agency, Employer, Employer.account_id == trader.account_id) == 1


def test_an_employer_approved_many_times_at_once_is_approved_once(agency, server, coordinator):
    _, employer = registered_employer(agency)
    answers = at_once([lambda: server.post(f"/employers/{employer['id']}/approve", {}, coordinator.headers)] * N)
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    assert {answer.body["detail"] for answer in answers if answer.status == 409} == {
        "This employer is already approved."}


def test_an_employer_approved_and_refused_at_once_is_decided_once(agency, server, coordinator):
    _, employer = registered_employer(agency)
    answers = at_once([lambda decision=("approve", "refuse")[i % 2]: server.post(
        f"/employers/{employer['id']}/{decision}", {}, coordinator.headers) for i in range(N)])
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    [decided] = [answer for answer in answers if answer.status == 200]
    assert row(agency, Employer, employer["id"]).status == decided.body["status"]


def test_a_vacancy_closed_many_times_at_once_is_closed_once(agency, server):
    hire = agency.employer()
    vacancy = agency.vacancy(hire)
    answers = at_once([lambda: server.post(f"/vacancies/{vacancy['id']}/close", {}, hire.headers)] * N)
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    assert row(agency, Vacancy, vacancy["id"]).status == "closed"


# Applications and their stages


def test_one_job_seeker_applying_many_times_at_once_makes_one_application(agency, server):
    hire = agency.employer()
    vacancy, jo = agency.vacancy(hire), agency.job_seeker("Jo", skills=["cooking"])
    answers = at_once([lambda: server.post(f"/vacancies/{vacancy['id']}/applications", {}, jo.headers)] * N)
    assert statuses(answers) == {201: 1, 409: N - 1}, statuses(answers)
    assert count(agency, Application, Application.vacancy_id == vacancy["id"]) == 1
    assert len(published(agency, "application.submitted")) == 1


def test_an_application_moved_to_interview_many_times_at_once_moves_once(agency, server):
    hire, _, application = applied(agency)
    answers = at_once([lambda: server.post(f"/applications/{application['id']}/interview", {}, hire.headers)] * N)
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    assert stage_events(agency, "interview") == 1


def test_an_offer_accepted_many_times_at_once_makes_one_placement(agency, server):
    _, jo, application = confirmed_offer(agency)
    body = {"start_on": START.isoformat()}
    answers = at_once([lambda: server.post(f"/applications/{application['id']}/accepted", body, jo.headers)] * N)
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    assert {answer.body["detail"] for answer in answers if answer.status == 409} == {
        "An application at accepted cannot move to accepted; it can from offer confirmed."}
    assert count(agency, Placement, Placement.application_id == application["id"]) == 1
    assert (stage_events(agency, "accepted"), len(published(agency, "placement.started"))) == (1, 1)


def test_an_offer_accepted_and_withdrawn_at_once_ends_one_way(agency, server):
    _, jo, application = confirmed_offer(agency)
    body = {"start_on": START.isoformat()}
    answers = at_once([lambda stage=("accepted", "withdrawn")[i % 2]: server.post(
        f"/applications/{application['id']}/{stage}", body, jo.headers) for i in range(N)])
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    stage = row(agency, Application, application["id"]).stage
    placements = count(agency, Placement, Placement.application_id == application["id"])
    assert (stage, placements) in (("accepted", 1), ("withdrawn", 0)), (stage, placements)
    assert stage_events(agency, "accepted") + stage_events(agency, "withdrawn") == 1


def test_an_application_rejected_and_withdrawn_at_once_ends_one_way(agency, server):
    hire, jo, application = conditional_offer(agency)
    calls = [lambda: server.post(f"/applications/{application['id']}/rejected", {"reason": "Filled."},
                                 hire.headers),
             lambda: server.post(f"/applications/{application['id']}/withdrawn", {}, jo.headers)] * (N // 2)
    answers = at_once(calls)
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    assert stage_events(agency, "rejected") + stage_events(agency, "withdrawn") == 1


# Consent to share a disclosure


def test_consent_given_many_times_at_once_is_given_once(agency, server):
    _, jo, application = conditional_offer(agency)
    answers = at_once([lambda: server.post(f"/applications/{application['id']}/consent", {}, jo.headers)] * N)
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    assert {answer.body["detail"] for answer in answers if answer.status == 409} == {
        "You already consented to share your disclosure for this application."}
    assert stage_events(agency, "disclosure") == 1
    assert consent_state(agency, application) == (True, True)


def test_consent_withdrawn_many_times_at_once_is_withdrawn_once(agency, server):
    _, jo, application = consented(agency)
    path = f"/applications/{application['id']}/consent-withdrawal"
    answers = at_once([lambda: server.post(path, {}, jo.headers)] * N)
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    assert consent_state(agency, application) == (False, False)


def test_consent_given_and_withdrawn_at_once_never_leaves_a_copy_without_consent(agency, server):
    _, jo, application = consented(agency)
    answers = at_once([lambda choice=("consent-withdrawal", "consent")[i % 2]: server.post(
        f"/applications/{application['id']}/{choice}", {}, jo.headers) for i in range(N)])
    assert set(statuses(answers)) <= {200, 409}, statuses(answers)
    standing, shared = consent_state(agency, application)
    assert standing == shared, {"consent stands": standing, "copy shared": shared}


def test_consent_given_while_the_application_is_rejected_leaves_no_copy(agency, server):
    hire, jo, application = conditional_offer(agency)
    calls = [lambda: server.post(f"/applications/{application['id']}/consent", {}, jo.headers)] * (N - 1)
    calls.insert(N // 2, lambda: server.post(f"/applications/{application['id']}/rejected",
                                             {"reason": "Filled."}, hire.headers))
    answers = at_once(calls)
    assert set(statuses(answers)) <= {200, 409}, statuses(answers)
    assert row(agency, Application, application["id"]).stage == "rejected"
    assert consent_state(agency, application) == (False, False)


def test_an_employer_reading_while_consent_is_withdrawn_reads_only_before_it(agency, server):
    hire, jo, application = consented(agency)
    calls = [lambda: server.send("GET", f"/applications/{application['id']}/disclosure", None,
                                 hire.headers)] * (N - 1)
    calls.insert(N // 2, lambda: server.post(f"/applications/{application['id']}/consent-withdrawal", {},
                                             jo.headers))
    answers = at_once(calls)
    assert set(statuses(answers)) <= {200, 403}, statuses(answers)
    withdrawn_at = row(agency, Consent, application["id"]).withdrawn_at
    with agency.runtime.db.sessionmaker() as session:
        readings = session.scalars(select(DisclosureAccess.at).where(
            DisclosureAccess.application_id == application["id"])).all()
    assert len(readings) == statuses(answers)[200] - 1  # the withdrawal's own answer is a 200 too
    assert all(at < withdrawn_at for at in readings), (readings, withdrawn_at)


# Placements


def test_a_check_in_recorded_many_times_at_once_is_recorded_once_and_sustains_one_job(agency, server, coordinator):
    made = placement(agency)
    path = f"/placements/{made['id']}/check-ins/13w"
    answers = at_once([lambda: server.post(path, {"in_work": True}, coordinator.headers)] * N)
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    assert {answer.body["detail"] for answer in answers if answer.status == 409} == {
        "The 13w check-in is already recorded."}
    assert len(published(agency, "placement.sustained")) == 1


def test_a_check_in_in_work_is_never_recorded_after_the_placement_ended_before_it_was_due(
        agency, server, coordinator):
    made = placement(agency)
    ended_on = (START + dt.timedelta(weeks=10)).isoformat()  # before the 13-week check-in was due
    calls = [lambda: server.post(f"/placements/{made['id']}/check-ins/13w", {"in_work": True},
                                 coordinator.headers)] * (N - 1)
    calls.insert(N // 2, lambda: server.post(f"/placements/{made['id']}/end",
                                             {"ended_on": ended_on, "reason": "moved_on"}, coordinator.headers))
    answers = at_once(calls)
    assert set(statuses(answers)) <= {200, 409}, statuses(answers)
    [ended] = published(agency, "placement.ended")
    with agency.runtime.db.sessionmaker() as session:
        check_in = session.scalar(select(CheckIn).where(CheckIn.placement_id == made["id"],
                                                        CheckIn.milestone == "13w"))
    if check_in.in_work:  # then it was recorded while the placement was still going
        assert check_in.done_at < dt.datetime.fromisoformat(ended["occurred_at"]), (check_in.done_at, ended)
    assert len(published(agency, "placement.sustained")) == (1 if check_in.in_work else 0)


def test_a_placement_ended_many_times_at_once_ends_once(agency, server, coordinator):
    made = placement(agency)
    body = {"ended_on": (START + dt.timedelta(weeks=30)).isoformat(), "reason": "moved_on"}
    answers = at_once([lambda: server.post(f"/placements/{made['id']}/end", body, coordinator.headers)] * N)
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    assert len(published(agency, "placement.ended")) == 1


# Profiles and disclosure


def test_a_profile_closed_many_times_at_once_is_closed_once(agency, server):
    jo = agency.job_seeker("Jo", disclosure=DISCLOSURE)
    answers = at_once([lambda: server.post("/job-seekers/me/close", {}, jo.headers)] * N)
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    assert len(published(agency, "job_seeker.closed")) == 1


def test_a_first_disclosure_written_many_times_at_once_is_saved(agency, server):
    jo = agency.job_seeker("Jo")
    answers = at_once([lambda: server.send("PUT", "/job-seekers/me/disclosure", DISCLOSURE, jo.headers)] * N)
    assert statuses(answers) == {200: N}, statuses(answers)
    assert count(agency, Disclosure) == 1


def test_a_disclosure_written_while_the_profile_closes_is_deleted_with_it(agency, server):
    jo = agency.job_seeker("Jo", disclosure=DISCLOSURE)
    calls = [lambda: server.send("PUT", "/job-seekers/me/disclosure", DISCLOSURE, jo.headers)] * (N - 1)
    calls.insert(N // 2, lambda: server.post("/job-seekers/me/close", {}, jo.headers))
    answers = at_once(calls)
    assert set(statuses(answers)) <= {200, 409}, statuses(answers)
    with agency.runtime.db.sessionmaker() as session:
        seeker = session.scalar(select(JobSeeker).where(JobSeeker.account_id == jo.account_id))
        assert seeker.status == "closed"
        assert session.get(Disclosure, seeker.id) is None


def test_consent_given_while_the_profile_closes_leaves_no_copy(agency, server):
    _, jo, application = conditional_offer(agency)
    calls = [lambda: server.post(f"/applications/{application['id']}/consent", {}, jo.headers)] * (N - 1)
    calls.insert(N // 2, lambda: server.post("/job-seekers/me/close", {}, jo.headers))
    answers = at_once(calls)
    assert set(statuses(answers)) <= {200, 409}, statuses(answers)
    assert row(agency, SharedDisclosure, application["id"]) is None


def test_disclosure_readings_at_once_are_each_logged(agency, server, coordinator):
    agency.job_seeker("Jo", disclosure=DISCLOSURE)
    [seeker] = agency.client.get("/job-seekers", headers=coordinator.headers).json
    path = f"/job-seekers/{seeker['id']}/disclosure-readings"
    answers = at_once([lambda: server.post(path, {"purpose": "Checking a referral."}, coordinator.headers)] * N)
    assert statuses(answers) == {200: N}, statuses(answers)
    assert count(agency, DisclosureAccess, DisclosureAccess.job_seeker_id == seeker["id"]) == N


def test_a_proposal_agreed_to_many_times_at_once_is_agreed_once(agency, server, coordinator):
    hire = agency.employer()
    vacancy, jo = agency.vacancy(hire), agency.job_seeker("Jo", skills=["cooking"])
    seeker_id = agency.client.get("/job-seekers/me", headers=jo.headers).json["id"]
    proposed = agency.client.post(f"/vacancies/{vacancy['id']}/applications", json={"job_seeker_id": seeker_id},
                                  headers=coordinator.headers)
    assert proposed.status_code == 201, proposed.json
    path = f"/applications/{proposed.json['id']}/agreement"
    answers = at_once([lambda: server.post(path, {}, jo.headers)] * N)
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    assert row(agency, Application, proposed.json["id"]).agreed_at is not None
