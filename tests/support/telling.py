"""Telling a person one kind of notice straight through ``notices.tell`` (as a handler does), and
choosing her preferences through the API: for the preferences, unsubscribe and digest tests."""

from __future__ import annotations

import uuid

from services.notifications import notices as notices_module
from services.notifications import unsubscribe
from shared.db import utcnow
from shared.events import Envelope

# Enough for the kinds these tests tell (member_admitted, proposal_decided): each kind takes only its own fields.
EXAMPLE_DATA = {"member_name": "Paper Birds Cards", "title": "Buy a shared kiln", "outcome": "passed",
                "tally": [{"option": "for", "count": 9}, {"option": "against", "count": 2}], "votes_cast": 11,
                "quorum": 3, "proposal_url": "http://127.0.0.1:8000/members/votes/4"}


def tell(room, person, kind: str = "proposal_decided", **data) -> None:
    """Tell her one notice of this kind about a new event, in a transaction of its own."""
    event = Envelope(id=str(uuid.uuid4()), type="test.told", version=1, occurred_at=utcnow(), source="members",
                     data={})
    with room.runtime.db.transaction() as session:
        notices_module.tell(session, event, person.account_id, kind, {**EXAMPLE_DATA, **data},
                            room.runtime.collaborators.settings)


def choose(room, person, **settings: str):
    """Set some of her preferences through the API; return the response."""
    response = room.client.patch("/preferences", json={"settings": settings}, headers=person.headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def settings_of(room, person) -> dict[str, str]:
    """Her setting for every kind, read back through the API."""
    response = room.client.get("/preferences", headers=person.headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {item["kind"]: item["setting"] for item in response.json["preferences"]}


def token_of(room, account_id: int, kind: str) -> str:
    """The token of her unsubscribe link for one kind, as the sender makes it."""
    with room.runtime.db.transaction() as session:
        return unsubscribe.token_for(session, account_id, kind)
