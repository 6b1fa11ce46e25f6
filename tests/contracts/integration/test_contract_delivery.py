"""A signed contract at work: started once allocated, milestones done, completed with an invoice to the
buyer numbered without gaps, VAT only when the co-op is registered, and members' shares after the fee."""

import pytest

from services.contracts.app import build_runtime, create_app
from services.contracts.settings import ContractsSettings
from tests.support.desk import Desk
from tests.support.outbox import published


@pytest.fixture
def coordinator(desk):
    return desk.coordinator()


def active_contract(desk, coordinator, *makers, **fields):
    """A signed contract whose 500 cards are split between the makers, accepted and started."""
    contract = desk.signed(coordinator, **fields)
    share = 500 // len(makers)
    for index, maker in enumerate(makers):
        quantity = share if index < len(makers) - 1 else 500 - share * (len(makers) - 1)
        offer = desk.allocate(coordinator, contract, maker, quantity).json
        assert desk.client.post(f"/allocations/{offer['id']}/accept", headers=maker.headers).status_code == 200
    return desk.moved(coordinator, desk.get(coordinator, contract), "start")


def finish_milestones(desk, coordinator, contract):
    for milestone in contract["milestones"]:
        response = desk.client.post(f"/contracts/{contract['id']}/milestones/{milestone['number']}/done",
                                    headers=coordinator.headers)
        assert response.status_code == 200, response.json
    return desk.get(coordinator, contract)


def completed(desk, coordinator, *makers):
    contract = finish_milestones(desk, coordinator, active_contract(desk, coordinator, *makers))
    return desk.moved(coordinator, contract, "complete")


def test_milestones_are_marked_done_only_while_the_contract_is_active(desk, coordinator):
    signed = desk.signed(coordinator)
    response = desk.client.post(f"/contracts/{signed['id']}/milestones/1/done", headers=coordinator.headers)
    assert response.status_code == 409


def test_a_milestone_is_done_once_and_an_unknown_one_is_not_found(desk, coordinator):
    contract = active_contract(desk, coordinator, desk.member())
    path = f"/contracts/{contract['id']}/milestones"
    assert desk.client.post(f"{path}/1/done", headers=coordinator.headers).status_code == 200
    assert desk.client.post(f"{path}/1/done", headers=coordinator.headers).status_code == 409
    assert desk.client.post(f"{path}/9/done", headers=coordinator.headers).status_code == 404


def test_completion_waits_for_every_milestone(desk, coordinator):
    contract = active_contract(desk, coordinator, desk.member())
    response = desk.move(coordinator, contract, "complete")
    assert response.status_code == 409 and "First 250 cards" in response.json["detail"]


def test_completion_issues_an_invoice_with_the_agreed_lines_and_no_vat_when_unregistered(desk, coordinator):
    done = completed(desk, coordinator, desk.member())
    assert done["state"] == "completed"
    [invoice] = desk.client.get("/invoices", headers=coordinator.headers).json
    assert (invoice["number"], invoice["net_pence"], invoice["vat_pence"], invoice["gross_pence"]) == (
        "INV-000001", 125_000, 0, 125_000)
    assert invoice["vat_rate_percent"] is None and invoice["buyer_name"] == "Leaf & Co"
    assert invoice["lines"][0]["total_pence"] == 125_000
    assert desk.client.get(f"/invoices/{invoice['id']}", headers=coordinator.headers).json == invoice


def test_invoices_are_numbered_without_gaps(desk, coordinator):
    for _ in range(3):
        completed(desk, coordinator, desk.member())
    numbers = sorted(invoice["number"] for invoice in desk.client.get("/invoices", headers=coordinator.headers).json)
    assert numbers == ["INV-000001", "INV-000002", "INV-000003"]


def test_a_vat_registered_co_op_adds_vat_on_top(settings):
    runtime = build_runtime(settings, ContractsSettings(coop_vat_registered=True))
    desk = Desk(create_app(settings, runtime=runtime, start_relay=False), runtime)
    try:
        coordinator = desk.coordinator()
        completed(desk, coordinator, desk.member())
        [invoice] = desk.client.get("/invoices", headers=coordinator.headers).json
        assert (invoice["vat_rate_percent"], invoice["vat_pence"], invoice["gross_pence"]) == (20, 25_000, 150_000)
    finally:
        runtime.stop()


def test_each_members_share_is_recorded_after_the_fee_and_adds_up(desk, coordinator):
    first, second = desk.member(), desk.member()
    completed(desk, coordinator, first, second)
    [mine] = desk.client.get("/my/shares", headers=first.headers).json
    assert (mine["gross_pence"], mine["fee_pence"], mine["net_pence"]) == (62_500, 6_250, 56_250)
    [event] = published(desk, "contract.completed")
    assert sum(share["gross_pence"] for share in event["shares"]) == 125_000
    assert all(share["fee_pence"] + share["net_pence"] == share["gross_pence"] for share in event["shares"])
    assert published(desk, "invoice.issued")[0]["invoice_number"] == "INV-000001"


def test_completion_waits_for_offers_to_be_accepted(desk, coordinator):
    maker = desk.member()
    contract = desk.signed(coordinator)
    desk.allocate(coordinator, contract, maker, 500)
    started = desk.moved(coordinator, desk.get(coordinator, contract), "start")
    contract = finish_milestones(desk, coordinator, started)
    assert desk.move(coordinator, contract, "complete").status_code == 409
