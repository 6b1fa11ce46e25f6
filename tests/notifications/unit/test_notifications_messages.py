"""Every kind of notice renders from the fields it names only: nothing confidential can reach a body."""

import datetime as dt

import pytest

from services.notifications import messages
from services.notifications.rules.wording import uk_day, uk_moment
from services.notifications.sender import LONGEST_WAIT, wait_after

# What must never be in an email or a notice: held in the data a template could be handed.
CONFIDENTIAL = {
    "conviction": "CONVICTION-theft-2019", "disclosure": "DISCLOSURE-unspent-caution",
    "restricted_roles": "RESTRICTION-children", "reason": "SUSPENSION-REASON-fees-unpaid",
    "vote": "VOTE-CHOICE-against", "statement": "STATEMENT-i-made-mistakes",
    "suspension_reason": "SUSPENSION-REASON-conduct", "disclosure_text": "DISCLOSURE-TEXT-spent-conviction",
    "restrictions": "RESTRICTION-no-lone-working", "votes": "VOTE-CHOICE-for-by-Jo",
    "choice": "VOTE-CHOICE-abstain", "convictions": "CONVICTION-fraud-2021", "purpose": "DISCLOSURE-PURPOSE-dbs",
}
SITE = "http://127.0.0.1:8000"
SAMPLE = {
    "display_name": "Jo Bloggs", "member_name": "Paper Birds Cards",
    "notices_url": f"{SITE}/notifications/inbox/notices",
    "decline_reason": "The sector is full for now.",
    "verify_url": f"{SITE}/members/account/verify-email?token=abc", "expires_at": "Friday 4 December 2026, 17:00",
    "reset_url": f"{SITE}/members/account/reset-password?token=xyz", "requested_at": "Friday 4 December 2026, 16:00",
    "forgot_password_url": f"{SITE}/members/account/forgot-password", "attempted_at": "Friday 4 December 2026, 16:00",
    "order_id": 41, "lines": [{"title": "Robin card", "quantity": 3, "amount": "£7.50"}],
    "gross": "£7.50", "commission": "£0.75", "net": "£6.75", "total": "£12.40",
    "receipt_url": f"{SITE}/marketplace/orders/41/receipt",
    "amount": "£1,240.00", "period_start": "Sunday 1 November 2026", "period_end": "Monday 30 November 2026",
    "statement_url": f"{SITE}/marketplace/payouts/5/statement",
    "title": "Buy a second van", "closes_at": "Friday 4 December 2026, 17:00",
    "proposal_url": f"{SITE}/members/votes/3", "outcome": "passed",
    "tally": [{"option": "for", "count": 12}, {"option": "against", "count": 3}], "votes_cast": 15, "quorum": 10,
    "reference": "C-0015", "description": "Printed cards", "quantity": 250, "value": "£125.00",
    "respond_by": "by Friday 4 December 2026", "buyer_name": "Leaf & Co", "lapses_at": "Friday 4 December 2026, 17:00",
    "work_url": f"{SITE}/contracts/my-work/", "desk_url": f"{SITE}/contracts/desk/",
    "vacancy_title": "Warehouse assistant", "stage": "interview",
    "reader_name": "Sam Coordinator", "reader_role": "coordinator", "read_at": "Friday 4 December 2026, 09:30",
    "placement_id": 8, "employer_name": "Leeds Soap", "due_on": "Friday 4 December 2026",
    "placement_url": f"{SITE}/brokering/placements/8",
}
# The link each kind carries, where it has one of its own.
LINKS = {"verify_email": "verify_url", "password_reset": "reset_url", "registration_repeated": "forgot_password_url",
         "order_confirmed": "receipt_url", "order_fulfilled": "receipt_url", "order_refunded": "receipt_url",
         "payout_paid": "statement_url", "proposal_opened": "proposal_url", "proposal_closing_soon": "proposal_url",
         "proposal_decided": "proposal_url", "check_in_due": "placement_url"}


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


@pytest.mark.parametrize("kind", sorted(messages.KINDS))
def test_every_kind_has_a_subject_a_short_notice_and_both_email_parts(kind):
    message = messages.render(kind, SAMPLE)
    assert message.subject and message.notice and "\n\n" not in message.notice and len(message.notice) < 300
    assert message.text.startswith("Dear Jo Bloggs,") and "<!doctype html>" in message.html
    assert 'name="viewport"' in message.html  # phone-friendly


@pytest.mark.parametrize("kind", sorted(LINKS))
def test_the_email_carries_the_kinds_own_link_in_text_and_html(kind):
    message = messages.render(kind, SAMPLE)
    link = SAMPLE[LINKS[kind]]
    assert link in message.text and f'href="{link}"' in message.html.replace("&amp;", "&")


def test_the_reset_link_is_in_the_email_but_never_in_the_site_notice():
    message = messages.render("password_reset", SAMPLE)
    assert SAMPLE["reset_url"] in message.text and "token" not in message.notice
    assert "16:00" in message.notice and "not you" in message.notice


def test_only_the_essential_kinds_go_to_an_unverified_address():
    assert messages.ESSENTIAL == {"verify_email", "password_reset", "registration_repeated"}
    assert messages.ESSENTIAL <= set(messages.KINDS)


def test_moments_are_said_in_uk_time_and_days_by_name():
    assert uk_moment(dt.datetime(2026, 12, 4, 17, 0, tzinfo=dt.UTC)) == "Friday 4 December 2026, 17:00"
    assert uk_moment(dt.datetime(2026, 7, 3, 16, 0, tzinfo=dt.UTC)) == "Friday 3 July 2026, 17:00"  # BST
    assert uk_day(dt.date(2026, 12, 4)) == "Friday 4 December 2026"


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
