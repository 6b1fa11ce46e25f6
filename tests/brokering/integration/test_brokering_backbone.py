"""Members asking for work reach job brokering through the backbone, with both services' workers
running: on SQLite + memory:// and, in the real pass, on PostgreSQL + RabbitMQ."""

import json

import pytest
from kombu import Connection, Producer
from sqlalchemy import select

from services.brokering.models import JobSeeker
from shared import bus
from shared.db import OutboxMessage
from tests.support.waiting import stays, wait_for


@pytest.fixture
def services(coop, agency):
    for runtime in (coop.runtime, agency.runtime):
        runtime.start_worker()
    for runtime in (coop.runtime, agency.runtime):
        wait_for(runtime.consumer().ready.is_set, timeout=30)
    return coop, agency


def profiles(agency, member_id):
    with agency.runtime.db.sessionmaker() as session:
        return list(session.scalars(select(JobSeeker).where(JobSeeker.member_id == member_id)))


def ask_for_work(coop):
    member = coop.member()
    response = coop.client.post(f"/members/{member.member_id}/seeking-work", headers=member.headers)
    assert response.status_code == 200, response.json
    return member


def test_a_member_asking_for_work_gets_a_job_seeker_profile(services):
    coop, agency = services
    member = ask_for_work(coop)
    [profile] = wait_for(lambda: profiles(agency, member.member_id), timeout=30)
    assert profile.status == "open" and profile.account_id == member.account_id


def test_the_request_delivered_again_still_makes_one_profile(services, settings):
    coop, agency = services
    member = ask_for_work(coop)
    wait_for(lambda: profiles(agency, member.member_id), timeout=30)
    with coop.runtime.db.sessionmaker() as session:
        envelope = session.scalar(select(OutboxMessage).where(OutboxMessage.event_type == "member.seeking_work")
                                  ).envelope
    with Connection(settings.broker_url) as connection:
        producer = Producer(connection.default_channel, exchange=bus.events_exchange(settings))
        producer.publish(json.dumps(envelope), routing_key="member.seeking_work", retry=True)
    assert stays(lambda: len(profiles(agency, member.member_id)) == 1, seconds=1.5)


def test_a_member_who_leaves_has_their_profile_closed(services):
    coop, agency = services
    member = ask_for_work(coop)
    wait_for(lambda: profiles(agency, member.member_id), timeout=30)
    response = coop.client.post(f"/members/{member.member_id}/leave", json={"reason": "Moving away."},
                                headers=member.headers)
    assert response.status_code == 200, response.json
    wait_for(lambda: profiles(agency, member.member_id)[0].status == "closed", timeout=30)
