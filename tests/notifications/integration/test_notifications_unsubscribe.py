"""One-click unsubscribe (RFC 8058): every non-essential email carries List-Unsubscribe and
List-Unsubscribe-Post headers and a footer link; a POST to the link, without signing in, stops that kind
by email; a GET only asks; a forged token changes nothing; essential kinds carry no link."""

import dataclasses
from urllib.parse import urlsplit

import jwt
import pytest

from services.notifications import unsubscribe
from services.notifications.models import Email
from services.notifications.sender import send_due_emails
from shared import mail
from shared.db import utcnow
from tests.support.smtp import smtp_server
from tests.support.telling import settings_of, token_of

SENDER = "Co-op back office <noreply@coop.example>"
ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture
def smtp():
    yield from smtp_server()


def through_smtp(notices, smtp) -> None:
    mailer = mail.mailer_from_url(smtp.url, notices.runtime.settings.data_dir, SENDER)
    notices.runtime.collaborators = dataclasses.replace(notices.runtime.collaborators, mailer=mailer)


def path_of(url: str) -> str:
    """The link's path as the service sees it (the gateway takes off /notifications)."""
    return urlsplit(url).path.removeprefix("/notifications")


def link_for(notices, person, kind="member_admitted") -> str:
    return unsubscribe.url_for(notices.runtime.collaborators.settings.site_url,
                               token_of(notices, person.account_id, kind))


def test_a_delivered_email_carries_the_one_click_headers_whose_link_unsubscribes_without_signing_in(notices, smtp):
    through_smtp(notices, smtp)
    jo = notices.person("Jo")
    notices.admit(jo)
    assert send_due_emails(notices.runtime) == 1
    [message] = smtp.wait_for(1)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message["List-Unsubscribe"].strip("<>")
    assert link.startswith("http://127.0.0.1:8000/notifications/unsubscribe/")
    assert link in message.get_body(("plain",)).get_content()
    assert f'href="{link}"' in message.get_body(("html",)).get_content()
    answer = notices.client.post(path_of(link), data=ONE_CLICK)
    assert answer.status_code == 200
    assert settings_of(notices, jo)["member_admitted"] == "site"
    notices.admit(jo, "Second Co")
    assert len(notices.emails(jo.account_id)) == 1  # no new email: a notice only


def test_opening_the_link_only_asks_with_a_button_and_changes_nothing(notices):
    jo = notices.person("Jo")
    link = link_for(notices, jo)
    page = notices.client.get(path_of(link))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'method="post"' in text and path_of(link) in text
    assert settings_of(notices, jo)["member_admitted"] == "email"


def test_a_forged_or_other_purpose_token_is_refused_and_changes_nothing(notices):
    jo = notices.person("Jo")
    token = token_of(notices, jo.account_id, "member_admitted")
    forged = jwt.encode({"sub": str(jo.account_id), "kind": "member_admitted", "purpose": "unsubscribe",
                         "aud": unsubscribe.AUDIENCE, "iss": unsubscribe.ISSUER}, b"not the key" * 4, algorithm="HS256")
    access_token = jo.headers["Authorization"].split()[1]
    for wrong in (forged, access_token, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "nonsense"):
        answer = notices.client.post(f"/unsubscribe/{wrong}", data=ONE_CLICK)
        assert answer.status_code == 404 and answer.mimetype == "application/problem+json", wrong
        assert notices.client.get(f"/unsubscribe/{wrong}").status_code == 404
    assert settings_of(notices, jo)["member_admitted"] == "email"


def test_an_essential_kind_cannot_be_unsubscribed_from_even_with_a_well_signed_token(notices):
    jo = notices.person("Jo")
    token = token_of(notices, jo.account_id, "password_reset")
    assert notices.client.post(f"/unsubscribe/{token}", data=ONE_CLICK).status_code == 404


def test_the_same_link_posted_twice_still_answers_200(notices):
    jo = notices.person("Jo")
    link = link_for(notices, jo)
    assert [notices.client.post(path_of(link), data=ONE_CLICK).status_code for _ in range(2)] == [200, 200]


def test_an_essential_email_carries_no_unsubscribe_header_or_link(notices, smtp):
    through_smtp(notices, smtp)
    jo = notices.person("Jo")
    with notices.runtime.db.transaction() as session:
        session.add(Email(account_id=jo.account_id, kind="password_reset", to_address=f"p{jo.account_id}@example.org",
                          subject="Reset your password", text="Follow the link.\n", html=None,
                          next_attempt_at=utcnow()))
    assert send_due_emails(notices.runtime) == 1
    [message] = smtp.wait_for(1)
    assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None
    assert "unsubscribe" not in message.get_body(("plain",)).get_content()
