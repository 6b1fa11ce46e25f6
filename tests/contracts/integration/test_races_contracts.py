"""Many requests at one contracts-service transition at once, through a real threaded server.

Each test fires N requests together (tests/support/concurrency.py) and then checks the database: one
effect, no 5xx, each event published once. On PostgreSQL these are real races; on SQLite the write
lock serialises them, and the same answers must come out. Member events (a suspension, the members'
vote) are handed to the service's real consumer path at the same instant as the requests.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

import pytest
from sqlalchemy import func, select

from services.contracts.models import Allocation, Contract, ContractEvent, Invoice, MemberShare, Milestone
from shared.db import utcnow
from tests.support.concurrency import Answer, N, at_once, no_server_errors, serve, statuses
from tests.support.desk import START, terms
from tests.support.outbox import published

LARGE = terms(line_items=[{"description": "Hand-made cards", "quantity": 4000, "unit": "cards",
                           "unit_price_pence": 250}])  # £10,000: over the default £5,000 threshold
LIVE = ("offered", "accepted", "needs_reallocation")
_proposal_ids = itertools.count(70_000)


@pytest.fixture
def server(desk):
    with serve(desk.app) as running:
        yield running


@pytest.fixture
def coordinator(desk):
    return desk.coordinator()


# Helpers: contracts in each state, and what the database holds afterwards


def if_match(by, contract: dict) -> dict:
    return {**by.headers, "If-Match": f'"{contract["version"]}"'}


def answers_only(results: list) -> list[Answer]:
    """The HTTP answers among the results of at_once (a delivered event gives None)."""
    return [result for result in results if isinstance(result, Answer)]


def proposed(desk, by) -> dict:
    return desk.moved(by, desk.contract(by), "propose")


def accepted_work(desk, by, **fields) -> dict:
    """A signed contract whose 500 cards one maker has accepted."""
    contract = desk.signed(by, **fields)
    maker = desk.member(sectors=("cards",))
    offer = desk.allocate(by, contract, maker, 500).json
    assert desk.client.post(f"/allocations/{offer['id']}/accept", headers=maker.headers).status_code == 200
    return desk.get(by, contract)


def active(desk, by, **fields) -> dict:
    return desk.moved(by, accepted_work(desk, by, **fields), "start")


def finished(desk, by) -> dict:
    """An active contract with every milestone done: ready to complete."""
    contract = active(desk, by)
    for milestone in contract["milestones"]:
        done = desk.client.post(f"/contracts/{contract['id']}/milestones/{milestone['number']}/done",
                                headers=by.headers)
        assert done.status_code == 200, done.json
    return desk.get(by, contract)


def offer_to(desk, by, contract: dict, maker, quantity: int) -> dict:
    response = desk.allocate(by, contract, maker, quantity)
    assert response.status_code == 201, response.json
    return response.json


def allocations_of(desk, contract: dict) -> list[Allocation]:
    with desk.runtime.db.sessionmaker() as session:
        return list(session.scalars(select(Allocation).where(Allocation.contract_id == contract["id"])
                                    .order_by(Allocation.id)))


def live_quantity(desk, contract: dict) -> int:
    return sum(a.quantity for a in allocations_of(desk, contract) if a.state in LIVE)


def decide(desk, contract: dict) -> None:
    """Deliver the members' vote for a contract, as the members service publishes it."""
    counts = {"for": 3, "against": 1, "abstain": 0}
    desk.deliver("proposal.decided", {
        "proposal_id": next(_proposal_ids), "outcome": "passed", "winning_option": "for", "counts": counts,
        "votes_cast": 4, "quorum": 3, "subject_type": "contract", "subject_id": str(contract["id"]),
        "decided_at": utcnow(), "title": "Approve the contract", "member_account_ids": [1, 2, 3, 4]})


# Negotiation and delivery moves: If-Match names the version, and the row is locked while it is checked


@dataclasses.dataclass(frozen=True)
class Move:
    action: str
    before: object  # (desk, coordinator) -> the contract in the state the move starts from
    body: dict
    event: str
    status: int = 200

    @property
    def path(self) -> str:
        return "rounds" if self.action == "counter" else self.action


MOVES = [
    Move("propose", lambda desk, by: desk.contract(by), {}, "contract.proposed"),
    Move("counter", proposed, {"party": "buyer", "terms": terms(payment_terms_days=45)}, "contract.countered", 201),
    Move("agree", proposed, {"party": "buyer"}, "contract.agreed"),
    Move("reject", proposed, {"party": "buyer", "reason": "Too dear."}, "contract.rejected"),
    Move("withdraw", proposed, {"reason": "We cannot make them in time."}, "contract.withdrawn"),
    Move("sign", lambda desk, by: desk.agreed(by), {"buyer_signatory": "Sam Leaf"}, "contract.signed"),
    Move("start", accepted_work, {}, "contract.started"),
    Move("complete", finished, {}, "contract.completed"),
]


