"""Faults while events flow, on the compose topology run as local processes (tests/support/topology.py).

Every process reaches RabbitMQ and PostgreSQL through a loopback proxy that a test can take down:
taking it down cuts the open connections and refuses new ones, as a broker restart or a database
that stops answering does. The faults: the broker cut off in the middle of a stream of admissions;
a worker killed with SIGKILL while a handler is half done; PostgreSQL refusing connections while
events wait to be applied. Afterwards every event has been applied exactly once, nothing is
dead-lettered, and every process answers again without anybody restarting it (the killed worker is
started again, as its supervisor would). While a dependency is down, /readyz says not ready.

The tests share one topology and leave it healthy for the next; each stream uses its own members.
"""

from __future__ import annotations

import signal
import threading
import uuid
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, make_url, text

from coop.services import SERVICES
from tests.support import http
from tests.support.backends import AMQP_URL, POSTGRES_URL
from tests.support.gateway import admit, applicant, create_coordinator, database_url, is_a_seller, rows, try_admit
from tests.support.proxy import TcpProxy
from tests.support.topology import running_topology, skip_unless_runnable
from tests.support.waiting import wait_for

STREAM = 12  # admissions per stream
CONSUMERS = ("marketplace", "contracts")  # the services that apply member.admitted
LONG_RUNNING = [f"{service}-{part}" for service in SERVICES for part in ("web", "worker")]


def proxy_in_front_of(host: str, port: int):
    proxy = TcpProxy(host, port).up()
    yield proxy
    proxy.down()


@pytest.fixture(scope="module")
def broker():
    url = urlsplit(AMQP_URL)
    yield from proxy_in_front_of(url.hostname, url.port or 5672)


@pytest.fixture(scope="module")
def postgres():
    url = make_url(POSTGRES_URL)
    yield from proxy_in_front_of(url.host, url.port or 5432)


@pytest.fixture(scope="module")
def topology(backend, tmp_path_factory, broker, postgres):
    skip_unless_runnable(backend)

    def through_the_proxies(topology):
        url = urlsplit(AMQP_URL)
        topology.broker_url = url._replace(netloc=f"{url.username}:{url.password}@127.0.0.1:{broker.port}").geturl()
        topology.postgres_address = ("127.0.0.1", postgres.port)

    with running_topology(backend, tmp_path_factory.mktemp("faults"), uuid.uuid4().hex[:8],
                          prepare=through_the_proxies) as topology:
        yield topology


@pytest.fixture(scope="module")
def gateway(topology):
    return topology.url("gateway")


@pytest.fixture(scope="module")
def coordinator(topology):
    return create_coordinator(topology, "faults-coordinator@topology.test")


@pytest.fixture
def applicants(gateway):
    return [applicant(gateway, f"Fault {index}")[0] for index in range(STREAM)]


def is_ready(topology, name: str) -> bool:
    try:
        return http.status(topology.url(name, "/readyz")) == 200
    except OSError:
        return False


def not_ready(topology) -> list[str]:
    return [name for name in LONG_RUNNING if not is_ready(topology, name)]


def admit_all(gateway, coordinator, member_ids, halfway: threading.Event) -> threading.Thread:
    """Admit the members one after another in a thread; set ``halfway`` a third of the way in."""
    def stream():
        for index, member_id in enumerate(member_ids):
            admit(gateway, coordinator, member_id)
            if index == len(member_ids) // 3:
                halfway.set()

    admissions = threading.Thread(target=stream)
    admissions.start()
    return admissions


def assert_applied_exactly_once(topology, gateway, member_ids) -> None:
    """Every admission's event reached every consumer once, took effect, and nothing was parked."""
    wait_for(lambda: all(is_a_seller(gateway, member_id) for member_id in member_ids), timeout=90)
    ids = ",".join(str(member_id) for member_id in member_ids)
    sent = [row[0] for row in rows(topology, "members", "SELECT event_id FROM outbox WHERE event_type = "
                                   f"'member.admitted' AND (envelope->'data'->>'member_id')::int IN ({ids})")]
    assert len(sent) == len(member_ids)
    for service in CONSUMERS:
        wait_for(lambda service=service: set(sent) <= handled(topology, service), timeout=60)
        assert rows(topology, service, "SELECT count(*) FROM dead_letters")[0][0] == 0, service
    sellers = rows(topology, "marketplace", f"SELECT member_id FROM sellers WHERE member_id IN ({ids})")
    assert sorted(row[0] for row in sellers) == sorted(member_ids)
    businesses = rows(topology, "contracts", f"SELECT member_id FROM member_businesses WHERE member_id IN ({ids})")
    assert sorted(row[0] for row in businesses) == sorted(member_ids)


