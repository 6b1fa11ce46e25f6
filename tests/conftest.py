"""Fixtures shared by every test.

Tests follow the code: ``tests/<service>/unit`` and ``tests/<service>/integration`` for each service
(``shared`` and ``coop`` included), ``tests/every_service`` for the checks made of all four alike,
``tests/e2e`` for flows across services and the browser, ``tests/fuzz``; helpers in ``tests/support``.
Unit tests need none of this: they test rules as plain functions, so their result cannot depend on the
backend and they run in the embedded pass only. Integration tests drive one service through its HTTP
API or its handlers with a real database and a real broker; end-to-end tests run several services
together over the backbone.

The backend is chosen by COOP_TEST_BACKEND: ``embedded`` (default: SQLite files and kombu's
``memory://``) or ``real`` (PostgreSQL and RabbitMQ on 127.0.0.1). In the real pass, every test that
needs a backend is skipped with a clear message when those servers cannot be reached.
"""

from __future__ import annotations

import os
import uuid

import pytest

from tests.support.backends import Backend, choose_backend
from tests.support.brokering import Agency
from tests.support.desk import Desk
from tests.support.factories import Coop
from tests.support.market import Market
from tests.support.notifications import PostRoom
from tests.support.passwords import cheap_password_hashes


def pytest_collection_modifyitems(config, items):
    """In the real pass, leave out the unit tests: nothing in them touches a database or a broker."""
    if os.environ.get("COOP_TEST_BACKEND", "embedded") != "real":
        return
    unit = [item for item in items if "unit" in item.path.parent.parts[-1:]]
    if unit:
        config.hook.pytest_deselected(items=unit)
        leave_out = set(unit)
        items[:] = [item for item in items if item not in leave_out]


@pytest.fixture(autouse=True)
def cheap_argon2(request):
    """The cheapest argon2 in-process, unless the test is marked real_password_hashing (see passwords.py)."""
    if request.node.get_closest_marker("real_password_hashing"):
        yield
        return
    with cheap_password_hashes():
        yield


@pytest.fixture(scope="session")
def backend() -> Backend:
    """The servers this test run uses (skips the test if the real ones are unreachable)."""
    chosen = choose_backend(os.environ.get("COOP_TEST_BACKEND", "embedded"))
    if chosen.skip_reason:
        pytest.skip(chosen.skip_reason)
    yield chosen
    chosen.close()


@pytest.fixture
def settings(backend, tmp_path):
    """Settings with a unique exchange, queue names and databases for this test alone."""
    settings = backend.settings_for_test(tmp_path, uuid.uuid4().hex[:10])
    yield settings
    backend.clean_up_test(settings)


@pytest.fixture
def coop(backend, settings):
    """The members service with a test client and factories for accounts, members and tokens."""
    from services.members.app import build_runtime, create_app

    backend.seed_schema(settings, "members")
    runtime = build_runtime(settings)
    app = create_app(settings, runtime=runtime, start_relay=False)
    yield Coop(app, runtime)
    runtime.stop()


@pytest.fixture
def client(coop):
    return coop.client


@pytest.fixture
def market(backend, settings):
    """The marketplace service with a test client and factories for sellers, customers and listings."""
    from services.marketplace.app import build_runtime, create_app

    backend.seed_schema(settings, "marketplace")
    runtime = build_runtime(settings)
    app = create_app(settings, runtime=runtime, start_relay=False)
    yield Market(app, runtime)
    runtime.stop()


@pytest.fixture
def desk(backend, settings):
    """The contracts service with a test client and factories for buyers and contracts."""
    from services.contracts.app import build_runtime, create_app

    backend.seed_schema(settings, "contracts")
    runtime = build_runtime(settings)
    app = create_app(settings, runtime=runtime, start_relay=False)
    yield Desk(app, runtime)
    runtime.stop()


@pytest.fixture
def agency(backend, settings):
    """The job brokering service with a test client; job seekers arrive as member events."""
    from services.brokering.app import build_runtime, create_app

    backend.seed_schema(settings, "brokering")
    runtime = build_runtime(settings)
    app = create_app(settings, runtime=runtime, start_relay=False)
    yield Agency(app, runtime)
    runtime.stop()


@pytest.fixture
def notices(backend, settings):
    """The notifications service with a test client; people and what to tell them arrive as member events.
    Its mail is written as .eml files under the test's data folder (no COOP_SMTP_URL)."""
    from services.notifications.app import build_runtime, create_app
    from services.notifications.settings import NotificationsSettings

    backend.seed_schema(settings, "notifications")
    runtime = build_runtime(settings, NotificationsSettings())
    app = create_app(settings, runtime=runtime, start_relay=False)
    yield PostRoom(app, runtime)
    runtime.stop()
