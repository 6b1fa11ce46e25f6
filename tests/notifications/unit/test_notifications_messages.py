"""Every kind of notice renders from the fields it names only: nothing confidential can reach a body."""

import pytest

from services.notifications import messages
from services.notifications.sender import LONGEST_WAIT, wait_after

# What must never be in an email or a notice: held in the data a template could be handed.
CONFIDENTIAL = {
    "conviction": "CONVICTION-theft-2019", "disclosure": "DISCLOSURE-unspent-caution",
    "restricted_roles": "RESTRICTION-children", "reason": "SUSPENSION-REASON-fees-unpaid",
    "vote": "VOTE-CHOICE-against", "statement": "STATEMENT-i-made-mistakes",
}
SAMPLE = {"display_name": "Jo Bloggs", "member_name": "Paper Birds Cards",
          "notices_url": "http://127.0.0.1:8000/notifications/inbox/notices"}


@pytest.mark.parametrize("kind", sorted(messages.KINDS))
def test_no_template_shows_a_confidential_fact_whatever_it_is_handed(kind):
    message = messages.render(kind, {**SAMPLE, **CONFIDENTIAL})
    for part in (message.subject, message.notice, message.text, message.html):
        assert not [secret for secret in CONFIDENTIAL.values() if secret in part], kind


@pytest.mark.parametrize("kind", sorted(messages.KINDS))
def test_every_template_is_given_only_the_fields_its_kind_names(kind):
    named = set(messages.KINDS[kind].fields)
    assert named <= set(SAMPLE), f"give the sample data {named - set(SAMPLE)}"
    assert not named & set(CONFIDENTIAL)


def test_the_welcome_says_who_was_admitted_in_text_and_html():
    message = messages.render("member_admitted", SAMPLE)
    assert message.subject == "Welcome: you are a member"
    assert "Paper Birds Cards" in message.text and "Paper Birds Cards" in message.html
    assert SAMPLE["notices_url"] in message.text and f'href="{SAMPLE["notices_url"]}"' in message.html


def test_the_html_part_escapes_what_it_is_given():
    message = messages.render("member_admitted", {**SAMPLE, "member_name": "<script>x</script>"})
    assert "<script>" not in message.html and "&lt;script&gt;" in message.html


def test_each_wait_doubles_the_last_up_to_a_ceiling():
    assert [wait_after(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert wait_after(40) == LONGEST_WAIT