@pytest.mark.parametrize("move", MOVES, ids=[move.action for move in MOVES])
def test_a_move_sent_many_times_at_once_is_made_once_and_the_others_are_told_the_version_it_is_now(
        desk, server, coordinator, move):
    contract = move.before(desk, coordinator)
    path = f"/contracts/{contract['id']}/{move.path}"
    answers = at_once([lambda: server.post(path, move.body, if_match(coordinator, contract))] * N)
    assert statuses(answers) == {move.status: 1, 409: N - 1}, statuses(answers)
    [made] = [answer for answer in answers if answer.status == move.status]
    refusals = {answer.body["detail"] for answer in answers if answer.status == 409}
    assert refusals == {
        f"The contract has changed since you read it (you had version {contract['version']}, it is now version "
        f"{made.body['version']}). Reload it, check the changes, and try again."}, refusals
    assert len(published(desk, move.event)) == 1
    with desk.runtime.db.sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(ContractEvent).where(
            ContractEvent.contract_id == contract["id"], ContractEvent.to_state == made.body["state"])) == 1


def test_a_contract_completed_many_times_at_once_issues_one_invoice_with_the_next_number(desk, server, coordinator):
    assert desk.moved(coordinator, finished(desk, coordinator), "complete")["state"] == "completed"  # INV-000001
    contract = finished(desk, coordinator)
    path = f"/contracts/{contract['id']}/complete"
    answers = at_once([lambda: server.post(path, {}, if_match(coordinator, contract))] * N)
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    with desk.runtime.db.sessionmaker() as session:
        assert session.scalars(select(Invoice.number).where(Invoice.contract_id == contract["id"])).all() == [2]
        assert session.scalar(select(func.count()).select_from(MemberShare)
                              .where(MemberShare.contract_id == contract["id"])) == 1
    assert (len(published(desk, "contract.completed")), len(published(desk, "invoice.issued"))) == (2, 2)


# Milestones: no If-Match, so the contract row is what serialises them


def test_a_milestone_marked_done_many_times_at_once_is_done_once(desk, server, coordinator):
    contract = active(desk, coordinator)
    path = f"/contracts/{contract['id']}/milestones/1/done"
    answers = at_once([lambda: server.post(path, {}, coordinator.headers)] * N)
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    assert {answer.body["detail"] for answer in answers if answer.status == 409} == {
        "Milestone 1 ('First 250 cards') is already done."}
    assert len(published(desk, "contract.milestone_done")) == 1


def test_different_milestones_marked_done_at_once_are_all_done(desk, server, coordinator):
    deliveries = [{"title": f"Delivery {n}", "due_on": str(START + dt.timedelta(days=n))} for n in range(1, N + 1)]
    contract = active(desk, coordinator, terms=terms(milestones=deliveries))
    answers = at_once([lambda n=n: server.post(f"/contracts/{contract['id']}/milestones/{n}/done", {},
                                               coordinator.headers) for n in range(1, N + 1)])
    assert statuses(answers) == {200: N}, statuses(answers)
    with desk.runtime.db.sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(Milestone).where(
            Milestone.contract_id == contract["id"], Milestone.done_at.is_not(None))) == N
    assert len(published(desk, "contract.milestone_done")) == N


# Allocations: the contract is locked first, then the allocation


def test_an_offer_accepted_many_times_at_once_is_accepted_once(desk, server, coordinator):
    contract, maker = desk.signed(coordinator), desk.member(sectors=("cards",))
    offer = offer_to(desk, coordinator, contract, maker, 200)
    answers = at_once([lambda: server.post(f"/allocations/{offer['id']}/accept", {}, maker.headers)] * N)
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    assert len(published(desk, "contract.allocation_changed")) == 1


def test_an_offer_accepted_and_declined_at_once_gets_one_answer(desk, server, coordinator):
    contract, maker = desk.signed(coordinator), desk.member(sectors=("cards",))
    offer = offer_to(desk, coordinator, contract, maker, 200)
    answers = at_once([lambda answer=("accept", "decline")[i % 2]: server.post(
        f"/allocations/{offer['id']}/{answer}", {}, maker.headers) for i in range(N)])
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    [made] = [answer for answer in answers if answer.status == 200]
    assert [a.state for a in allocations_of(desk, contract)] == [made.body["state"]]
    assert len(published(desk, "contract.allocation_changed")) == 1


