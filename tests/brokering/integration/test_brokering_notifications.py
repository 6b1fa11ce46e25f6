"""What the brokering service publishes so that people are told: whom an application's move concerns and
who made it; that someone read a job seeker's disclosure (who and when, never what it says or why); and
a reminder, once per check-in, when a placement's check-in falls due. No person's name goes on the bus."""

from __future__ import annotations

import datetime as dt

import pytest

from services.brokering.app import build_runtime
from services.brokering.placements import remind_of_due_check_ins, remind_of_due_check_ins_job
from services.brokering.settings import BrokeringSettings
from tests.support.brokering import DISCLOSURE, Browser
from tests.support.concurrency import at_once
from tests.support.outbox import published

START = dt.date(2026, 1, 5)  # its 6-week, 13-week, 26-week and 6-month check-ins are all due by now


@pytest.fixture
def hire(agency):
    return agency.employer("Green Kitchen Ltd")


@pytest.fixture
def vacancy(agency, hire):
    return agency.vacancy(hire, title="Kitchen assistant")


@pytest.fixture
def jo(agency):
    return agency.job_seeker("Jo", DISCLOSURE, skills=["cooking"])


@pytest.fixture
def applied(agency, jo, vacancy):
    return agency.application(jo, vacancy)


@pytest.fixture
def offered(agency, hire, applied):
    return agency.moved(hire, applied, "conditional_offer")


def placed(agency, hire, jo, vacancy, start_on=START) -> dict:
    application = agency.application(jo, vacancy)
    for stage in ("conditional_offer", "offer_confirmed"):
        application = agency.moved(hire, application, stage)
    agency.moved(jo, application, "accepted", start_on=start_on.isoformat())
    return next(p for p in agency.client.get("/placements", headers=agency.coordinator().headers).json
                if p["application_id"] == application["id"])


def remind(agency, today: dt.date | None = None) -> list[int]:
    with agency.runtime.db.transaction() as session:
        return remind_of_due_check_ins(session, today or dt.date.today())


def check_in(agency, placement, milestone):
    response = agency.client.post(f"/placements/{placement['id']}/check-ins/{milestone}", json={"in_work": True},
                                  headers=agency.coordinator().headers)
    assert response.status_code == 200, response.json


# application.stage_changed


def test_a_move_names_whom_to_tell_and_the_vacancy(agency, hire, jo, offered):
    [event] = published(agency, "application.stage_changed")

    assert (event["job_seeker_account_id"], event["employer_account_id"], event["vacancy_title"]) == (
        jo.account_id, hire.trader.account_id, "Kitchen assistant")


@pytest.mark.parametrize(("mover", "stage", "moved_by"), [
    ("hire", "conditional_offer", "employer"), ("jo", "withdrawn", "job_seeker"),
    ("coordinator", "withdrawn", "coordinator")])
def test_a_move_says_who_made_it(agency, request, applied, mover, stage, moved_by):
    who = agency.coordinator() if mover == "coordinator" else request.getfixturevalue(mover)

    agency.moved(who, applied, stage)

    [event] = published(agency, "application.stage_changed")
    assert (event["stage"], event["moved_by"]) == (stage, moved_by)


def test_sharing_a_disclosure_is_a_move_by_the_job_seeker(agency, jo, offered):
    assert agency.client.post(f"/applications/{offered['id']}/consent", headers=jo.headers).status_code == 200

    event = published(agency, "application.stage_changed")[-1]
    assert (event["stage"], event["moved_by"]) == ("disclosure", "job_seeker")


def test_a_move_for_a_referred_person_without_an_account_names_no_job_seeker_account(agency, hire, vacancy):
    coordinator = agency.coordinator()
    tasha = agency.client.post("/job-seekers", headers=coordinator.headers,
                               json={"display_name": "Tasha", "skills": ["cooking"]}).json
    application = agency.client.post(f"/vacancies/{vacancy['id']}/applications",
                                     json={"job_seeker_id": tasha["id"]}, headers=coordinator.headers)
    assert application.status_code == 201, application.json

    agency.moved(coordinator, application.json, "withdrawn")

    [event] = published(agency, "application.stage_changed")
    assert event["job_seeker_account_id"] is None


# disclosure.read


def test_an_employer_reading_a_shared_disclosure_is_published_with_the_organisations_name(agency, hire, jo,
                                                                                          offered):
    agency.client.post(f"/applications/{offered['id']}/consent", headers=jo.headers)
    assert agency.client.get(f"/applications/{offered['id']}/disclosure", headers=hire.headers).status_code == 200

    [event] = published(agency, "disclosure.read")

    [submitted] = published(agency, "application.submitted")
    assert event == {"job_seeker_id": submitted["job_seeker_id"], "job_seeker_account_id": jo.account_id,
                     "reader_name": "Green Kitchen Ltd", "reader_role": "employer",
                     "read_at": event["read_at"], "occurred_at": event["read_at"]}


