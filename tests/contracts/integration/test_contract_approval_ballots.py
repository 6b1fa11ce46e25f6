"""The members service opens a ballot when a contract needs the members' approval (contract.agreed)."""

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from services.contracts.events import CATALOG as CONTRACT_EVENTS
from services.members.models import Proposal
from shared.db import utcnow

AGREED = {**CONTRACT_EVENTS.specs["contract.agreed"].example, "contract_id": 15, "total_pence": 1_250_000,
          "needs_approval": True, "approval_threshold_pence": 500_000}


def deliver(coop, **changes) -> None:
    """Hand the members service a contract.agreed event through its consumer path (a new event id each time)."""
    now = utcnow()
    envelope = CONTRACT_EVENTS.build("contract.agreed", {**AGREED, "occurred_at": now, "agreed_at": now, **changes})
    assert coop.runtime.processor.process(json.dumps(envelope.to_dict())).value == "handled"


def ballots(coop) -> list[Proposal]:
    with coop.runtime.db.sessionmaker() as session:
        return list(session.scalars(select(Proposal).where(Proposal.subject_type == "contract")))


def test_a_contract_needing_approval_opens_a_ballot_about_it(coop):
    deliver(coop)
    [ballot] = ballots(coop)
    assert (ballot.subject_id, ballot.status, ballot.opened_by) == ("15", "open", None)
    assert ballot.title == "Approve contract C-0015: Christmas cards for Leaf & Co"
    assert "Leaf & Co" in ballot.text and "£12,500.00" in ballot.text and "£5,000.00" in ballot.text


def test_the_ballot_stays_open_for_the_configured_days_with_the_default_quorum(coop):
    deliver(coop)
    [ballot] = ballots(coop)
    settings = coop.settings  # the members service opens the ballot, with its own settings
    assert ballot.closes_at - ballot.opened_at == dt.timedelta(days=settings.contract_approval_days)
    assert (ballot.quorum_fraction, ballot.quorum_minimum) == (settings.quorum_fraction, settings.quorum_minimum)


def test_a_contract_under_the_threshold_opens_no_ballot(coop):
    deliver(coop, needs_approval=False, total_pence=100_000)
    assert ballots(coop) == []


def test_the_same_agreement_delivered_again_as_a_new_event_opens_one_ballot(coop):
    deliver(coop)
    deliver(coop)
    assert len(ballots(coop)) == 1


def test_members_see_the_contract_ballot_like_any_other_proposal(coop):
    deliver(coop)
    member = coop.member()
    [ballot] = ballots(coop)
    response = coop.client.get(f"/proposals/{ballot.id}", headers=member.headers)
    assert response.status_code == 200
    assert (response.json["subject_type"], response.json["subject_id"], response.json["opened_by"]) == (
        "contract", "15", None)


def test_a_member_votes_on_the_contract_ballot(coop):
    deliver(coop)
    member = coop.member()
    [ballot] = ballots(coop)
    response = coop.client.post(f"/proposals/{ballot.id}/votes", json={"option": "for"}, headers=member.headers)
    assert response.status_code in (200, 201), response.json


@pytest.mark.parametrize("title_length", [250])
def test_a_long_contract_title_still_gives_a_ballot_title_that_fits(coop, title_length):
    deliver(coop, title="x" * title_length)
    [ballot] = ballots(coop)
    assert len(ballot.title) <= 200


def test_ballots_for_different_contracts_are_separate(coop):
    deliver(coop, contract_id=15)
    deliver(coop, contract_id=16, reference="C-0016")
    with coop.runtime.db.sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(Proposal)) == 2
