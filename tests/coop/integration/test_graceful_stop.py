"""Stopping a worker (what SIGTERM makes `coop worker` do) while a handler runs: the handler finishes,
its effect is committed and its message acknowledged, so the next worker neither loses nor repeats it."""

import threading

import pytest

from services.members.app import build_runtime, create_app
from shared.consumer import Subscription
from tests.support.factories import Coop
from tests.support.listener import Listener, MemberEvent
from tests.support.waiting import stays, wait_for


@pytest.fixture
def members(settings):
    runtime = build_runtime(settings)
    yield Coop(create_app(settings, runtime=runtime, start_relay=False), runtime)
    runtime.stop()


class SlowListener(Listener):
    """A listener whose handler waits, in the middle of its work, until the test lets it go on."""

    def __init__(self, settings):
        super().__init__(settings)
        self.inside, self.go_on = threading.Event(), threading.Event()
        self.runtime.processor.subscriptions["member.admitted"] = Subscription(MemberEvent, self.slow)

    def slow(self, session, event):
        self.inside.set()
        self.go_on.wait(10)
        self.handle(session, event)


def admit_and_publish(members) -> int:
    applicant = members.member(status="applicant")
    response = members.client.post(f"/members/{applicant.member_id}/admit", json={},
                                   headers=members.coordinator().headers)
    assert response.status_code == 200
    members.runtime.relay.flush()
    return applicant.member_id


def test_a_worker_stopped_in_the_middle_of_a_handler_finishes_it_and_acknowledges_it(settings, members):
    worker = SlowListener(settings)
    wait_for(worker.runtime.consumer().start().ready.is_set)
    member_id = admit_and_publish(members)
    assert worker.inside.wait(20)

    stopping = threading.Thread(target=worker.runtime.stop)
    stopping.start()
    assert stays(stopping.is_alive, seconds=0.3)  # the stop waits for the handler in hand
    worker.go_on.set()
    stopping.join(20)
    assert [row.member_id for row in worker.received()] == [member_id]

    # The next worker on the same queue gets nothing again: the message was acknowledged.
    after = Listener(settings)
    wait_for(after.runtime.consumer().start().ready.is_set)
    try:
        assert stays(lambda: after.calls == 0, seconds=1.0)
        assert [row.member_id for row in after.received()] == [member_id]
    finally:
        after.runtime.stop()
