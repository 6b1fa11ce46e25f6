"""The backbone's guarantees, end to end: members service -> outbox -> broker -> a listening service.

Each test runs on the embedded backend (SQLite + memory://) and, in the real pass, on PostgreSQL +
RabbitMQ.
"""

import json

import pytest
from kombu import Connection
from kombu.exceptions import OperationalError
from sqlalchemy import select

from services.members.app import build_runtime, create_app
from services.members.events import OUTBOX as MEMBER_EVENTS_OUTBOX
from shared import bus
from shared.consumer import MAX_BODY_CHARS, list_dead_letters
from shared.db import DeadLetter, OutboxMessage, utcnow
from tests.support.factories import Coop
from tests.support.listener import Listener, publish_raw
from tests.support.outage import BrokerSwitch
from tests.support.statements import counting
from tests.support.waiting import stays, wait_for


@pytest.fixture
def switch(settings, backend):
    switch = BrokerSwitch(settings, backend)
    yield switch
    switch.close()


@pytest.fixture
def members(switch):
    """The members service, publishing through the switch."""
    runtime = build_runtime(switch.settings)
    runtime.relay.connect = switch.connect
    yield Coop(create_app(switch.settings, runtime=runtime, start_relay=False), runtime)
    runtime.stop()


@pytest.fixture
def listener(switch):
    """A service listening to member.admitted, its consumer running."""
    listener = Listener(switch.settings)
    consumer = listener.runtime.consumer().start()
    wait_for(consumer.ready.is_set)
    yield listener
    listener.runtime.stop()


ADMISSIONS = select(OutboxMessage).where(OutboxMessage.event_type == "member.admitted")


def admit_someone(members, **headers) -> int:
    """Admit a new applicant through the API; return the member id."""
    applicant = members.member(status="applicant")
    response = members.client.post(f"/members/{applicant.member_id}/admit", json={},
                                   headers={**members.coordinator().headers, **headers})
    assert response.status_code == 200, response.json
    return applicant.member_id


def admission_data(member_id: int) -> dict:
    """What a member.admitted event says, for a member the test makes up."""
    return {"member_id": member_id, "member_number": member_id, "account_id": 5000 + member_id, "kind": "producer",
            "name": f"Business {member_id}", "sectors": ["cards"], "occurred_at": utcnow()}


def outbox_rows(runtime):
    """The admissions in the outbox (the events of the accounts the factories make are not these tests')."""
    with runtime.db.sessionmaker() as session:
        return list(session.scalars(ADMISSIONS.order_by(OutboxMessage.id)))


def test_an_admission_reaches_a_listening_service(members, listener):
    members.runtime.relay.start()
    member_id = admit_someone(members)
    received = wait_for(listener.received)
    assert [(r.event_type, r.member_id) for r in received] == [("member.admitted", member_id)]


def test_the_request_id_travels_into_the_event_as_its_correlation_id(members, listener):
    members.runtime.relay.start()
    admit_someone(members, **{"X-Request-ID": "req-42"})
    assert wait_for(listener.received)[0].correlation_id == "req-42"


def test_the_relay_publishes_on_commit_without_waiting_for_its_poll(switch, listener):
    settings = switch.settings.replace(relay_poll_seconds=3600)
    runtime = build_runtime(settings)
    members = Coop(create_app(settings, runtime=runtime, start_relay=False), runtime)
    runtime.relay.start()
    try:
        # The relay's first flush happens at start; after that only a commit can wake it in time.
        wait_for(lambda: runtime.relay._wake.is_set() is False)
        admit_someone(members)
        wait_for(listener.received, timeout=10)
    finally:
        runtime.stop()


@pytest.fixture
def unpolled(switch):
    """The members service with its relay running and its poll an hour away: only a commit's hand-off is quick."""
    settings = switch.settings.replace(relay_poll_seconds=3600)
    runtime = build_runtime(settings)
    runtime.relay.connect = switch.connect
    members = Coop(create_app(settings, runtime=runtime, start_relay=False), runtime)
    with counting(runtime.db.engine) as tally:
        runtime.relay.start()
        wait_for(lambda: any("next_attempt_at <=" in sql for sql in tally.statements))  # its first read, at start
    yield members
    runtime.stop()


def test_a_committed_event_is_published_without_the_relay_reading_the_outbox(unpolled, listener):
    with counting(unpolled.runtime.db.engine) as tally:
        admit_someone(unpolled)
        wait_for(listener.received, timeout=10)
        wait_for(lambda: outbox_rows(unpolled.runtime)[0].sent_at is not None)
    # The relay's read of what is due is the only one that asks for next_attempt_at; this test's own looks don't.
    assert [sql for sql in tally.statements if "next_attempt_at <=" in sql] == []


