"""member.admitted tells the applicant, once: one notice and one email, to her and nobody else."""

import json

from services.members.events import CATALOG as MEMBER_EVENTS
from services.notifications import handlers
from services.notifications.settings import NotificationsSettings
from shared.consumer import list_dead_letters
from shared.db import utcnow


def admission(account_id, name="Paper Birds Cards"):
    return MEMBER_EVENTS.build("member.admitted", {
        "member_id": 9, "member_number": 9, "account_id": account_id, "kind": "producer", "name": name,
        "sectors": ["cards"], "occurred_at": utcnow()})


def test_an_admission_delivered_twice_tells_the_applicant_once_and_nobody_else(notices):
    jo, sam = notices.person("Jo"), notices.person("Sam")
    body = json.dumps(admission(jo.account_id).to_dict())
    assert [notices.runtime.processor.process(body).value for _ in range(2)] == ["handled", "duplicate"]
    [notice] = notices.notices_of(jo.account_id)
    assert notice.subject == "Welcome: you are a member" and "Paper Birds Cards" in notice.body
    [email] = notices.emails()
    assert (email.account_id, email.to_address, email.status) == (jo.account_id, f"p{jo.account_id}@example.org",
                                                                  "pending")
    assert "Dear Jo" in email.text and "/notifications/inbox/notices" in email.text and email.html
    assert notices.notices_of(sam.account_id) == []


def test_an_event_handled_again_past_the_inbox_writes_nothing_twice(notices):
    """A replay of a parked event, say: the (event, person, channel) row is written once."""
    jo = notices.person("Jo")
    event = admission(jo.account_id)
    for _ in range(2):
        with notices.runtime.db.transaction() as session:
            handlers.tell_admitted_member(session, event, NotificationsSettings())
    assert len(notices.notices_of(jo.account_id)) == 1 and len(notices.emails(jo.account_id)) == 1


def test_an_admission_for_someone_not_known_yet_is_parked_to_be_replayed(notices):
    body = json.dumps(admission(424242).to_dict())
    assert notices.runtime.processor.process(body).value == "dead_lettered"
    [letter] = list_dead_letters(notices.runtime.db)
    assert "not known here yet" in letter.error and notices.emails() == []
    assert notices.deliver_raw("account.registered", {
        "account_id": 424242, "email": "late@example.org", "display_name": "Late", "roles": ["customer"],
        "email_verified": True}) == "handled"
    assert notices.runtime.processor.replay(letter.id).value == "handled"
    assert [email.to_address for email in notices.emails()] == ["late@example.org"]