def seeker_id(agency) -> int:
    [submitted] = published(agency, "application.submitted")
    return submitted["job_seeker_id"]


def test_a_coordinator_reading_a_disclosure_is_published_as_a_co_op_coordinator(agency, jo, applied):
    response = agency.client.post(f"/job-seekers/{seeker_id(agency)}/disclosure-readings",
                                  json={"purpose": "Checking the licence conditions before a match."},
                                  headers=agency.coordinator().headers)
    assert response.status_code == 200, response.json

    [event] = published(agency, "disclosure.read")

    assert (event["reader_name"], event["reader_role"], event["job_seeker_account_id"]) == (
        "a co-op coordinator", "coordinator", jo.account_id)


def test_a_disclosure_read_says_nothing_of_what_it_says_or_why_it_was_read(agency, jo, applied):
    purpose = "Checking the licence conditions before a match."
    agency.client.post(f"/job-seekers/{seeker_id(agency)}/disclosure-readings", json={"purpose": purpose},
                       headers=agency.coordinator().headers)

    [event] = published(agency, "disclosure.read")

    said = str(event)
    assert set(event) == {"job_seeker_id", "job_seeker_account_id", "reader_name", "reader_role", "read_at",
                          "occurred_at"}
    assert purpose not in said and DISCLOSURE["statement"] not in said and "children" not in said


def test_a_job_seeker_reading_her_own_disclosure_publishes_nothing(agency, jo):
    assert agency.client.get("/job-seekers/me/disclosure", headers=jo.headers).status_code == 200

    assert published(agency, "disclosure.read") == []


# placement.check_in_due


def test_a_check_in_fallen_due_is_published_for_the_coordinator(agency, hire, jo, vacancy):
    placement = placed(agency, hire, jo, vacancy)

    remind(agency, dt.date(2026, 2, 16))  # the 6-week check-in's day

    [event] = published(agency, "placement.check_in_due")
    assert event == {"placement_id": placement["id"], "check_in_id": event["check_in_id"],
                     "employer_name": "Green Kitchen Ltd", "due_on": "2026-02-16",
                     "placement_path": f"/brokering/jobs/desk#placement-{placement['id']}",
                     "occurred_at": event["occurred_at"]}


def test_a_check_in_is_not_published_before_it_falls_due(agency, hire, jo, vacancy):
    placed(agency, hire, jo, vacancy)

    assert remind(agency, dt.date(2026, 2, 15)) == []


def test_a_check_in_fallen_due_is_published_only_once(agency, hire, jo, vacancy):
    placed(agency, hire, jo, vacancy)

    assert len(remind(agency)) == 4
    assert remind(agency) == []
    assert len(published(agency, "placement.check_in_due")) == 4


def test_a_recorded_check_in_is_not_published(agency, hire, jo, vacancy):
    placement = placed(agency, hire, jo, vacancy)
    check_in(agency, placement, "6w")

    remind(agency)

    due = sorted(event["due_on"] for event in published(agency, "placement.check_in_due"))
    assert due == ["2026-04-06", "2026-07-05", "2026-07-06"]  # 13w, 6m, 26w: not the recorded 6w


def test_a_check_in_due_after_the_placement_ended_is_not_published(agency, hire, jo, vacancy):
    placement = placed(agency, hire, jo, vacancy)
    ended = agency.client.post(f"/placements/{placement['id']}/end", headers=agency.coordinator().headers,
                               json={"ended_on": "2026-03-01", "reason": "moved_on"})
    assert ended.status_code == 200, ended.json

    remind(agency)

    assert [event["due_on"] for event in published(agency, "placement.check_in_due")] == ["2026-02-16"]


def test_a_check_in_due_names_no_job_seeker(agency, hire, jo, vacancy):
    placed(agency, hire, jo, vacancy)

    remind(agency)

    for event in published(agency, "placement.check_in_due"):
        assert "Jo" not in str(event) and "job_seeker_id" not in event


def test_two_workers_reminding_at_once_publish_each_check_in_once(agency, hire, jo, vacancy, settings):
    placed(agency, hire, jo, vacancy)
    workers = [build_runtime(settings, BrokeringSettings()) for _ in range(2)]
    try:
        at_once([lambda worker=worker: remind_of_due_check_ins_job(worker) for worker in workers])
    finally:
        for worker in workers:
            worker.stop()

    check_ins = [event["check_in_id"] for event in published(agency, "placement.check_in_due")]
    assert len(check_ins) == len(set(check_ins)) == 4


def test_the_coordinators_desk_has_the_row_a_reminder_links_to(agency, hire, jo, vacancy):
    placement = placed(agency, hire, jo, vacancy)

    page = Browser(agency, agency.coordinator()).get("/desk")

    assert f'id="placement-{placement["id"]}"' in page.get_data(as_text=True)
