"""Whom the members service tells about a ballot: its opening, its closing soon, its decision.

The events name accounts only (the members who may vote: active ones, an agency through its
representative), never how anyone voted.
"""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from sqlalchemy import select, update

from services.contracts.events import CATALOG as CONTRACT_EVENTS
from services.members.models import Proposal
from services.members.proposals import close_due_proposals_job, remind_closing_proposals_job
from shared.db import utcnow
from tests.support.outbox import published, published_envelopes


@pytest.fixture
def coordinator(coop):
    return coop.coordinator()


def open_proposal(coop, coordinator, lasting=dt.timedelta(days=7), **overrides):
    body = {"title": "Adopt the 2027 budget", "text": "The budget as circulated.",
            "closes_at": (utcnow() + lasting).isoformat(), "quorum_minimum": 1, **overrides}
    response = coop.client.post("/proposals", json=body, headers=coordinator.headers)
    assert response.status_code == 201, response.json
    return response.json


def vote(coop, person, proposal_id, option="for", **extra):
    response = coop.client.post(f"/proposals/{proposal_id}/votes", json={"option": option, **extra},
                                headers=person.headers)
    assert response.status_code == 201, response.json


def appoint(coop, person, proposal_id, proxy):
    response = coop.client.post(f"/proposals/{proposal_id}/proxies", json={"proxy_member_id": proxy.member_id},
                                headers=person.headers)
    assert response.status_code == 201, response.json


def change_status(coop, coordinator, member, action):
    response = coop.client.post(f"/members/{member.member_id}/{action}", json={"reason": "test"},
                                headers=coordinator.headers)
    assert response.status_code == 200, response.json


def set_closing_time(coop, proposal_id, from_now):
    """Move a proposal's closing time, as if the days before it had gone by."""
    with coop.runtime.db.transaction() as session:
        session.execute(update(Proposal).where(Proposal.id == proposal_id).values(closes_at=utcnow() + from_now))


def reminders(coop, proposal_id):
    return published(coop, "proposal.closing_soon", proposal_id=proposal_id)


def reminded_accounts(coop, proposal_id):
    [reminder] = reminders(coop, proposal_id)
    return reminder["account_ids"]


def accounts(*people):
    return sorted(person.account_id for person in people)


NEAR = dt.timedelta(hours=47)  # inside the default 48-hour window


# -- proposal.opened ----------------------------------------------------------------------------------


def test_opening_a_proposal_tells_every_member_who_may_vote(coop, coordinator):
    producer, agency = coop.member(), coop.member(kind="agency")
    for status in ("suspended", "left", "applicant", "declined"):
        coop.member(status=status)
    created = open_proposal(coop, coordinator)
    [opened] = published(coop, "proposal.opened", proposal_id=created["id"])
    assert opened["voter_account_ids"] == accounts(producer, agency)


def test_the_opening_notice_says_what_is_put_to_the_vote_and_until_when(coop, coordinator):
    created = open_proposal(coop, coordinator, kind="special")
    [opened] = published(coop, "proposal.opened", proposal_id=created["id"])
    assert {key: opened[key] for key in ("title", "kind", "closes_at", "subject_type", "subject_id")} == {
        "title": "Adopt the 2027 budget", "kind": "special", "closes_at": created["closes_at"],
        "subject_type": None, "subject_id": None}


def deliver_contract_agreed(coop):
    """Hand the members service a contract that needs the members' approval; return its envelope."""
    now = utcnow()
    agreed = {**CONTRACT_EVENTS.specs["contract.agreed"].example, "contract_id": 15, "needs_approval": True,
              "occurred_at": now, "agreed_at": now}
    envelope = CONTRACT_EVENTS.build("contract.agreed", agreed)
    assert coop.runtime.processor.process(json.dumps(envelope.to_dict())).value == "handled"
    return envelope


def test_a_contract_put_to_the_vote_tells_every_member_who_may_vote(coop):
    producer, agency = coop.member(), coop.member(kind="agency")
    coop.member(status="suspended")
    deliver_contract_agreed(coop)
    [opened] = published(coop, "proposal.opened", subject_type="contract", subject_id="15")
    assert opened["voter_account_ids"] == accounts(producer, agency)


