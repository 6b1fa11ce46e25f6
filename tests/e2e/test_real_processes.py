"""The real run mode: `coop serve members` under gunicorn and `coop worker members` as separate
processes, on PostgreSQL and RabbitMQ, with another service listening over the broker."""

import datetime as dt
import os
import signal
import subprocess
import sys

import pytest

from services.members.app import build_runtime, create_app
from services.members.proposals import open_proposal
from shared.auth import Principal
from shared.db import utcnow
from tests.support import http
from tests.support.cli import environment
from tests.support.concurrency import N, Server, at_once, statuses
from tests.support.factories import Coop
from tests.support.http import free_port
from tests.support.listener import Listener
from tests.support.market import Market
from tests.support.shopping import differences, payment_body, place_order
from tests.support.waiting import wait_for


@pytest.fixture
def processes(backend, settings):
    """Start processes with the test's settings; stop them (by their PIDs) afterwards."""
    if not backend.is_real:
        pytest.skip("separate web and worker processes need a real broker; memory:// lives in one process")
    started = []

    def start(*args):
        process = subprocess.Popen([sys.executable, "-m", "coop", *args],
                                   env={**os.environ, **environment(settings)},
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started.append(process)
        return process

    yield start
    for process in started:
        process.send_signal(signal.SIGTERM)
    for process in started:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def people(settings):
    """Factories writing straight into the members database the processes use."""
    runtime = build_runtime(settings)
    yield Coop(create_app(settings, runtime=runtime, start_relay=False), runtime)
    runtime.stop()


def test_an_admission_through_gunicorn_reaches_another_service_via_the_worker(processes, people, settings):
    listener = Listener(settings)
    consumer = listener.runtime.consumer().start()
    wait_for(consumer.ready.is_set)
    port = free_port()
    processes("serve", "members", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "2")
    processes("worker", "members")
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: http.ok(f"{base}/readyz"), timeout=60)

    applicant, coordinator = people.member(status="applicant"), people.coordinator()
    status, _ = http.post_json(f"{base}/members/{applicant.member_id}/admit", {}, coordinator.headers)
    assert status == 200
    try:
        received = wait_for(listener.received, timeout=30)
        assert [(r.event_type, r.member_id) for r in received] == [("member.admitted", applicant.member_id)]
    finally:
        listener.runtime.stop()


def worker_pids(master: subprocess.Popen) -> set[int]:
    """The PIDs of the gunicorn workers a ``coop serve`` master has forked."""
    with open(f"/proc/{master.pid}/task/{master.pid}/children") as children:
        return {int(pid) for pid in children.read().split()}


def test_a_web_worker_replaced_by_gunicorn_leaves_the_others_and_its_successor_answering(processes, settings):
    port = free_port()
    master = processes("serve", "members", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "2")
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: http.ok(f"{base}/readyz") and len(worker_pids(master)) == 2, timeout=60)
    first = worker_pids(master)
    # What max_requests does to a worker now and then: it leaves, and the master forks another.
    os.kill(min(first), signal.SIGTERM)
    wait_for(lambda: len(worker_pids(master)) == 2 and worker_pids(master) != first, timeout=60)
    paths = ["/healthz", "/readyz", "/metrics", "/accounts/me", "/members/1", "/proposals"] * 5
    assert {http.status(f"{base}{path}") for path in paths} <= {200, 401, 403, 404}


def test_the_worker_closes_a_proposal_when_its_time_passes_and_says_so_once(processes, people, settings):
    listener = Listener(settings, event_types=("proposal.decided",))
    consumer = listener.runtime.consumer().start()
    wait_for(consumer.ready.is_set)
    processes("worker", "members")
    coordinator = people.coordinator()
    with people.runtime.db.transaction() as session:
        proposal = open_proposal(
            session, Principal(coordinator.account_id, ("coordinator",)), title="Close me", text="Soon",
            closes_at=utcnow() + dt.timedelta(seconds=1), quorum_fraction=0, quorum_minimum=0,
        )
        proposal_id = proposal.id
    try:
        received = wait_for(listener.received, timeout=30)
        assert [(r.event_type, r.proposal_id) for r in received] == [("proposal.decided", proposal_id)]
    finally:
        listener.runtime.stop()



@pytest.fixture
def market(settings):
    """The marketplace's runtime on the database the processes use, with factories for the set-up."""
    from services.marketplace.app import build_runtime as build_market
    from services.marketplace.app import create_app as create_market

    runtime = build_market(settings)
    yield Market(create_market(settings, runtime=runtime, start_relay=False), runtime)
    runtime.stop()


def test_one_order_paid_at_once_through_gunicorns_processes_and_threads_is_charged_once(processes, market):
    seller, buyer = market.member(name="Paper Birds"), market.customer()
    order = place_order(market, buyer, market.listing(seller))
    port = free_port()
    processes("serve", "marketplace", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4")
    server = Server(f"http://127.0.0.1:{port}")
    wait_for(lambda: http.ok(f"{server.base}/readyz"), timeout=60)
    answers = at_once([lambda i=i: server.post(f"/orders/{order['id']}/payment", payment_body(),
                                               {**buyer.headers, "Idempotency-Key": f"key-{i}"}) for i in range(N)])
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    assert len(market.runtime.collaborators.provider.statement().captures) == 1
    assert differences(market) == []
