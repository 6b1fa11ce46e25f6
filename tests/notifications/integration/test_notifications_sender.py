"""The sender job: each email row sent once, through a real SMTP server or as a .eml file; put off
by a temporary refusal and sent later; parked, with a dead letter, when refused for good."""

import dataclasses
import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from coop.cli import main
from services.notifications import messages
from services.notifications.app import Collaborators
from services.notifications.models import Email
from services.notifications.sender import FIRST_WAIT, send_due_emails
from services.notifications.settings import NotificationsSettings
from shared import mail
from shared.consumer import list_dead_letters
from shared.db import utcnow
from tests.support.smtp import smtp_server

SENDER = "Co-op back office <noreply@coop.example>"


@pytest.fixture
def smtp():
    yield from smtp_server()


@pytest.fixture
def clock():
    # A minute on: the rows the test writes (at the real time) are due at once.
    return Clock(utcnow() + dt.timedelta(minutes=1))


@dataclasses.dataclass
class Clock:
    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now


def through(notices, mailer, clock) -> None:
    """Make the service's sender use this mailer and this clock."""
    notices.runtime.collaborators = Collaborators(NotificationsSettings(), mailer, clock)


def test_embedded_each_email_is_a_eml_file_under_the_data_folder(notices):
    jo = notices.person("Jo")
    notices.admit(jo)
    assert send_due_emails(notices.runtime) == 1
    [email] = notices.emails()
    assert email.status == "sent" and email.sent_at is not None
    [eml] = (notices.runtime.settings.data_dir / "mail").glob("*.eml")
    assert eml.name == f"{email.message_id}.eml" and f"p{jo.account_id}@example.org" in eml.read_text()
    assert send_due_emails(notices.runtime) == 0  # sent once


def test_each_row_is_sent_once_to_its_person_through_a_real_smtp_server(notices, smtp, clock):
    through(notices, mail.mailer_from_url(smtp.url, notices.runtime.settings.data_dir, SENDER), clock)
    jo, sam = notices.person("Jo"), notices.person("Sam")
    notices.admit(jo, "Paper Birds Cards")
    notices.admit(sam, "Leeds Soap")
    assert send_due_emails(notices.runtime) == 2
    assert send_due_emails(notices.runtime) == 0
    smtp.wait_for(2)
    [to_jo] = smtp.to(f"p{jo.account_id}@example.org")
    assert to_jo["Subject"] == "Welcome: you are a member"
    assert "Paper Birds Cards" in to_jo.get_body(("plain",)).get_content()
    assert "Leeds Soap" not in to_jo.as_string() and len(smtp.messages) == 2


def test_a_temporary_refusal_is_tried_again_later_and_delivered_once(notices, smtp, clock):
    through(notices, mail.mailer_from_url(smtp.url, notices.runtime.settings.data_dir, SENDER), clock)
    jo = notices.person("Jo")
    notices.admit(jo)
    smtp.refuse(451)
    assert send_due_emails(notices.runtime) == 0
    [email] = notices.emails()
    assert (email.status, email.attempts) == ("pending", 1) and "451" in email.last_error
    assert send_due_emails(notices.runtime) == 0  # not due yet
    clock.now += FIRST_WAIT
    assert send_due_emails(notices.runtime) == 1
    assert len(smtp.wait_for(1)) == 1 and notices.emails()[0].status == "sent"
    clock.now += dt.timedelta(days=1)
    assert send_due_emails(notices.runtime) == 0 and len(smtp.messages) == 1


def test_a_server_down_then_up_gets_the_mail_later(notices, smtp, clock):
    through(notices, mail.mailer_from_url(smtp.url, notices.runtime.settings.data_dir, SENDER), clock)
    notices.admit(notices.person("Jo"))
    smtp.stop()
    assert send_due_emails(notices.runtime) == 0
    smtp.start()
    clock.now += FIRST_WAIT
    assert send_due_emails(notices.runtime) == 1 and len(smtp.wait_for(1)) == 1


def test_a_permanent_refusal_parks_the_email_with_a_dead_letter_the_command_line_lists(notices, smtp, clock):
    through(notices, mail.mailer_from_url(smtp.url, notices.runtime.settings.data_dir, SENDER), clock)
    jo = notices.person("Jo")
    notices.admit(jo)
    smtp.refuse(550)
    assert send_due_emails(notices.runtime) == 0
    [email] = notices.emails()
    assert email.status == "parked" and "550" in email.last_error
    [letter] = list_dead_letters(notices.runtime.db)
    assert (letter.event_type, letter.reason) == ("email.parked", "mail refused")
    assert json.loads(letter.body)["email_id"] == email.id
    clock.now += dt.timedelta(days=2)
    assert send_due_emails(notices.runtime) == 0 and smtp.messages == []
    result = CliRunner().invoke(main, ["dead-letters", "list", "notifications"],
                                env=notices_environment(notices))
    assert result.exit_code == 0, result.output
    assert "email.parked" in result.output


def parked_email(notices, smtp, clock):
    """An email to Jo that the mail server refused for good (once), with its dead letter."""
    through(notices, mail.mailer_from_url(smtp.url, notices.runtime.settings.data_dir, SENDER), clock)
    notices.admit(notices.person("Jo"))
    smtp.refuse(550)
    assert send_due_emails(notices.runtime) == 0
    [letter] = list_dead_letters(notices.runtime.db)
    return letter