def test_flagged_work_handed_on_many_times_at_once_is_handed_on_once(desk, server, coordinator):
    contract, maker = desk.signed(coordinator), desk.member(sectors=("cards",))
    offer = offer_to(desk, coordinator, contract, maker, 300)
    desk.member_event("member.left", maker)
    others = [desk.member(sectors=("cards",)) for _ in range(4)]
    answers = at_once([lambda other=others[i % 4]: server.post(
        f"/allocations/{offer['id']}/reallocate", {"member_id": other.member_id}, coordinator.headers)
        for i in range(N)])
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    assert [a.state for a in allocations_of(desk, contract)] == ["reallocated", "offered"]
    assert live_quantity(desk, contract) == 300
    assert len(published(desk, "contract.work_allocated")) == 2  # the first offer and the handed-on one


def test_an_offer_accepted_while_it_is_handed_on_is_either_accepted_or_handed_on(desk, server, coordinator):
    contract, maker = desk.signed(coordinator), desk.member(sectors=("cards",))
    offer = offer_to(desk, coordinator, contract, maker, 300)
    others = [desk.member(sectors=("cards",)) for _ in range(4)]
    calls = [lambda other=others[i % 4]: server.post(f"/allocations/{offer['id']}/reallocate",
                                                     {"member_id": other.member_id}, coordinator.headers)
             for i in range(N // 2)]
    calls += [lambda: server.post(f"/allocations/{offer['id']}/accept", {}, maker.headers)] * (N - N // 2)
    answers = at_once(calls)
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    assert [a.state for a in allocations_of(desk, contract)] in (["accepted"], ["reallocated", "offered"])
    assert live_quantity(desk, contract) == 300


def test_work_allocated_while_the_member_is_suspended_is_all_flagged(desk, server, coordinator):
    contract, maker = desk.signed(coordinator), desk.member(sectors=("cards",))
    body = {"member_id": maker.member_id, "line": 0, "quantity": 20}
    calls = [lambda: server.post(f"/contracts/{contract['id']}/allocations", body, coordinator.headers)] * (N - 1)
    calls.insert(N // 2, lambda: desk.member_event("member.suspended", maker))
    answers = answers_only(at_once(calls))
    assert set(statuses(answers)) <= {201, 409}, statuses(answers)
    made = allocations_of(desk, contract)
    assert len(made) == statuses(answers)[201]
    assert {a.state for a in made} <= {"needs_reallocation"}, [a.state for a in made]


def test_offers_accepted_while_the_member_is_suspended_all_stay_flagged(desk, server, coordinator):
    contract, maker = desk.signed(coordinator), desk.member(sectors=("cards",))
    offers = [offer_to(desk, coordinator, contract, maker, 20) for _ in range(N - 1)]
    calls = [lambda offer=offer: server.post(f"/allocations/{offer['id']}/accept", {}, maker.headers)
             for offer in offers]
    calls.insert(N // 2, lambda: desk.member_event("member.suspended", maker))
    answers = answers_only(at_once(calls))
    # Once the suspension is in the projection her still-valid token answers offers no more (403).
    assert set(statuses(answers)) <= {200, 403, 409}, statuses(answers)
    assert [a.state for a in allocations_of(desk, contract)] == ["needs_reallocation"] * (N - 1)


# The members' vote arriving while coordinators withdraw the contract


def test_the_members_approval_and_withdrawals_at_once_leave_one_outcome(desk, server, coordinator):
    contract = desk.agreed(coordinator, terms=LARGE)
    assert contract["approval"] == "pending"
    path = f"/contracts/{contract['id']}/withdraw"
    calls = [lambda: server.post(path, {"reason": "The buyer went elsewhere."}, if_match(coordinator, contract))]
    calls = calls * (N - 1)
    calls.insert(N // 2, lambda: decide(desk, contract))
    answers = answers_only(at_once(calls))
    assert no_server_errors(answers), statuses(answers)
    with desk.runtime.db.sessionmaker() as session:
        now = session.get(Contract, contract["id"])
        state, approval = now.state, now.approval
    if state == "withdrawn":
        assert statuses(answers) == {200: 1, 409: N - 2}, statuses(answers)
        assert (approval, len(published(desk, "contract.approved"))) == ("pending", 0)
        assert len(published(desk, "contract.withdrawn")) == 1
    else:
        assert (state, approval) == ("agreed", "approved")
        assert statuses(answers) == {409: N - 1}, statuses(answers)
        assert (len(published(desk, "contract.approved")), len(published(desk, "contract.withdrawn"))) == (1, 0)