def test_the_contract_ballot_notice_follows_the_agreement_that_caused_it(coop):
    agreed = deliver_contract_agreed(coop)
    [opened] = published_envelopes(coop, "proposal.opened")
    assert (opened["correlation_id"], opened["causation_id"]) == (agreed.correlation_id, agreed.id)


# -- proposal.decided ---------------------------------------------------------------------------------


def test_the_decision_tells_every_member_active_when_it_is_decided(coop, coordinator):
    producer, agency, suspended_since = coop.member(), coop.member(kind="agency"), coop.member()
    created = open_proposal(coop, coordinator, title="Buy a van")
    vote(coop, producer, created["id"])
    change_status(coop, coordinator, suspended_since, "suspend")
    set_closing_time(coop, created["id"], -dt.timedelta(seconds=1))
    close_due_proposals_job(coop.runtime)
    [decided] = published(coop, "proposal.decided", proposal_id=created["id"])
    assert (decided["title"], decided["member_account_ids"]) == ("Buy a van", accounts(producer, agency))


# -- proposal.closing_soon ----------------------------------------------------------------------------


def test_members_who_have_not_voted_are_reminded_when_a_proposal_closes_within_two_days(coop, coordinator):
    producer, agency = coop.member(), coop.member(kind="agency")
    created = open_proposal(coop, coordinator)
    set_closing_time(coop, created["id"], NEAR)
    remind_closing_proposals_job(coop.runtime)
    [reminder] = reminders(coop, created["id"])
    assert (reminder["account_ids"], reminder["title"]) == (accounts(producer, agency), "Adopt the 2027 budget")


def test_the_reminder_says_nothing_of_how_anyone_voted(coop, coordinator):
    voter, _waiting = coop.member(), coop.member()
    created = open_proposal(coop, coordinator)
    vote(coop, voter, created["id"], "against")
    set_closing_time(coop, created["id"], NEAR)
    remind_closing_proposals_job(coop.runtime)
    [reminder] = reminders(coop, created["id"])
    assert set(reminder) == {"proposal_id", "title", "closes_at", "account_ids", "occurred_at"}


def test_no_reminder_while_a_proposal_has_more_than_two_days_to_run(coop, coordinator):
    coop.member()
    created = open_proposal(coop, coordinator)
    set_closing_time(coop, created["id"], dt.timedelta(hours=49))
    remind_closing_proposals_job(coop.runtime)
    assert reminders(coop, created["id"]) == []


def test_the_reminder_window_is_a_setting(coop, coordinator):
    coop.member()
    coop.change_settings(proposal_reminder_hours=72)
    created = open_proposal(coop, coordinator)
    set_closing_time(coop, created["id"], dt.timedelta(hours=71))
    remind_closing_proposals_job(coop.runtime)
    assert len(reminders(coop, created["id"])) == 1


def test_a_proposal_is_reminded_of_once(coop, coordinator):
    coop.member()
    created = open_proposal(coop, coordinator)
    set_closing_time(coop, created["id"], NEAR)
    remind_closing_proposals_job(coop.runtime)
    set_closing_time(coop, created["id"], dt.timedelta(hours=1))
    remind_closing_proposals_job(coop.runtime)
    assert len(reminders(coop, created["id"])) == 1


def test_the_worker_sends_reminders_among_its_periodic_jobs(coop, coordinator):
    coop.member()
    created = open_proposal(coop, coordinator)
    set_closing_time(coop, created["id"], NEAR)
    coop.runtime.run_periodic_jobs()
    assert len(reminders(coop, created["id"])) == 1


def test_members_who_voted_are_not_reminded(coop, coordinator):
    voter, waiting = coop.member(), coop.member()
    created = open_proposal(coop, coordinator)
    vote(coop, voter, created["id"])
    set_closing_time(coop, created["id"], NEAR)
    remind_closing_proposals_job(coop.runtime)
    assert reminded_accounts(coop, created["id"]) == accounts(waiting)


