"""The member's record: sales, refunds, payouts, contract work and jobs, from the other services' events;
seen by the member and by coordinators (whose look is logged); made again from the outboxes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from coop.services import app_module
from services.brokering.events import CATALOG as BROKERING
from services.contracts.events import CATALOG as CONTRACTS
from services.marketplace.events import CATALOG as MARKETPLACE
from services.members import member_record
from shared.db import OutboxMessage
from tests.support import record as scenarios
from tests.support.cli import run_coop

MARCH = dt.datetime(2026, 3, 14, 10, 0, tzinfo=dt.UTC)


def deliver(coop, event) -> str:
    """Hand the members service an event through its real consumer path (inbox included)."""
    return coop.runtime.processor.process(json.dumps(event.to_dict())).value


def paid(order_id, seller_id, gross, net, when=MARCH):
    return MARKETPLACE.build("order.paid", {
        "order_id": order_id, "status": "paid", "total_pence": gross, "currency": "GBP", "buyer_member_id": None,
        "buyer_account_id": order_id, "receipt_path": f"/marketplace/store/orders/{order_id}", "occurred_at": when,
        "sellers": [{"seller_id": seller_id, "account_id": seller_id, "gross_pence": gross,
                     "commission_pence": gross - net, "net_pence": net,
                     "lines": [{"title": "Robin card", "quantity": 1, "amount_pence": gross}]}]})


def refunded(order_id, seller_id, gross, net, when=MARCH):
    return MARKETPLACE.build("refund.issued", {
        "order_id": order_id, "seller_id": seller_id, "gross_pence": gross, "commission_pence": gross - net,
        "net_pence": net, "currency": "GBP", "occurred_at": when})


def registered(job_seeker_id, member_id, when=MARCH):
    return BROKERING.build("job_seeker.registered", {"job_seeker_id": job_seeker_id, "member_id": member_id,
                                                     "occurred_at": when})


def placement(event_type, job_seeker_id, when=MARCH, **data):
    return BROKERING.build(event_type, {"placement_id": 40, "job_seeker_id": job_seeker_id, "employer_id": 2,
                                        "occurred_at": when, **data})


def months(coop, member, by=None):
    response = coop.client.get(f"/members/{member.member_id}/record", headers=(by or member).headers)
    assert response.status_code == 200, response.json
    return response.json


@pytest.fixture
def member(coop):
    return coop.member()


def test_a_paid_order_is_a_sale_and_earnings_in_its_month(coop, member):
    assert deliver(coop, paid(1, member.member_id, 2400, 2160)) == "handled"
    [march] = months(coop, member)
    assert (march["month"], march["sales_pence"], march["earnings_pence"]) == ("2026-03-01", 2400, 2160)


def test_a_refund_is_taken_off_the_earnings_of_its_month(coop, member):
    deliver(coop, paid(1, member.member_id, 2400, 2160))
    deliver(coop, refunded(1, member.member_id, 1000, 900, when=MARCH + dt.timedelta(days=30)))
    march, april = months(coop, member)
    assert (march["earnings_pence"], april["refunds_pence"], april["earnings_pence"]) == (2160, 1000, -900)


def test_an_event_delivered_twice_counts_once(coop, member):
    event = paid(1, member.member_id, 2400, 2160)
    assert [deliver(coop, event), deliver(coop, event)] == ["handled", "duplicate"]
    assert months(coop, member)[0]["sales_pence"] == 2400


def test_contract_work_allocated_and_done_and_its_earnings(coop, member):
    deliver(coop, CONTRACTS.build("contract.work_allocated", {
        "contract_id": 5, "reference": "C-5", "allocation_id": 9, "member_id": member.member_id,
        "account_id": member.account_id, "respond_by": None,
        "description": "250 cards", "quantity": 250, "value_pence": 62_500, "occurred_at": MARCH}))
    deliver(coop, CONTRACTS.build("contract.completed", {
        "contract_id": 5, "reference": "C-5", "title": "Cards", "buyer_name": "Leaf & Co", "sector": "cards",
        "state": "completed", "total_pence": 62_500, "currency": "GBP", "round_number": 1, "occurred_at": MARCH,
        "invoice_number": "INV-000001",
        "shares": [{"member_id": member.member_id, "gross_pence": 62_500, "fee_pence": 3_125, "net_pence": 59_375}]}))
    [march] = months(coop, member)
    assert (march["work_allocated_pence"], march["work_done_pence"], march["earnings_pence"]) == (
        62_500, 62_500, 59_375)


def test_a_placement_reaches_the_record_of_the_member_who_is_the_job_seeker(coop, member):
    deliver(coop, registered(30, member.member_id))
    deliver(coop, placement("placement.started", 30, kind="paid", start_on=dt.date(2026, 3, 16)))
    deliver(coop, placement("placement.sustained", 30, when=MARCH + dt.timedelta(weeks=13), milestone="13w",
                            sustained_on=dt.date(2026, 6, 15)))
    march, june = months(coop, member)
    assert (march["placements_started"], june["sustained_13_weeks"]) == (1, 1)


def test_a_placement_for_a_job_seeker_not_yet_known_is_parked_not_lost(coop):
    started = placement("placement.started", 31, kind="paid", start_on=dt.date(2026, 3, 16))
    assert deliver(coop, started) == "dead_lettered"


def test_a_member_cannot_see_another_members_record(coop, member):
    response = coop.client.get(f"/members/{member.member_id}/record", headers=coop.member().headers)
    assert response.status_code == 403


def test_a_coordinators_look_at_a_record_is_logged(coop, member):
    months(coop, member, by=coop.coordinator())
    log = coop.client.get(f"/members/{member.member_id}/access-log", headers=member.headers).json
    assert [entry["purpose"] for entry in log] == ["viewed member record"]


@pytest.fixture
def sources(settings):
    """The other services' databases, migrated as they run, whose outboxes the rebuild reads."""
    runtimes = {service: app_module(service).build_runtime(settings)
                for service in ("marketplace", "contracts", "brokering")}
    for runtime in runtimes.values():
        runtime.prepare_schema()
    yield {service: runtime.db for service, runtime in runtimes.items()}
    for runtime in runtimes.values():
        runtime.stop()


