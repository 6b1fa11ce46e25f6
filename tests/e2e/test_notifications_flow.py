"""Notifications end to end in `coop run`: the coordinator admits the demo applicant, and she finds the
welcome among her notices and in her mail (a .eml file under data/mail/, as there is no mail server)."""

import email
import email.policy

from services.members.demo import DEMO_PASSWORD
from tests.support import http
from tests.support.waiting import wait_for


def signed_in(base, email):
    status, token = http.post_json(f"{base}/members/tokens", {"email": email, "password": DEMO_PASSWORD})
    assert status == 201
    return {"Authorization": f"Bearer {token['access_token']}"}


def test_an_admitted_applicant_is_told_on_the_site_and_by_email(back_office, tmp_path):
    _process, base = back_office()
    coordinator, tasha = signed_in(base, "coordinator@demo.coop"), signed_in(base, "bloom@demo.coop")
    assert http.get_json(f"{base}/notifications/notices/unread-count", tasha) == (200, {"unread": 0})
    [applicant] = http.get_json(f"{base}/members/members?status=applicant", coordinator)[1]
    assert http.post_json(f"{base}/members/members/{applicant['id']}/admit", {}, coordinator)[0] == 200

    notices = wait_for(lambda: http.get_json(f"{base}/notifications/notices", tasha)[1], timeout=30)
    assert [notice["subject"] for notice in notices] == ["Welcome: you are a member"]
    assert "Bloom & Bake" in notices[0]["body"]
    assert http.get_json(f"{base}/notifications/notices", coordinator)[1] == []

    def hers():  # the demo's members were admitted as it was loaded, and were welcomed too
        return [eml.read_text() for eml in (tmp_path / "data" / "mail").glob("*.eml")
                if "To: bloom@demo.coop" in eml.read_text()]

    [text] = wait_for(hers, timeout=30)
    # Read as an email (not by decoding the whole file as quoted-printable: a link's "=81…" would be taken for a byte).
    message = email.message_from_string(text, policy=email.policy.default)
    assert message["Subject"] == "Welcome: you are a member"
    assert "Bloom & Bake" in message.get_body(("plain",)).get_content()
