"""The people the service writes to, kept from the members service's account events."""

import datetime as dt
import json

from services.members.events import CATALOG as MEMBER_EVENTS
from services.notifications.models import Person

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def deliver(notices, event_type, data):
    envelope = MEMBER_EVENTS.build(event_type, data)
    return notices.runtime.processor.process(json.dumps(envelope.to_dict())).value


def person(notices, account_id):
    with notices.runtime.db.sessionmaker() as session:
        return session.get(Person, account_id)


def registered(account_id, at, roles=("customer",)):
    return {"account_id": account_id, "email": "jo@example.org", "display_name": "Jo", "roles": list(roles),
            "email_verified": True, "occurred_at": at}


def test_a_registration_makes_a_person_with_her_address_and_roles(notices):
    assert deliver(notices, "account.registered", registered(1, T0)) == "handled"
    jo = person(notices, 1)
    assert (jo.email, jo.display_name, jo.roles) == ("jo@example.org", "Jo", ["customer"])


def test_a_roles_change_arriving_before_the_registration_is_not_undone_by_it(notices):
    deliver(notices, "account.roles_changed",
            {"account_id": 2, "roles": ["customer", "member"], "occurred_at": T0 + dt.timedelta(hours=1)})
    deliver(notices, "account.registered", registered(2, T0))
    jo = person(notices, 2)
    assert jo.roles == ["customer", "member"] and jo.email == "jo@example.org"


def test_an_older_roles_change_does_not_undo_a_newer_one(notices):
    deliver(notices, "account.registered", registered(3, T0))
    for roles, days in ((["admin"], 2), (["member"], 1)):
        deliver(notices, "account.roles_changed",
                {"account_id": 3, "roles": roles, "occurred_at": T0 + dt.timedelta(days)})
    assert person(notices, 3).roles == ["admin"]


def test_the_same_event_twice_is_applied_once(notices):
    envelope = MEMBER_EVENTS.build("account.registered", registered(4, T0))
    body = json.dumps(envelope.to_dict())
    assert [notices.runtime.processor.process(body).value for _ in range(2)] == ["handled", "duplicate"]
    assert person(notices, 4).roles == ["customer"]
