"""What the contracts service publishes so that people are told: whom an offer of work goes to and by when
to answer it, and a warning, once per offer, before an offer waiting for the buyer's answer lapses."""

from __future__ import annotations

import datetime as dt

import pytest

from services.contracts.app import build_runtime
from services.contracts.contracts import warn_of_lapsing_offers, warn_of_lapsing_offers_job
from services.contracts.settings import ContractsSettings
from tests.support.concurrency import at_once
from tests.support.desk import START, terms
from tests.support.outbox import published

WARNING = dt.timedelta(hours=48)


@pytest.fixture
def coordinator(desk):
    return desk.coordinator()


def later(**delta) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(**delta)).isoformat()


def warn(desk, **delta) -> list[int]:
    """Run the job that warns of lapsing offers as if it were ``delta`` from now."""
    with desk.runtime.db.transaction() as session:
        return warn_of_lapsing_offers(session, WARNING, now=dt.datetime.now(dt.UTC) + dt.timedelta(**delta))


def offered(desk, by, respond_in=dt.timedelta(days=7)) -> dict:
    return desk.moved(by, desk.contract(by), "propose", {"respond_by": (dt.datetime.now(dt.UTC) + respond_in)
                                                         .isoformat()})


# contract.work_allocated


def test_work_allocated_names_the_member_businesss_account(desk, coordinator):
    maker = desk.member(sectors=("cards",))
    desk.allocate(coordinator, desk.signed(coordinator), maker, 100)

    [event] = published(desk, "contract.work_allocated")

    assert (event["member_id"], event["account_id"]) == (maker.member_id, maker.account_id)


def test_work_allocated_asks_for_an_answer_by_the_contracts_start_date(desk, coordinator):
    desk.allocate(coordinator, desk.signed(coordinator), desk.member(sectors=("cards",)), 100)

    [event] = published(desk, "contract.work_allocated")

    assert event["respond_by"] == START.isoformat()


def test_work_allocated_after_the_start_date_has_no_answer_by_date(desk, coordinator):
    started = str(dt.date.today() - dt.timedelta(days=3))
    contract = desk.signed(coordinator, terms=terms(start_on=started, end_on=str(START), milestones=[]))
    desk.allocate(coordinator, contract, desk.member(sectors=("cards",)), 100)

    [event] = published(desk, "contract.work_allocated")

    assert event["respond_by"] is None


# contract.offer_lapsing


def test_an_offer_is_warned_of_48_hours_before_it_lapses(desk, coordinator):
    contract = offered(desk, coordinator, dt.timedelta(days=7))

    assert warn(desk, days=5, hours=1) == [contract["id"]]

    [event] = published(desk, "contract.offer_lapsing")
    assert event == {"contract_id": contract["id"], "reference": contract["reference"], "title": contract["title"],
                     "buyer_name": "Leaf & Co", "lapses_at": contract["offer_expires_at"],
                     "occurred_at": event["occurred_at"]}


def test_an_offer_is_not_warned_of_earlier_than_48_hours_before(desk, coordinator):
    offered(desk, coordinator, dt.timedelta(days=7))

    assert warn(desk, days=4) == []
    assert published(desk, "contract.offer_lapsing") == []


def test_an_offer_is_warned_of_only_once(desk, coordinator):
    contract = offered(desk, coordinator, dt.timedelta(days=7))

    assert warn(desk, days=5, hours=1) == [contract["id"]]
    assert warn(desk, days=6) == []
    assert len(published(desk, "contract.offer_lapsing")) == 1


def test_an_answered_offer_is_not_warned_of(desk, coordinator):
    contract = offered(desk, coordinator, dt.timedelta(days=7))
    desk.moved(coordinator, contract, "agree", {"party": "buyer"})

    assert warn(desk, days=5, hours=1) == []
    assert published(desk, "contract.offer_lapsing") == []


def test_an_offer_already_lapsed_is_not_warned_of(desk, coordinator):
    offered(desk, coordinator, dt.timedelta(days=7))

    assert warn(desk, days=8) == []


def test_an_offer_without_a_deadline_is_never_warned_of(desk, coordinator):
    desk.moved(coordinator, desk.contract(coordinator), "propose")

    assert warn(desk, days=365) == []


def test_a_counter_offer_with_a_new_deadline_is_warned_of_again(desk, coordinator):
    contract = offered(desk, coordinator, dt.timedelta(days=7))
    assert warn(desk, days=5, hours=1) == [contract["id"]]
    response = desk.client.post(
        f"/contracts/{contract['id']}/rounds",
        json={"party": "buyer", "terms": terms(), "respond_by": later(days=14)},
        headers={**coordinator.headers, "If-Match": f'"{desk.get(coordinator, contract)["version"]}"'})
    assert response.status_code == 201, response.json

    assert warn(desk, days=12, hours=1) == [contract["id"]]

    first, second = published(desk, "contract.offer_lapsing")
    assert second["lapses_at"] == response.json["offer_expires_at"] != first["lapses_at"]


def test_the_warning_does_not_change_the_contracts_version(desk, coordinator):
    contract = offered(desk, coordinator, dt.timedelta(days=7))

    warn(desk, days=5, hours=1)

    assert desk.get(coordinator, contract)["version"] == contract["version"]


def test_two_workers_warning_at_once_publish_one_warning_per_offer(desk, coordinator, settings):
    contracts = [offered(desk, coordinator, dt.timedelta(hours=30)) for _ in range(3)]
    workers = [build_runtime(settings, ContractsSettings()) for _ in range(2)]
    try:
        at_once([lambda worker=worker: warn_of_lapsing_offers_job(worker) for worker in workers])
    finally:
        for worker in workers:
            worker.stop()

    warned = sorted(event["contract_id"] for event in published(desk, "contract.offer_lapsing"))
    assert warned == sorted(contract["id"] for contract in contracts)
