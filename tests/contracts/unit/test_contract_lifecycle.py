"""Which moves a contract may make from each state, and how an illegal one is refused."""

import pytest

from services.contracts.rules.lifecycle import actions_from, next_state
from shared.errors import Conflict

LEGAL = [
    ("draft", "propose", "proposed"),
    ("proposed", "counter", "countered"),
    ("countered", "counter", "countered"),
    ("proposed", "agree", "agreed"),
    ("countered", "agree", "agreed"),
    ("agreed", "sign", "signed"),
    ("signed", "start", "active"),
    ("active", "complete", "completed"),
    ("proposed", "reject", "rejected"),
    ("countered", "reject", "rejected"),
    ("agreed", "refuse_by_vote", "rejected"),
    ("draft", "withdraw", "withdrawn"),
    ("proposed", "withdraw", "withdrawn"),
    ("countered", "withdraw", "withdrawn"),
    ("agreed", "withdraw", "withdrawn"),
    ("proposed", "expire", "expired"),
    ("countered", "expire", "expired"),
]

ILLEGAL = [
    ("draft", "agree"), ("draft", "counter"), ("draft", "sign"), ("draft", "reject"), ("draft", "expire"),
    ("proposed", "sign"), ("proposed", "propose"), ("countered", "start"),
    ("agreed", "counter"), ("agreed", "agree"), ("agreed", "reject"), ("agreed", "expire"),
    ("signed", "withdraw"), ("signed", "sign"), ("signed", "refuse_by_vote"), ("active", "withdraw"),
    ("completed", "start"), ("rejected", "propose"), ("withdrawn", "agree"), ("expired", "counter"),
]


@pytest.mark.parametrize("state, action, target", LEGAL)
def test_a_legal_move_leads_to_its_state(state, action, target):
    assert next_state(state, action) == target


@pytest.mark.parametrize("state, action", ILLEGAL)
def test_an_illegal_move_is_a_conflict(state, action):
    with pytest.raises(Conflict):
        next_state(state, action)


def test_the_refusal_says_what_the_contract_is_and_what_it_would_need_to_be():
    with pytest.raises(Conflict) as refused:
        next_state("draft", "sign")

    assert refused.value.message == "A contract that is draft cannot be signed; only one that is agreed can."


def test_the_refusal_names_every_state_the_move_is_allowed_from():
    with pytest.raises(Conflict) as refused:
        next_state("signed", "reject")

    assert "proposed or countered" in refused.value.message


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown action"):
        next_state("draft", "haggle")


@pytest.mark.parametrize("state, actions", [
    ("draft", ["propose", "withdraw"]),
    ("proposed", ["counter", "agree", "reject", "withdraw"]),
    ("countered", ["counter", "agree", "reject", "withdraw"]),
    ("agreed", ["sign", "withdraw"]),
    ("signed", ["start"]),
    ("active", ["complete"]),
])
def test_the_moves_offered_from_a_state(state, actions):
    assert actions_from(state) == actions


@pytest.mark.parametrize("state", ["completed", "rejected", "withdrawn", "expired"])
def test_a_closed_contract_offers_no_moves(state):
    assert actions_from(state) == []


def test_moves_the_rules_make_are_not_offered_to_coordinators():
    offered = {action for state in ("proposed", "countered", "agreed") for action in actions_from(state)}

    assert not offered & {"expire", "refuse_by_vote"}
