"""Every service shows its own dead letters at /dead-letters, read-only, to coordinators: each letter's id,
event type, when and why it was set aside, and the exact command to replay it; never what it says."""

from __future__ import annotations

import hashlib
import json

import pytest

from services.members.events import CATALOG
from shared.db import DeadLetter, utcnow

SECRET = "jo.bloggs@example.org"


def browser_for(service, trader):
    client = service.app.test_client()
    client.set_cookie("coop_token", trader.headers["Authorization"].removeprefix("Bearer "))
    return client


def park_unreadable(service) -> int:
    """Give the service a message it cannot read, holding personal data; return its dead letter's id."""
    assert service.runtime.processor.process("{not json, about " + SECRET).value == "dead_lettered"
    return _newest(service)


def park_unknown_event(service) -> int:
    """Give the service an event of a type it has no handler for, holding personal data."""
    envelope = CATALOG.build("member.declined", {"member_id": 1, "account_id": 2, "reason": SECRET,
                                                 "occurred_at": utcnow()})
    body = json.loads(json.dumps(envelope.to_dict(), default=str))
    body["type"] = "nothing.anyone.handles"
    service.runtime.processor.process(json.dumps(body))
    return _newest(service)


def _newest(service) -> int:
    with service.runtime.db.sessionmaker() as session:
        return session.query(DeadLetter).order_by(DeadLetter.id.desc()).first().id


def page(service, trader):
    return browser_for(service, trader).get("/dead-letters")


def test_a_coordinator_sees_each_letter_with_the_command_to_replay_it(coop):
    letter_id = park_unreadable(coop)
    response = page(coop, coop.coordinator())
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"<td>{letter_id}</td>" in html and f"<code>coop dead-letters replay members {letter_id}</code>" in html
    assert "1 waiting to be replayed" in html


def test_the_page_never_shows_what_a_letter_says(coop):
    park_unreadable(coop)
    park_unknown_event(coop)
    html = page(coop, coop.coordinator()).get_data(as_text=True)
    assert "2 waiting to be replayed" in html and SECRET not in html and "not json" not in html


def test_a_letter_already_replayed_is_not_listed(coop):
    letter_id = park_unreadable(coop)
    with coop.runtime.db.transaction() as session:
        session.get(DeadLetter, letter_id).replayed_at = utcnow()
    html = page(coop, coop.coordinator()).get_data(as_text=True)
    assert f"replay members {letter_id}" not in html and "No dead letters are waiting" in html


def test_each_service_shows_its_own_letters_under_its_own_name(coop, market):
    members_letter = park_unreadable(coop)
    market_letter = park_unreadable(market)
    park_unreadable(market)
    html = page(market, market.coordinator()).get_data(as_text=True)
    assert f"coop dead-letters replay marketplace {market_letter}" in html and "2 waiting" in html
    assert "replay members" not in html
    assert f"replay members {members_letter}" in page(coop, coop.coordinator()).get_data(as_text=True)


@pytest.mark.parametrize("role", ["member", "customer", "admin", "employer"])
def test_nobody_but_a_coordinator_sees_the_dead_letters(coop, role):
    park_unreadable(coop)
    person = coop.member() if role == "member" else coop.account(role)
    response = page(coop, person)
    assert response.status_code == 403 and "replay" not in response.get_data(as_text=True)


def test_a_visitor_is_asked_to_sign_in_and_comes_back_under_the_services_path(coop):
    response = coop.app.test_client().get("/dead-letters", base_url="http://localhost/members")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/members/dead-letters/sign-in?next=/members/dead-letters")
    form = coop.app.test_client().get("/dead-letters/sign-in?next=/members/dead-letters",
                                      base_url="http://localhost/members")
    assert form.status_code == 200 and 'name="next" value="/members/dead-letters"' in form.get_data(as_text=True)


def test_the_page_changes_nothing_it_only_reads(coop):
    letter_id = park_unreadable(coop)
    client = browser_for(coop, coop.coordinator())
    csrf = hashlib.sha256(f"coop-csrf:{client.get_cookie('coop_token').value}".encode()).hexdigest()
    assert client.post("/dead-letters", data={"csrf": csrf}).status_code == 405
    with coop.runtime.db.sessionmaker() as session:
        assert session.get(DeadLetter, letter_id).replayed_at is None