def test_a_handed_over_event_nobody_listens_to_waits_in_the_outbox_with_its_backoff(unpolled, listener):
    admit_someone(unpolled)  # its account.roles_changed has no queue here

    def roles_changed():
        with unpolled.runtime.db.sessionmaker() as session:
            return session.scalars(select(OutboxMessage).where(OutboxMessage.event_type == "account.roles_changed")
                                   .order_by(OutboxMessage.id.desc())).first()
    row = wait_for(lambda: (row := roles_changed()) is not None and row.attempts == 1 and row)
    assert row.sent_at is None and row.last_error.startswith("unroutable")
    assert row.next_attempt_at > row.created_at


def test_an_event_written_in_a_rolled_back_savepoint_is_never_published(unpolled, listener):
    with unpolled.runtime.db.transaction() as session:
        try:
            with session.begin_nested():
                MEMBER_EVENTS_OUTBOX.add(session, "member.admitted", admission_data(901))
                raise RuntimeError("this part of the work is undone")
        except RuntimeError:
            pass
        MEMBER_EVENTS_OUTBOX.add(session, "member.admitted", admission_data(902))
    assert [r.member_id for r in wait_for(listener.received, timeout=10)] == [902]
    assert stays(lambda: listener.count() == 1, seconds=0.5)


def test_an_event_whose_hand_off_fails_is_published_by_the_next_poll(switch, listener):
    settings = switch.settings.replace(relay_poll_seconds=0.2)
    runtime = build_runtime(settings)
    runtime.relay.connect = switch.connect
    members = Coop(create_app(settings, runtime=runtime, start_relay=False), runtime)
    runtime.relay.start()
    try:
        switch.down()
        member_id = admit_someone(members)
        assert stays(lambda: listener.count() == 0, seconds=0.5)
        switch.up()
        assert [r.member_id for r in wait_for(listener.received, timeout=30)] == [member_id]
    finally:
        runtime.stop()


def test_an_admission_succeeds_while_the_broker_is_down_and_its_event_follows(members, listener, switch):
    switch.down()
    member_id = admit_someone(members)
    with pytest.raises((OSError, OperationalError)):
        members.runtime.relay.flush()
    assert [row.sent_at for row in outbox_rows(members.runtime)] == [None]
    members.runtime.relay.start()
    assert stays(lambda: listener.count() == 0, seconds=0.5)
    switch.up()
    received = wait_for(listener.received, timeout=30)
    assert [r.member_id for r in received] == [member_id]
    assert wait_for(lambda: all(row.sent_at for row in outbox_rows(members.runtime)))


def test_an_event_delivered_twice_is_applied_once(members, listener):
    admit_someone(members)
    members.runtime.relay.flush()
    wait_for(listener.received)
    # As if the relay died after publishing but before marking the row sent: it publishes again.
    with members.runtime.db.transaction() as session:
        session.scalars(ADMISSIONS).one().sent_at = None
    assert members.runtime.relay.flush() == 1
    assert stays(lambda: listener.count() == 1, seconds=1.0)
    assert listener.calls == 1


def test_a_handler_that_always_fails_parks_the_message_after_its_tries(members, listener):
    listener.failing = True
    admit_someone(members)
    members.runtime.relay.flush()
    letters = wait_for(lambda: list_dead_letters(listener.runtime.db))
    assert listener.calls == listener.runtime.settings.handler_max_attempts
    assert letters[0].reason == "handler failed" and "the handler is broken" in letters[0].error
    assert listener.count() == 0


def test_the_next_message_is_still_handled_after_one_is_parked(members, listener):
    listener.failing = True
    admit_someone(members)
    members.runtime.relay.flush()
    wait_for(lambda: list_dead_letters(listener.runtime.db))
    listener.failing = False
    second = admit_someone(members)
    members.runtime.relay.flush()
    assert [r.member_id for r in wait_for(listener.received)] == [second]


def test_a_parked_message_is_applied_once_when_replayed_after_a_fix(members, listener):
    listener.failing = True
    member_id = admit_someone(members)
    members.runtime.relay.flush()
    letter = wait_for(lambda: list_dead_letters(listener.runtime.db))[0]
    listener.failing = False
    listener.runtime.processor.replay(letter.id)
    assert [r.member_id for r in listener.received()] == [member_id]
    assert list_dead_letters(listener.runtime.db) == []
    with pytest.raises(ValueError):
        listener.runtime.processor.replay(letter.id)
    assert listener.count() == 1