def test_members_who_may_no_longer_vote_are_not_reminded(coop, coordinator):
    waiting, suspended_since, left_since = coop.member(), coop.member(), coop.member()
    created = open_proposal(coop, coordinator)
    change_status(coop, coordinator, suspended_since, "suspend")
    change_status(coop, coordinator, left_since, "leave")
    set_closing_time(coop, created["id"], NEAR)
    remind_closing_proposals_job(coop.runtime)
    assert reminded_accounts(coop, created["id"]) == accounts(waiting)


def test_nothing_is_published_when_everyone_has_voted(coop, coordinator):
    voter = coop.member()
    created = open_proposal(coop, coordinator)
    vote(coop, voter, created["id"])
    set_closing_time(coop, created["id"], NEAR)
    remind_closing_proposals_job(coop.runtime)
    assert reminders(coop, created["id"]) == []


def test_a_member_who_appointed_a_proxy_is_reminded_through_her_proxy(coop, coordinator):
    absent, proxy = coop.member(), coop.member()
    created = open_proposal(coop, coordinator)
    appoint(coop, absent, created["id"], proxy)
    vote(coop, proxy, created["id"])  # her own vote, not yet the one she holds
    set_closing_time(coop, created["id"], NEAR)
    remind_closing_proposals_job(coop.runtime)
    assert reminded_accounts(coop, created["id"]) == accounts(proxy)


def test_nobody_is_reminded_of_a_vote_the_proxy_has_cast(coop, coordinator):
    absent, proxy, waiting = coop.member(), coop.member(), coop.member()
    created = open_proposal(coop, coordinator)
    appoint(coop, absent, created["id"], proxy)
    vote(coop, proxy, created["id"], on_behalf_of=absent.member_id)
    vote(coop, proxy, created["id"])
    set_closing_time(coop, created["id"], NEAR)
    remind_closing_proposals_job(coop.runtime)
    assert reminded_accounts(coop, created["id"]) == accounts(waiting)


def test_a_member_whose_proxy_may_no_longer_vote_is_reminded_herself(coop, coordinator):
    absent, proxy = coop.member(), coop.member()
    created = open_proposal(coop, coordinator)
    appoint(coop, absent, created["id"], proxy)
    change_status(coop, coordinator, proxy, "suspend")
    set_closing_time(coop, created["id"], NEAR)
    remind_closing_proposals_job(coop.runtime)
    assert reminded_accounts(coop, created["id"]) == accounts(absent)


def test_a_proposal_opened_for_less_than_two_days_gets_no_reminder(coop, coordinator):
    coop.member()
    created = open_proposal(coop, coordinator, lasting=dt.timedelta(hours=24))
    remind_closing_proposals_job(coop.runtime)
    assert reminders(coop, created["id"]) == []
    assert len(published(coop, "proposal.opened", proposal_id=created["id"])) == 1


def test_a_closed_proposal_gets_no_reminder(coop, coordinator):
    coop.member()
    created = open_proposal(coop, coordinator)
    set_closing_time(coop, created["id"], -dt.timedelta(seconds=1))
    close_due_proposals_job(coop.runtime)
    set_closing_time(coop, created["id"], NEAR)
    remind_closing_proposals_job(coop.runtime)
    assert reminders(coop, created["id"]) == []


def test_reminders_racing_each_other_are_published_once(coop, coordinator):
    coop.member()
    created = open_proposal(coop, coordinator)
    set_closing_time(coop, created["id"], NEAR)
    together, failures = threading.Barrier(8), []

    def remind():
        together.wait(timeout=30)
        try:
            remind_closing_proposals_job(coop.runtime)
        except Exception as error:  # noqa: BLE001 - a worker's failure is the test's
            failures.append(error)

    workers = [threading.Thread(target=remind) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert (failures, len(reminders(coop, created["id"]))) == ([], 1)
    with coop.runtime.db.sessionmaker() as session:
        assert session.scalar(select(Proposal.reminded_at).where(Proposal.id == created["id"])) is not None
