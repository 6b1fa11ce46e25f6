"""Events a prefetch brings are handled in one transaction, each once; a poison one is set apart (issue 19)."""

from __future__ import annotations

import json
import threading
import uuid

import pytest
from kombu import Connection
from sqlalchemy import event

from shared import bus
from shared import event_consumer as event_consumer_module
from shared.consumer import DatabaseUnavailable, Outcome, Subscription, list_dead_letters
from shared.event_consumer import EventConsumer
from tests.support.listener import Listener, publish_raw
from tests.support.waiting import stays, wait_for


@pytest.fixture
def listener(settings):
    """A service listening to member.admitted, its consumer not started."""
    listener = Listener(settings)
    yield listener
    listener.runtime.stop()


@pytest.fixture
def commits(listener):
    """The number of transactions the listener's database has committed since the test began."""
    counted = []
    engine = listener.runtime.db.engine
    listen = lambda connection: counted.append(1)  # noqa: E731
    event.listen(engine, "commit", listen)
    yield counted
    event.remove(engine, "commit", listen)


def admitted(member_id: int, event_id: str | None = None) -> str:
    """The body of a member.admitted event, as a producer's relay sends it."""
    return json.dumps({"id": event_id or str(uuid.uuid4()), "type": "member.admitted", "version": 1,
                       "occurred_at": "2026-12-03T10:00:00+00:00", "source": "members",
                       "correlation_id": f"req-{member_id}", "data": {"member_id": member_id}})


def test_a_batch_of_events_is_applied_each_once_in_one_transaction(listener, commits):
    outcomes = listener.runtime.processor.process_batch([admitted(n) for n in range(1, 6)])
    assert outcomes == [Outcome.HANDLED] * 5
    assert [row.member_id for row in listener.received()] == [1, 2, 3, 4, 5]
    assert len(commits) == 1


def test_each_event_of_a_batch_keeps_its_own_correlation_id(listener):
    listener.runtime.processor.process_batch([admitted(1), admitted(2)])
    assert [row.correlation_id for row in listener.received()] == ["req-1", "req-2"]


def test_an_event_twice_in_one_batch_is_applied_once(listener):
    body = admitted(7)
    assert listener.runtime.processor.process_batch([body, body]) == [Outcome.HANDLED, Outcome.DUPLICATE]
    assert listener.count() == 1


def test_an_event_handled_before_is_a_duplicate_in_a_later_batch(listener):
    body = admitted(7)
    listener.runtime.processor.process(body)
    assert listener.runtime.processor.process_batch([admitted(8), body]) == [Outcome.HANDLED, Outcome.DUPLICATE]
    assert [row.member_id for row in listener.received()] == [7, 8]


def test_a_poison_event_in_a_batch_is_parked_and_the_others_are_applied(listener):
    handle = listener.handle

    def fails_for_member_2(session, envelope):
        if envelope.data["member_id"] == 2:
            raise RuntimeError("the handler cannot take member 2")
        handle(session, envelope)

    processor = listener.runtime.processor
    subscription = processor.subscriptions["member.admitted"]
    processor.subscriptions = {"member.admitted": Subscription(subscription.schema, fails_for_member_2)}
    outcomes = processor.process_batch([admitted(1), admitted(2), admitted(3)])
    assert outcomes == [Outcome.HANDLED, Outcome.DEAD_LETTERED, Outcome.HANDLED]
    assert [row.member_id for row in listener.received()] == [1, 3]
    (letter,) = list_dead_letters(listener.runtime.db)
    assert letter.reason == "handler failed" and "cannot take member 2" in letter.error


def test_a_malformed_message_in_a_batch_is_parked_and_the_others_are_applied(listener):
    outcomes = listener.runtime.processor.process_batch([admitted(1), "{not json", admitted(3)])
    assert outcomes == [Outcome.HANDLED, Outcome.DEAD_LETTERED, Outcome.HANDLED]
    assert [row.member_id for row in listener.received()] == [1, 3]
    assert [letter.reason for letter in list_dead_letters(listener.runtime.db)] == ["not JSON"]


@pytest.mark.parametrize("order", ["same order", "opposite order"])
def test_two_consumers_given_the_same_batch_at_once_apply_each_event_once(listener, order):
    bodies = [admitted(n) for n in range(1, 11)]
    outcomes: list[list[Outcome]] = []
    start = threading.Barrier(2)

    def consume(batch):
        start.wait()
        outcomes.append(listener.runtime.processor.process_batch(batch))

    threads = [threading.Thread(target=consume, args=(bodies,)),
               threading.Thread(target=consume, args=(bodies if order == "same order" else bodies[::-1],))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(row.member_id for row in listener.received()) == list(range(1, 11))
    handled = [outcome for batch in outcomes for outcome in batch if outcome is Outcome.HANDLED]
    assert len(handled) == 10 and listener.calls >= 10


def test_a_backlog_is_consumed_in_fewer_transactions_than_events_and_each_applied_once(listener, commits):
    settings = listener.runtime.settings
    with Connection(settings.broker_url) as connection:
        bus.declare_topology(connection.default_channel, settings, "listener", ["member.admitted"])
    for member_id in range(1, 31):
        publish_raw(settings, admitted(member_id))
    listener.runtime.consumer().start()
    wait_for(lambda: listener.count() == 30, timeout=30)
    assert stays(lambda: listener.count() == 30, seconds=0.5)
    assert sorted(row.member_id for row in listener.received()) == list(range(1, 31))
    assert len(commits) < 30


class Delivered:
    """A message as the broker hands it over, recording how it was settled."""

    def __init__(self, body: str):
        self.body = body
        self.settled: str | None = None

    def ack(self) -> None:
        self.settled = "acknowledged"

    def requeue(self) -> None:
        self.settled = "requeued"


def test_messages_held_for_a_batch_are_acknowledged_only_once_it_has_committed(listener):
    consumer = listener.runtime.consumer()
    messages = [Delivered(admitted(1)), Delivered(admitted(2))]
    for message in messages:
        consumer.on_message(message)
    assert [message.settled for message in messages] == [None, None] and listener.count() == 0
    consumer.settle_held()
    assert [message.settled for message in messages] == ["acknowledged"] * 2 and listener.count() == 2


def test_a_full_batch_is_settled_as_soon_as_it_is_full(listener):
    consumer = EventConsumer("listener", listener.runtime.settings, listener.runtime.processor, batch_max=3)
    messages = [Delivered(admitted(n)) for n in range(1, 4)]
    for message in messages:
        consumer.on_message(message)
    assert [message.settled for message in messages] == ["acknowledged"] * 3


def test_a_batch_the_database_cannot_take_is_requeued_whole(listener, monkeypatch):
    def database_down(bodies):
        raise DatabaseUnavailable("connection refused")

    monkeypatch.setattr(listener.runtime.processor, "process_batch", database_down)
    monkeypatch.setattr(event_consumer_module.time, "sleep", lambda seconds: None)
    consumer = listener.runtime.consumer()
    messages = [Delivered(admitted(1)), Delivered(admitted(2))]
    for message in messages:
        consumer.on_message(message)
    consumer.settle_held()
    assert [message.settled for message in messages] == ["requeued"] * 2