@pytest.mark.parametrize("body, routing_key, reason", [
    ("{not json", "member.admitted", "not JSON"),
    (json.dumps({"hello": "world"}), "member.admitted", "invalid envelope"),
    (json.dumps({"id": "6b0f1c2e-8f43-4a8e-9d8b-3f1f5e2a7c10", "type": "member.admitted", "version": 1,
                 "occurred_at": "2026-11-23T10:00:00+00:00", "source": "members",
                 "data": {"member_id": "not a number"}}), "member.admitted", "invalid event data"),
    (json.dumps({"id": "6b0f1c2e-8f43-4a8e-9d8b-3f1f5e2a7c11", "type": "member.exploded", "version": 1,
                 "occurred_at": "2026-11-23T10:00:00+00:00", "source": "members", "data": {}}),
     "member.admitted", "no handler for this event type"),
    ("", "member.admitted", "not JSON"),
    (b"\xff\xfe\x00 not text at all", "member.admitted", "not JSON"),
    ("[1, 2, 3]", "member.admitted", "invalid envelope"),
    (json.dumps({"padding": "x" * (MAX_BODY_CHARS + 1)}), "member.admitted", "oversized message"),
    (json.dumps({"id": "6b0f1c2e-8f43-4a8e-9d8b-3f1f5e2a7c12", "type": "member." + "x" * 300, "version": 1,
                 "occurred_at": "2026-11-23T10:00:00+00:00", "source": "members", "data": {}}),
     "member.admitted", "invalid envelope"),
], ids=["broken JSON", "not an envelope", "wrong schema", "unknown type", "empty", "not UTF-8", "not an object",
        "oversized", "type too long to store"])
def test_a_malformed_message_is_parked_and_the_consumer_carries_on(members, listener, body, routing_key, reason):
    publish_raw(listener.runtime.settings, body, routing_key)
    assert wait_for(lambda: list_dead_letters(listener.runtime.db))[0].reason == reason
    admit_someone(members)
    members.runtime.relay.flush()
    assert wait_for(listener.received)


def test_an_event_nobody_listens_to_waits_in_the_outbox_until_someone_does(members, switch):
    admit_someone(members)
    assert members.runtime.relay.flush() == 0
    row = outbox_rows(members.runtime)[0]
    assert row.sent_at is None and row.last_error.startswith("unroutable")
    listener = Listener(switch.settings)
    consumer = listener.runtime.consumer().start()
    try:
        wait_for(consumer.ready.is_set)
        with members.runtime.db.transaction() as session:  # skip the backoff for the test
            session.scalars(ADMISSIONS).one().next_attempt_at = row.created_at
        assert members.runtime.relay.flush() == 1
        assert wait_for(listener.received)
    finally:
        listener.runtime.stop()


def test_a_batch_sends_what_a_service_listens_to_and_keeps_what_nobody_does(members, listener):
    admitted = [admit_someone(members) for _ in range(5)]  # each also writes account events nobody here reads
    with members.runtime.db.sessionmaker() as session:
        written = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert len({row.event_type for row in written}) > 1
    assert members.runtime.relay.flush() == 5
    with members.runtime.db.sessionmaker() as session:
        rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert all(row.sent_at is not None for row in rows if row.event_type == "member.admitted")
    assert all(row.sent_at is None and row.last_error.startswith("unroutable")
               for row in rows if row.event_type != "member.admitted")
    assert sorted(r.member_id for r in wait_for(lambda: len(listener.received()) == 5 and listener.received())) \
        == sorted(admitted)


@pytest.mark.rabbitmq
def test_a_message_that_kills_its_worker_every_time_is_parked_by_the_broker(members, switch, backend):
    if not backend.is_real:
        pytest.skip("the delivery limit is RabbitMQ's (quorum queues); the embedded broker has none")
    listener = Listener(switch.settings)
    consumer = listener.runtime.consumer()
    # Declare the queue as the worker would, then play a worker that dies holding the message.
    with Connection(switch.settings.broker_url) as connection:
        bus.declare_topology(connection.default_channel, switch.settings, "listener", ["member.admitted"])
    admit_someone(members)
    members.runtime.relay.flush()
    queue = bus.service_queue(switch.settings, "listener", ["member.admitted"])
    for _ in range(switch.settings.delivery_limit + 1):
        with Connection(switch.settings.broker_url) as connection:
            message = wait_for(lambda c=connection: queue(c.default_channel).get(no_ack=False), timeout=10)
            assert message is not None
            # Closing the connection without an ack is what a killed worker does.
    consumer.start()
    try:
        letters = wait_for(lambda: list_dead_letters(listener.runtime.db), timeout=20)
        assert letters[0].reason == "delivery limit reached"
        assert letters[0].event_type == "member.admitted"
        assert listener.count() == 0
    finally:
        listener.runtime.stop()


def test_dead_letters_keep_the_raw_body_for_inspection(members, listener):
    publish_raw(listener.runtime.settings, "{not json")
    wait_for(lambda: list_dead_letters(listener.runtime.db))
    with listener.runtime.db.sessionmaker() as session:
        assert session.scalars(select(DeadLetter)).one().body == "{not json"


def test_readyz_says_not_ready_while_the_broker_is_down_and_ready_when_it_is_back(members, switch, backend):
    if not backend.is_real:
        pytest.skip("the embedded broker lives in the process: it cannot be down on its own")
    assert members.client.get("/readyz").status_code == 200
    switch.down()
    response = members.client.get("/readyz")
    assert response.status_code == 503 and response.json["checks"]["broker"].startswith("unavailable")
    switch.up()
    assert members.client.get("/readyz").status_code == 200