def keep_in_outboxes(sources, scenario) -> None:
    for service, db in sources.items():
        with db.transaction() as session:
            session.add_all(OutboxMessage(event_id=event.id, event_type=event.type, envelope=event.to_dict())
                            for event in scenario.by_source(service))


def record_of_everyone(coop, member_ids) -> dict:
    with coop.runtime.db.sessionmaker() as session:
        return {member_id: [dataclasses.asdict(month) for month in member_record.member_record(session, member_id)]
                for member_id in member_ids}


def test_the_record_adds_up_to_the_generated_events(coop):
    member_ids = list(range(5000, 5200))
    scenario = scenarios.generate(member_ids)
    assert len(scenario.events) > 1000
    for event in scenario.events:
        assert deliver(coop, event) == "handled"
    found = record_of_everyone(coop, member_ids)
    for member_id in member_ids:
        expected = {month: {field: value for field, value in sums.items() if value}
                    for month, sums in scenario.expected[member_id].items()}
        got = {month["month"]: {field: value for field, value in month.items() if field != "month" and value}
               for month in found[member_id]}
        assert got == {month: sums for month, sums in expected.items() if sums}, member_id


def test_rebuilding_from_the_outboxes_gives_the_same_record(coop, sources, settings):
    member_ids = list(range(6000, 6150))
    scenario = scenarios.generate(member_ids, seed=11)
    keep_in_outboxes(sources, scenario)
    for event in scenario.events:
        deliver(coop, event)
    live = record_of_everyone(coop, member_ids)

    result = run_coop(settings, "record", "rebuild")
    assert result.exit_code == 0, result.output
    assert f"from {len(scenario.events)} events" in result.output
    assert record_of_everyone(coop, member_ids) == live


def test_after_a_rebuild_an_event_still_on_its_way_is_known_as_applied(coop, sources):
    event = paid(1, 77, 2400, 2160)
    keep_in_outboxes(sources, scenarios.Scenario([event], {}))
    deliver(coop, event)
    with coop.runtime.db.transaction() as session:
        member_record.rebuild(session, member_record.events_from_outboxes(sources.values(), ["order.paid"]),
                       {"order.paid": coop.runtime.processor.subscriptions["order.paid"]})
    assert deliver(coop, event) == "duplicate"
