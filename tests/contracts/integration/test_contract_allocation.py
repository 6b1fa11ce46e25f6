"""Allocating a signed contract's work: to active producer members whose sectors fit, never more than a
line holds; members answer their own offers; a member suspended or gone has open work flagged for
reallocation, not dropped; members see only their own line of a contract."""

import threading

import pytest
from sqlalchemy import func, select

from services.contracts.models import Allocation
from tests.support.desk import terms
from tests.support.outbox import published_types


@pytest.fixture
def coordinator(desk):
    return desk.coordinator()


@pytest.fixture
def maker(desk):
    return desk.member(name="Paper Birds Cards", sectors=("cards",))


@pytest.fixture
def signed(desk, coordinator):
    return desk.signed(coordinator)  # one line: 500 cards at £2.50


def allocation_states(desk, contract) -> list[str]:
    with desk.runtime.db.sessionmaker() as session:
        return [a.state for a in session.scalars(select(Allocation).where(Allocation.contract_id == contract["id"])
                                                 .order_by(Allocation.id))]


def test_a_coordinator_allocates_part_of_a_line_and_the_contract_shows_what_is_left(desk, coordinator, maker, signed):
    response = desk.allocate(coordinator, signed, maker, 200)
    assert response.status_code == 201, response.json
    assert (response.json["state"], response.json["member_name"]) == ("offered", "Paper Birds Cards")
    [line] = desk.get(coordinator, signed)["lines"]
    assert (line["quantity"], line["allocated"], line["remaining"]) == (500, 200, 300)
    assert "contract.work_allocated" in published_types(desk)


def test_work_is_allocated_only_once_the_contract_is_signed(desk, coordinator, maker):
    agreed = desk.agreed(coordinator)
    assert desk.allocate(coordinator, agreed, maker, 10).status_code == 409


def test_allocations_never_add_up_to_more_than_the_line(desk, coordinator, maker, signed):
    assert desk.allocate(coordinator, signed, maker, 400).status_code == 201
    response = desk.allocate(coordinator, signed, maker, 101)
    assert response.status_code == 409 and "Only 100" in response.json["detail"]


@pytest.mark.parametrize(("kind", "sectors"), [("agency", ("cards",)), ("producer", ("catering",))])
def test_only_producers_whose_sectors_fit_take_work(desk, coordinator, signed, kind, sectors):
    someone = desk.member(kind=kind, sectors=sectors)
    assert desk.allocate(coordinator, signed, someone, 10).status_code == 409


def test_a_suspended_member_takes_no_new_work(desk, coordinator, maker, signed):
    desk.member_event("member.suspended", maker)
    assert desk.allocate(coordinator, signed, maker, 10).status_code == 409


def test_unknown_members_and_lines_are_bad_input(desk, coordinator, maker, signed):
    response = desk.client.post(f"/contracts/{signed['id']}/allocations", headers=coordinator.headers,
                                json={"member_id": 987654, "line": 0, "quantity": 1})
    assert response.status_code == 422
    assert desk.allocate(coordinator, signed, maker, 1, line=3).status_code == 422
    assert desk.allocate(coordinator, signed, maker, 0).status_code == 422


def test_a_member_accepts_their_own_offer_once(desk, coordinator, maker, signed):
    offer = desk.allocate(coordinator, signed, maker, 100).json
    response = desk.client.post(f"/allocations/{offer['id']}/accept", headers=maker.headers)
    assert response.status_code == 200 and response.json["state"] == "accepted"
    assert desk.client.post(f"/allocations/{offer['id']}/accept", headers=maker.headers).status_code == 409


def test_a_member_cannot_answer_someone_elses_offer(desk, coordinator, maker, signed):
    offer = desk.allocate(coordinator, signed, maker, 100).json
    other = desk.member(sectors=("cards",))
    assert desk.client.post(f"/allocations/{offer['id']}/decline", headers=other.headers).status_code == 403


