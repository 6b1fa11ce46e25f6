"""The contracts side of the members' approval saga: what a ``proposal.decided`` event does to a contract.

Each decision is delivered as the members service publishes it, through the contracts service's real
consumer path (tolerant schema, inbox, handler). The whole round trip across both services is tested in
test_contract_approval_saga.py.
"""

from __future__ import annotations

import itertools

import pytest

from shared.db import utcnow
from tests.support.desk import terms
from tests.support.outbox import published_types

LARGE = terms(line_items=[{"description": "Hand-made cards", "quantity": 4000, "unit": "cards",
                           "unit_price_pence": 250}])  # £10,000: over the default £5,000 threshold
_proposal_ids = itertools.count(1)


@pytest.fixture
def coordinator(desk):
    return desk.coordinator()


@pytest.fixture
def pending(desk, coordinator) -> dict:
    """A contract agreed over the approval threshold, waiting for the members' vote."""
    contract = desk.agreed(coordinator, terms=LARGE)
    assert contract["approval"] == "pending"
    return contract


def decide(desk, contract: dict, outcome: str = "passed", winning_option: str | None = "for",
           counts: dict | None = None, **fields) -> None:
    """Deliver the members' decision on a contract, as the members service publishes it."""
    counts = counts or {"for": 3, "against": 1, "abstain": 0}
    desk.deliver("proposal.decided", {
        "proposal_id": next(_proposal_ids), "outcome": outcome, "winning_option": winning_option,
        "counts": counts, "votes_cast": sum(counts.values()), "quorum": 3, "subject_type": "contract",
        "subject_id": str(contract["id"]), "decided_at": utcnow(), "title": "Approve the contract",
        "member_account_ids": [1, 2, 3, 4], **fields})


def sign(desk, by, contract):
    return desk.move(by, contract, "sign", {"buyer_signatory": "Sam Leaf"})


def test_a_vote_for_the_contract_approves_it(desk, coordinator, pending):
    decide(desk, pending)

    contract = desk.get(coordinator, pending)
    assert (contract["state"], contract["approval"]) == ("agreed", "approved")


def test_an_approval_publishes_contract_approved(desk, pending):
    decide(desk, pending)

    assert published_types(desk)[-1] == "contract.approved"


def test_an_approval_is_in_the_history_with_the_count(desk, coordinator, pending):
    decide(desk, pending, counts={"for": 5, "against": 2, "abstain": 1})

    last = desk.get(coordinator, pending)["history"][-1]
    assert (last["from_state"], last["to_state"], last["by"]) == ("agreed", "agreed", None)
    assert last["note"] == "Approved by the members' vote (for 5, against 2, abstain 1)."


def test_an_approved_contract_can_be_signed(desk, coordinator, pending):
    decide(desk, pending)

    response = sign(desk, coordinator, desk.get(coordinator, pending))

    assert response.status_code == 200
    assert response.json["state"] == "signed"


def test_the_approval_changes_the_version_so_a_stale_copy_cannot_sign(desk, coordinator, pending):
    decide(desk, pending)

    response = sign(desk, coordinator, pending)

    assert response.status_code == 409
    assert "has changed since you read it" in response.json["detail"]


def test_a_vote_against_rejects_the_contract_with_the_reason(desk, coordinator, pending):
    decide(desk, pending, outcome="rejected", winning_option="against",
           counts={"for": 1, "against": 4, "abstain": 0})

    contract = desk.get(coordinator, pending)
    assert (contract["state"], contract["approval"]) == ("rejected", "not_approved")
    assert contract["closing_reason"] == "The members did not approve it (for 1, against 4, abstain 0)."


def test_a_rejection_by_vote_publishes_contract_rejected(desk, pending):
    decide(desk, pending, outcome="rejected", winning_option="against")

    assert published_types(desk)[-1] == "contract.rejected"


def test_a_contract_the_members_rejected_cannot_be_signed(desk, coordinator, pending):
    decide(desk, pending, outcome="rejected", winning_option="against")
    contract = desk.get(coordinator, pending)

    response = sign(desk, coordinator, contract)

    assert response.status_code == 409
    assert desk.get(coordinator, contract) == contract


def test_a_vote_without_quorum_rejects_the_contract(desk, coordinator, pending):
    decide(desk, pending, outcome="no_quorum", winning_option=None, counts={"for": 1, "against": 0})

    contract = desk.get(coordinator, pending)
    assert (contract["state"], contract["approval"]) == ("rejected", "not_approved")
    assert contract["closing_reason"] == "The members did not approve it (no quorum)."


def test_a_passed_vote_whose_winning_option_is_not_for_does_not_approve(desk, coordinator, pending):
    decide(desk, pending, outcome="passed", winning_option="against")

    assert desk.get(coordinator, pending)["state"] == "rejected"


@pytest.mark.parametrize("first", ["passed", "rejected"])
def test_a_second_decision_on_the_same_contract_changes_nothing(desk, coordinator, pending, first):
    decide(desk, pending, outcome=first)
    contract, events = desk.get(coordinator, pending), published_types(desk)

    decide(desk, pending, outcome="rejected" if first == "passed" else "passed")

    assert desk.get(coordinator, pending) == contract
    assert published_types(desk) == events


def test_a_late_decision_on_a_contract_withdrawn_meanwhile_changes_nothing(desk, coordinator, pending):
    contract = desk.moved(coordinator, pending, "withdraw", {"reason": "The buyer closed down"})
    events = published_types(desk)

    decide(desk, contract)

    assert desk.get(coordinator, contract) == contract
    assert published_types(desk) == events


def test_a_decision_on_a_contract_that_needed_no_approval_changes_nothing(desk, coordinator):
    contract = desk.agreed(coordinator)
    events = published_types(desk)

    decide(desk, contract, outcome="rejected", winning_option="against")

    assert desk.get(coordinator, contract) == contract
    assert published_types(desk) == events


@pytest.mark.parametrize("fields", [
    {"subject_type": "admission"}, {"subject_type": None, "subject_id": None}, {"subject_id": "999999"},
    {"subject_id": "C-0001"}, {"subject_id": "99999999999"},
], ids=["another subject", "no subject", "unknown contract", "malformed contract id", "id too large"])
def test_a_decision_about_something_else_is_ignored(desk, coordinator, pending, fields):
    events = published_types(desk)

    decide(desk, pending, outcome="rejected", winning_option="against", **fields)

    assert desk.get(coordinator, pending) == pending
    assert published_types(desk) == events
