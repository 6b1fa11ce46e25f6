"""The embedded run starts every consumer before any relay: events already waiting in an outbox when
it starts (the demo's admissions) reach every service that listens to them, not only the first."""

import pytest
from sqlalchemy import select

from coop.embedded import Backoffice
from services.contracts.models import MemberBusiness
from services.marketplace.models import Seller
from shared.db import OutboxMessage
from tests.support.factories import Coop
from tests.support.waiting import wait_for


@pytest.fixture
def back_office(backend, settings):
    if backend.is_real:
        pytest.skip("the embedded run is the in-memory broker's; the real pass runs the services apart")
    back_office = Backoffice(settings)
    yield back_office
    back_office.stop()


def known(back_office, service, model, member_id) -> bool:
    with back_office.runtimes[service].db.sessionmaker() as session:
        return session.get(model, member_id) is not None


def test_an_admission_waiting_in_the_outbox_at_start_reaches_both_services_that_listen(back_office):
    members = Coop(back_office.apps["members"], back_office.runtimes["members"])
    member_id = members.member(status="active").member_id  # its member.admitted waits in the outbox
    back_office.start()
    wait_for(lambda: known(back_office, "marketplace", Seller, member_id), timeout=20)
    wait_for(lambda: known(back_office, "contracts", MemberBusiness, member_id), timeout=20)
    # Sent at the first try: the queues were there before the relay spoke, not bound while it backed off.
    with back_office.runtimes["members"].db.sessionmaker() as session:
        sent = session.scalar(select(OutboxMessage).where(OutboxMessage.event_type == "member.admitted"))
    assert sent.attempts == 1 and sent.last_error is None