def test_declined_work_is_free_to_allocate_again(desk, coordinator, maker, signed):
    offer = desk.allocate(coordinator, signed, maker, 500).json
    desk.client.post(f"/allocations/{offer['id']}/decline", headers=maker.headers)
    assert desk.get(coordinator, signed)["lines"][0]["remaining"] == 500


@pytest.mark.parametrize("event_type", ["member.suspended", "member.left"])
def test_a_member_who_stops_has_open_work_flagged_for_reallocation_not_dropped(desk, coordinator, maker, signed,
                                                                              event_type):
    offer = desk.allocate(coordinator, signed, maker, 300).json
    desk.client.post(f"/allocations/{offer['id']}/accept", headers=maker.headers)
    desk.member_event(event_type, maker)
    [flagged] = desk.client.get("/allocations?state=needs_reallocation", headers=coordinator.headers).json
    assert flagged["id"] == offer["id"] and flagged["flagged_reason"]
    assert desk.get(coordinator, signed)["lines"][0]["remaining"] == 200  # still held until handed on
    assert "contract.allocation_changed" in published_types(desk)


def test_flagged_work_is_handed_on_to_another_member(desk, coordinator, maker, signed):
    offer = desk.allocate(coordinator, signed, maker, 300).json
    desk.member_event("member.left", maker)
    other = desk.member(sectors=("cards",))
    response = desk.client.post(f"/allocations/{offer['id']}/reallocate", headers=coordinator.headers,
                                json={"member_id": other.member_id})
    assert response.status_code == 200, response.json
    assert (response.json["member_id"], response.json["quantity"], response.json["state"]) == (
        other.member_id, 300, "offered")
    assert allocation_states(desk, signed) == ["reallocated", "offered"]


def test_work_cannot_start_until_every_line_is_allocated(desk, coordinator, maker, signed):
    desk.allocate(coordinator, signed, maker, 499)
    response = desk.move(coordinator, desk.get(coordinator, signed), "start")
    assert response.status_code == 409 and "499 of 500" in response.json["detail"]


def test_a_member_sees_only_their_own_line_of_the_contract(desk, coordinator, maker):
    two_lines = {"line_items": [
        {"description": "Christmas cards", "quantity": 100, "unit": "cards", "unit_price_pence": 250},
        {"description": "Gift tags", "quantity": 300, "unit": "tags", "unit_price_pence": 80}]}
    contract = desk.signed(coordinator, terms=terms(**two_lines))
    desk.allocate(coordinator, contract, maker, 100, line=0)
    [mine] = desk.client.get("/my/allocations", headers=maker.headers).json
    assert (mine["description"], mine["quantity"], mine["value_pence"]) == ("Christmas cards", 100, 25_000)
    assert not {"total_pence", "line_items", "payment_terms_days", "clauses", "member_ids", "rounds"} & mine.keys()
    assert "Gift tags" not in str(mine)


def test_a_member_cannot_read_the_contract_itself(desk, coordinator, maker, signed):
    assert desk.client.get(f"/contracts/{signed['id']}", headers=maker.headers).status_code == 403
    assert desk.client.get(f"/contracts/{signed['id']}/allocations", headers=maker.headers).status_code == 403


def test_members_racing_for_the_last_units_never_over_allocate(desk, coordinator, signed):
    makers = [desk.member(sectors=("cards",)) for _ in range(8)]
    desk.allocate(coordinator, signed, makers[0], 490)
    results = []

    def take(member):
        client = desk.app.test_client()
        response = client.post(f"/contracts/{signed['id']}/allocations", headers=coordinator.headers,
                               json={"member_id": member.member_id, "line": 0, "quantity": 4})
        results.append(response.status_code)

    threads = [threading.Thread(target=take, args=(member,)) for member in makers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results.count(201) == 2 and set(results) <= {201, 409}
    with desk.runtime.db.sessionmaker() as session:
        held = session.scalar(select(func.sum(Allocation.quantity)).where(Allocation.contract_id == signed["id"]))
    assert held == 498
