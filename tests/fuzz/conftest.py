"""One app of each service for the whole fuzz module, seeded once, with a caller of every role.

The root conftest's service fixtures are made anew for each test; fuzzing makes some 1,300 tests (each
operation of each service for each caller, and the positive-data run), so here the same fixtures are
module-wide: one database and one app per service, seeded with a row of each kind (id 1) so that examples
reach past "not found".
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from shared.db import utcnow
from tests.support import fuzz
from tests.support.brokering import DISCLOSURE, Agency
from tests.support.desk import Desk
from tests.support.factories import Coop
from tests.support.market import Market
from tests.support.notifications import PostRoom


@pytest.fixture(scope="module")
def settings(backend, tmp_path_factory):
    settings = backend.settings_for_test(tmp_path_factory.mktemp("fuzz"), uuid.uuid4().hex[:10])
    yield settings
    backend.clean_up_test(settings)


def _service(backend, settings, service: str, factory):
    import importlib

    module = importlib.import_module(f"services.{service}.app")
    backend.seed_schema(settings, service)
    runtime = module.build_runtime(settings)
    app = module.create_app(settings, runtime=runtime, start_relay=False)
    return factory(app, runtime)


@pytest.fixture(scope="module")
def coop(backend, settings):
    service = _service(backend, settings, "members", Coop)
    yield service
    service.runtime.stop()


@pytest.fixture(scope="module")
def market(backend, settings):
    service = _service(backend, settings, "marketplace", Market)
    yield service
    service.runtime.stop()


@pytest.fixture(scope="module")
def desk(backend, settings):
    service = _service(backend, settings, "contracts", Desk)
    yield service
    service.runtime.stop()


@pytest.fixture(scope="module")
def agency(backend, settings):
    service = _service(backend, settings, "brokering", Agency)
    yield service
    service.runtime.stop()


@pytest.fixture(scope="module")
def notices(backend, settings):
    service = _service(backend, settings, "notifications", PostRoom)
    yield service
    service.runtime.stop()


def _headers(callers: dict) -> dict[str, dict[str, str]]:
    return {role: caller.headers for role, caller in callers.items()}


@pytest.fixture(scope="module")
def members_target(coop):
    callers = {"member": coop.member(), "agency": coop.member(kind="agency"), "coordinator": coop.coordinator(),
               "customer": coop.account("customer"), "employer": coop.account("employer"),
               "admin": coop.account("admin")}
    coop.member(status="applicant")
    response = coop.client.post("/proposals", headers=callers["coordinator"].headers, json={
        "title": "Adopt the 2027 budget", "text": "The budget as circulated.", "quorum_minimum": 1,
        "closes_at": (utcnow() + dt.timedelta(days=7)).isoformat()})
    assert response.status_code == 201, response.json
    return fuzz.target("members", coop.app, _headers(callers))


@pytest.fixture(scope="module")
def contracts_target(desk):
    callers = {"member": desk.member(), "agency": desk.member(kind="agency"), "coordinator": desk.coordinator(),
               "customer": desk.customer(), "employer": desk.signed_in(900_001, ("employer",)),
               "admin": desk.signed_in(900_002, ("admin",))}
    coordinator = callers["coordinator"]
    signed = desk.signed(coordinator)
    response = desk.allocate(coordinator, signed, callers["member"], 100)
    assert response.status_code == 201, response.json
    desk.contract(coordinator)  # a draft, too
    return fuzz.target("contracts", desk.app, _headers(callers))


@pytest.fixture(scope="module")
def marketplace_target(market):
    callers = {"member": market.member(), "agency": market.member(kind="agency"),
               "coordinator": market.coordinator(), "customer": market.customer(),
               "employer": market.signed_in(900_003, ("employer",)), "admin": market.signed_in(900_004, ("admin",))}
    listing = market.listing(callers["member"])
    market.listing(callers["member"], publish=False, title="Draft card")
    customer = callers["customer"].headers
    response = market.client.post("/cart/lines", json={"listing_id": listing["id"], "quantity": 1}, headers=customer)
    assert response.status_code in (200, 201), response.json
    response = market.client.post("/checkout", json={"delivery_address": "1 High St"}, headers=customer)
    assert response.status_code in (200, 201), response.json
    # A line left in the cart, for the operations on cart lines.
    market.client.post("/cart/lines", json={"listing_id": listing["id"], "quantity": 1}, headers=customer)
    return fuzz.target("marketplace", market.app, _headers(callers))


@pytest.fixture(scope="module")
def brokering_target(agency):
    seeker = agency.job_seeker("Jo", DISCLOSURE, skills=["cooking"], sectors=["catering"], travel_area="LS6",
                               hours_per_week=30)
    hire = agency.employer()
    vacancy = agency.vacancy(hire)
    agency.application(seeker, vacancy)
    # Brokering hears of members only when they look for work: an agency is just a signed-in member.
    callers = {"member": seeker, "agency": agency.signed_in(900_006, ("agency",), 900_007),
               "coordinator": agency.coordinator(),
               "customer": agency.customer(), "employer": hire.trader,
               "admin": agency.signed_in(900_005, ("admin",))}
    return fuzz.target("brokering", agency.app, _headers(callers))


@pytest.fixture(scope="module")
def notifications_target(notices):
    callers = {"member": notices.member(), "agency": notices.member(kind="agency"),
               "coordinator": notices.person("Coordinator", roles=("coordinator",)),
               "customer": notices.person("Customer"), "employer": notices.person("Employer", roles=("employer",)),
               "admin": notices.person("Admin", roles=("admin",))}
    return fuzz.target("notifications", notices.app, _headers(callers))


def pytest_terminal_summary(terminalreporter):
    if fuzz.TOTALS["tests"]:
        terminalreporter.write_line(
            f"fuzz: {fuzz.TOTALS['examples']} examples over {fuzz.TOTALS['tests']} (operation, caller) tests")