def handled(topology, service) -> set[str]:
    query = "SELECT event_id FROM inbox WHERE event_type = 'member.admitted'"
    return {row[0] for row in rows(topology, service, query)}


def test_the_topology_starts_ready_through_the_proxies(topology):
    assert not_ready(topology) == []


def test_a_broker_cut_off_in_the_middle_of_a_stream_loses_no_event_and_applies_none_twice(
        topology, gateway, coordinator, broker, applicants):
    halfway = threading.Event()
    admissions = admit_all(gateway, coordinator, applicants, halfway)
    assert halfway.wait(60)
    broker.down()
    try:
        # Admissions go on (their events wait in the outbox); readiness says the broker is missing.
        wait_for(lambda: set(not_ready(topology)) == set(LONG_RUNNING), timeout=30)
        admissions.join(120)
        waiting = [member_id for member_id in applicants if not is_a_seller(gateway, member_id)]
    finally:
        broker.up()
    assert waiting, "every event was applied before the cut: the cut was not in the middle of the stream"
    wait_for(lambda: not_ready(topology) == [], timeout=60)
    assert_applied_exactly_once(topology, gateway, applicants)


def test_a_worker_killed_in_the_middle_of_a_handler_loses_no_event_and_applies_none_twice(
        topology, gateway, coordinator, applicants):
    # Holding a lock on the sellers table stops the marketplace's handler half-way: its inbox row is
    # written, the seller is not, nothing is committed. That is when the worker is killed.
    blocker = create_engine(database_url(topology, "marketplace"))
    lock = blocker.connect()
    try:
        lock.begin()
        lock.execute(text("LOCK TABLE sellers IN ACCESS EXCLUSIVE MODE"))
        for member_id in applicants:
            admit(gateway, coordinator, member_id)
        wait_for(lambda: handler_waits_on_the_lock(blocker), timeout=30)
        worker = topology.processes["marketplace-worker"]
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(10) == -signal.SIGKILL
        lock.rollback()
    finally:
        lock.close()
        blocker.dispose()
    assert not any(is_a_seller(gateway, member_id) for member_id in applicants)
    topology.start("marketplace-worker")
    wait_for(lambda: is_ready(topology, "marketplace-worker"), timeout=60)
    assert_applied_exactly_once(topology, gateway, applicants)


def handler_waits_on_the_lock(engine) -> bool:
    with engine.connect() as connection:
        return bool(connection.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query ILIKE '%sellers%'")).scalar())


def test_postgres_refusing_connections_delays_events_refuses_writes_cleanly_and_everything_recovers(
        topology, gateway, coordinator, postgres, applicants):
    refused, *admitted = applicants
    blocker = create_engine(database_url(topology, "marketplace"))
    lock = blocker.connect()
    try:
        # The events are on their way: the marketplace's handler is in the middle of the first one
        # (held by a lock) when PostgreSQL goes away.
        lock.begin()
        lock.execute(text("LOCK TABLE sellers IN ACCESS EXCLUSIVE MODE"))
        for member_id in admitted:
            admit(gateway, coordinator, member_id)
        wait_for(lambda: handler_waits_on_the_lock(blocker), timeout=30)
        postgres.down()
        lock.rollback()
    finally:
        lock.close()
        blocker.dispose()
    try:
        wait_for(lambda: set(not_ready(topology)) == set(LONG_RUNNING), timeout=30)
        status, problem = try_admit(gateway, coordinator, refused)
        assert status == 503 and "nothing was saved" in problem["detail"]
    finally:
        postgres.up()
    wait_for(lambda: not_ready(topology) == [], timeout=60)
    assert rows(topology, "members", f"SELECT status FROM members WHERE id = {refused}")[0][0] == "applicant"
    admit(gateway, coordinator, refused)
    assert_applied_exactly_once(topology, gateway, applicants)
    assert [name for name in LONG_RUNNING if topology.processes[name].poll() is not None] == []


def test_every_process_exits_cleanly_after_the_faults(topology):
    statuses = topology.down()
    assert statuses == {name: 0 for name in statuses}
