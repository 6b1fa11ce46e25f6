"""A job start is counted in the month the job started, not the month its event arrived: in brokering's
outcomes and, from the events, in the members' record and impact report alike."""

import datetime as dt
import json

import pytest

from services.members import impact, member_record
from shared.db import utcnow
from shared.outbox import kept_events

PLACEMENT_EVENTS = ["job_seeker.registered", "placement.started", "placement.sustained", "placement.ended"]


def months_ago(months: int, day: int) -> dt.date:
    today = utcnow().date()
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return dt.date(year, month + 1, day)


STARTED = months_ago(2, 13)  # like the demo: started on the 13th, two months before the event is published


@pytest.fixture
def placed(agency):
    """A placement accepted today whose job started two months ago."""
    hire = agency.employer()
    jo = agency.job_seeker("Jo", None, skills=["cooking"])
    application = agency.application(jo, agency.vacancy(hire))
    for stage in ("interview", "conditional_offer", "offer_confirmed"):
        agency.moved(hire, application, stage)
    agency.moved(jo, application, "accepted", start_on=STARTED.isoformat())
    return application


def delivered_to_members(agency, coop) -> None:
    for event in kept_events(agency.runtime.db, PLACEMENT_EVENTS):
        assert coop.runtime.processor.process(json.dumps(event.to_dict())).value == "handled"


def test_brokering_outcomes_count_the_start_in_the_month_it_started(agency, placed):
    coordinator = agency.coordinator()
    month_start = STARTED.replace(day=1)
    then = agency.client.get(f"/outcomes?start={month_start}&end={months_ago(1, 1) - dt.timedelta(days=1)}",
                             headers=coordinator.headers).json
    now = agency.client.get(f"/outcomes?start={utcnow().date().replace(day=1)}&end={utcnow().date()}",
                            headers=coordinator.headers).json
    assert (then["totals"]["job_starts"], now["totals"]["job_starts"]) == (1, 0)


def test_the_placement_event_carries_the_day_the_job_started(agency, placed):
    [started] = kept_events(agency.runtime.db, ["placement.started"])
    assert started.data["start_on"] == STARTED.isoformat()
    assert started.occurred_at.date() == utcnow().date()


def test_the_impact_report_counts_the_start_in_the_month_it_started(agency, coop, placed):
    delivered_to_members(agency, coop)
    with coop.runtime.db.sessionmaker() as session:
        found = impact.impact_report(session, STARTED.replace(day=1), utcnow().date().replace(day=1))
    by_month = {month.month: month.job_starts for month in found.months}
    assert by_month[STARTED.replace(day=1)] == 1
    assert by_month[utcnow().date().replace(day=1)] == 0


def test_a_job_sustained_is_dated_by_the_day_it_had_lasted_13_weeks(agency, coop):
    hire = agency.employer()
    jo = agency.job_seeker("Jo", None, skills=["cooking"])
    application = agency.application(jo, agency.vacancy(hire))
    for stage in ("interview", "conditional_offer", "offer_confirmed"):
        agency.moved(hire, application, stage)
    started = months_ago(5, 2)
    agency.moved(jo, application, "accepted", start_on=started.isoformat())
    [placement] = agency.client.get("/placements", headers=agency.coordinator().headers).json
    response = agency.client.post(f"/placements/{placement['id']}/check-ins/13w", json={"in_work": True},
                                  headers=agency.coordinator().headers)
    assert response.status_code == 200, response.json
    [sustained] = kept_events(agency.runtime.db, ["placement.sustained"])
    assert sustained.data["sustained_on"] == (started + dt.timedelta(weeks=13)).isoformat()
    delivered_to_members(agency, coop)
    with coop.runtime.db.sessionmaker() as session:
        months = {month.month: month for month in member_record.member_record(session, jo.member_id)}
    assert months[started.replace(day=1)].placements_started == 1
    assert months[(started + dt.timedelta(weeks=13)).replace(day=1)].sustained_13_weeks == 1
