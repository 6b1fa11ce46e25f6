"""The members' approval of a large contract, across two services through the backbone.

contract.agreed (contracts) -> a proposal opens (members) -> members vote -> proposal.decided (members)
-> the contract is approved or rejected (contracts). Both services run their consumers and relays, on
SQLite + memory:// and, in the real pass, on PostgreSQL + RabbitMQ.
"""

import datetime as dt
import json
import uuid

import pytest
from kombu import Connection, Producer
from sqlalchemy import select

from services.contracts.models import Contract
from services.members.models import Proposal
from services.members.proposals import close_due_proposals
from shared import bus
from shared.db import OutboxMessage
from tests.support.desk import terms
from tests.support.outbox import published
from tests.support.waiting import stays, wait_for

LARGE = terms(line_items=[{"description": "Hand-made cards", "quantity": 4000, "unit": "cards",
                           "unit_price_pence": 250}])  # £10,000: over the £5,000 threshold


@pytest.fixture
def services(coop, desk):
    """Members and contracts with their workers running, listening before anything is published."""
    for runtime in (coop.runtime, desk.runtime):
        runtime.start_worker()
    for runtime in (coop.runtime, desk.runtime):
        wait_for(runtime.consumer().ready.is_set, timeout=30)
    return coop, desk


@pytest.fixture
def voters(coop):
    """Three active members: enough to reach the default quorum of three votes."""
    return [coop.member() for _ in range(3)]


def ballot_for(coop, contract) -> Proposal:
    """Wait for the members service to open the ballot on a contract; return the proposal."""
    def opened():
        with coop.runtime.db.sessionmaker() as session:
            return session.scalar(select(Proposal).where(Proposal.subject_type == "contract",
                                                         Proposal.subject_id == str(contract["id"])))
    return wait_for(opened, timeout=30)


def vote(coop, voters, proposal, option) -> None:
    for voter in voters:
        response = coop.client.post(f"/proposals/{proposal.id}/votes", json={"option": option},
                                    headers=voter.headers)
        assert response.status_code in (200, 201), response.json


def close_ballot(coop, proposal) -> None:
    """Close the ballot as the members service's job does when its time is up."""
    with coop.runtime.db.transaction() as session:
        assert close_due_proposals(session, now=proposal.closes_at + dt.timedelta(seconds=1),
                                   inlet=coop.runtime.collaborators.ballot_inlet,
                                   batch_size=coop.settings.ballot_batch_size) == [proposal.id]


def approval_of(desk, contract) -> tuple[str, str | None]:
    with desk.runtime.db.sessionmaker() as session:
        row = session.get(Contract, contract["id"])
        return row.state, row.approval


def decided_envelope(coop) -> dict:
    with coop.runtime.db.sessionmaker() as session:
        row = session.scalar(select(OutboxMessage).where(OutboxMessage.event_type == "proposal.decided"))
        return row.envelope


def publish_again(settings, envelope: dict) -> None:
    """Put an event on the exchange again, as a redelivering broker or a re-publishing relay would."""
    with Connection(settings.broker_url) as connection:
        producer = Producer(connection.default_channel, exchange=bus.events_exchange(settings))
        producer.publish(json.dumps(envelope), routing_key=envelope["type"], content_type="application/json",
                         retry=True)


def test_a_large_contract_approved_by_the_members_vote_can_then_be_signed(services, voters):
    coop, desk = services
    coordinator = desk.coordinator()
    contract = desk.agreed(coordinator, terms=LARGE)
    assert contract["approval"] == "pending"
    proposal = ballot_for(coop, contract)
    vote(coop, voters, proposal, "for")
    close_ballot(coop, proposal)
    wait_for(lambda: approval_of(desk, contract) == ("agreed", "approved"), timeout=30)
    signed = desk.moved(coordinator, desk.get(coordinator, contract), "sign", {"buyer_signatory": "Sam Leaf"})
    assert signed["state"] == "signed"


def test_a_large_contract_the_members_vote_against_is_rejected_and_cannot_be_signed(services, voters):
    coop, desk = services
    coordinator = desk.coordinator()
    contract = desk.agreed(coordinator, terms=LARGE)
    proposal = ballot_for(coop, contract)
    vote(coop, voters, proposal, "against")
    close_ballot(coop, proposal)
    wait_for(lambda: approval_of(desk, contract) == ("rejected", "not_approved"), timeout=30)
    response = desk.move(coordinator, desk.get(coordinator, contract), "sign", {"buyer_signatory": "Sam Leaf"})
    assert response.status_code == 409


def test_a_decision_delivered_twice_or_published_again_changes_nothing_more(services, voters, settings):
    coop, desk = services
    coordinator = desk.coordinator()
    contract = desk.agreed(coordinator, terms=LARGE)
    proposal = ballot_for(coop, contract)
    vote(coop, voters, proposal, "for")
    close_ballot(coop, proposal)
    wait_for(lambda: approval_of(desk, contract) == ("agreed", "approved"), timeout=30)
    desk.moved(coordinator, desk.get(coordinator, contract), "sign", {"buyer_signatory": "Sam Leaf"})
    envelope = decided_envelope(coop)
    publish_again(settings, envelope)  # the same event: the inbox skips it
    publish_again(settings, {**envelope, "id": str(uuid.uuid4())})  # the same decision as a new event
    assert stays(lambda: approval_of(desk, contract) == ("signed", "approved"), seconds=1.5)
    assert len(published(desk, "contract.approved")) == 1


def test_a_decision_arriving_after_the_contract_was_withdrawn_changes_nothing(services, voters):
    coop, desk = services
    coordinator = desk.coordinator()
    contract = desk.agreed(coordinator, terms=LARGE)
    proposal = ballot_for(coop, contract)
    desk.moved(coordinator, desk.get(coordinator, contract), "withdraw", {"reason": "The buyer closed down."})
    vote(coop, voters, proposal, "for")
    close_ballot(coop, proposal)
    assert stays(lambda: approval_of(desk, contract) == ("withdrawn", "pending"), seconds=1.5)
    assert len(published(desk, "contract.approved")) == 0


def test_a_contract_under_the_threshold_opens_no_ballot(services):
    coop, desk = services
    coordinator = desk.coordinator()
    contract = desk.agreed(coordinator)
    assert contract["approval"] == "not_needed"
    with coop.runtime.db.sessionmaker() as session:
        assert stays(lambda: session.scalar(select(Proposal).where(Proposal.subject_type == "contract")) is None,
                     seconds=1.0)