def test_a_parked_email_replayed_from_the_command_line_is_delivered_once_the_server_takes_it(notices, smtp, clock):
    letter = parked_email(notices, smtp, clock)
    replayed = CliRunner().invoke(main, ["dead-letters", "replay", "notifications", str(letter.id)],
                                  env=notices_environment(notices))
    assert replayed.exit_code == 0 and f"{letter.id}: handled" in replayed.output, replayed.output
    [email] = notices.emails()
    assert (email.status, email.attempts) == ("pending", 0)
    assert send_due_emails(notices.runtime) == 1 and len(smtp.wait_for(1)) == 1
    assert notices.emails()[0].status == "sent" and list_dead_letters(notices.runtime.db) == []


def test_a_parked_email_is_put_back_once_however_often_it_is_replayed(notices, smtp, clock):
    letter = parked_email(notices, smtp, clock)
    replays = 6  # at once: on PostgreSQL a real race for the dead letter's mark

    def replay(_):
        try:
            return notices.runtime.processor.replay(letter.id).value
        except ValueError as error:
            return str(error)
    with ThreadPoolExecutor(replays) as pool:
        outcomes = list(pool.map(replay, range(replays)))
    assert outcomes.count("handled") == 1, outcomes
    assert outcomes.count(f"dead letter {letter.id} was already replayed") == replays - 1, outcomes
    assert send_due_emails(notices.runtime) == 1 and send_due_emails(notices.runtime) == 0
    assert len(smtp.wait_for(1)) == 1


def test_replaying_the_dead_letter_of_an_email_no_longer_parked_sends_nothing_more(notices, smtp, clock):
    letter = parked_email(notices, smtp, clock)
    with notices.runtime.db.transaction() as session:  # sent another way meanwhile (an operator's fix)
        session.execute(update(Email).values(status="sent"))
    assert notices.runtime.processor.replay(letter.id).value == "duplicate"
    assert send_due_emails(notices.runtime) == 0 and smtp.messages == []


def notices_environment(notices) -> dict[str, str]:
    settings = notices.runtime.settings
    env = {"COOP_DATA_DIR": str(settings.data_dir)}
    if "notifications" in settings.database_urls:
        env["COOP_NOTIFICATIONS_DATABASE_URL"] = settings.database_urls["notifications"]
    return env


def test_many_senders_at_once_send_each_row_once(notices, smtp, clock):
    through(notices, mail.mailer_from_url(smtp.url, notices.runtime.settings.data_dir, SENDER), clock)
    names = "ABCDEFGH"
    for name in names:
        notices.admit(notices.person(name))
    senders = 8  # on PostgreSQL a real race for each row's claim; on SQLite the write lock takes turns
    with ThreadPoolExecutor(senders) as pool:
        sent = sum(pool.map(lambda _: send_due_emails(notices.runtime), range(senders)))
    assert sent == len(names) and len(smtp.wait_for(len(names))) == len(names)
    assert sorted(len(smtp.to(email.to_address)) for email in notices.emails()) == [1] * len(names)


def test_with_the_server_down_every_kind_waits_and_each_is_delivered_once_when_it_is_up(notices, smtp, clock):
    through(notices, mail.mailer_from_url(smtp.url, notices.runtime.settings.data_dir, SENDER), clock)
    jo, sam = notices.person("Jo", verified=False), notices.person("Sam")
    coordinator = notices.person("Ann", roles=("coordinator",))
    closes = (utcnow() + dt.timedelta(days=3)).isoformat()
    for event_type, data, source in (
            ("account.verification_requested", {"account_id": jo.account_id, "expires_at": closes,
                                                "verify_path": "/members/account/verify-email?token=abc"}, "members"),
            ("proposal.opened", {"proposal_id": 3, "title": "Buy a van", "kind": "ordinary", "closes_at": closes,
                                 "subject_type": None, "subject_id": None,
                                 "voter_account_ids": [jo.account_id, sam.account_id]}, "members"),
            ("payout.paid", {"payout_id": 5, "seller_id": 3, "account_id": sam.account_id, "amount_pence": 1240,
                             "currency": "GBP", "period_start": "2026-11-01", "period_end": "2026-11-30",
                             "statement_path": "/marketplace/payouts/5"}, "marketplace"),
            ("placement.check_in_due", {"placement_id": 8, "check_in_id": 3, "employer_name": "Leeds Soap",
                                        "due_on": "2026-12-04", "placement_path": "/brokering/placements/8"},
             "brokering")):
        assert notices.deliver_raw(event_type, data, source) == "handled"
    # Jo's address is not verified: only her verification link is mailed to her, not the proposal.
    expected = {(jo.account_id, "verify_email"), (sam.account_id, "proposal_opened"),
                (sam.account_id, "payout_paid"), (coordinator.account_id, "check_in_due")}
    assert {(email.account_id, email.kind) for email in notices.emails()} == expected
    smtp.stop()
    assert send_due_emails(notices.runtime) == 0
    assert {email.status for email in notices.emails()} == {"pending"}
    smtp.start()
    clock.now += FIRST_WAIT
    assert send_due_emails(notices.runtime) == len(expected)
    clock.now += dt.timedelta(days=1)
    assert send_due_emails(notices.runtime) == 0
    assert len(smtp.wait_for(len(expected))) == len(expected)
    subjects = sorted(message["Subject"] for message in smtp.messages)
    assert subjects == sorted(messages.KINDS[kind].subject for _account, kind in expected)
    assert {email.status for email in notices.emails()} == {"sent"}
