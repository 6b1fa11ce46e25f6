"""The operator commands: dead letters and accounts, on the same settings the services use."""

import datetime as dt
import json

import pytest

from services.members.app import build_runtime
from shared.consumer import list_dead_letters
from tests.support.cli import run_coop


@pytest.fixture
def run(settings):
    def invoke(*args, input=None):
        return run_coop(settings, *args, input=input)
    return invoke


@pytest.fixture
def members_runtime(settings):
    runtime = build_runtime(settings)
    runtime.prepare_schema()
    yield runtime
    runtime.stop()


def test_dead_letters_list_prints_one_json_line_per_parked_message(run, members_runtime):
    members_runtime.processor.process("{broken")
    result = run("dead-letters", "list", "members")
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout.splitlines()[0])
    assert line["reason"] == "not JSON" and line["replayed_at"] is None


def test_dead_letters_list_is_empty_for_a_service_with_none(run, members_runtime):
    result = run("dead-letters", "list", "members")
    assert result.exit_code == 0 and result.stdout == ""


def test_replaying_a_message_no_handler_can_take_fails_and_keeps_it(run, members_runtime):
    members_runtime.processor.process(json.dumps({
        "id": "6b0f1c2e-8f43-4a8e-9d8b-3f1f5e2a7c10", "type": "listing.published", "version": 1,
        "occurred_at": "2026-11-23T10:00:00+00:00", "source": "marketplace", "data": {}}))
    letter = list_dead_letters(members_runtime.db)[0]
    result = run("dead-letters", "replay", "members", str(letter.id))
    assert result.exit_code == 1
    assert "no handler for listing.published" in result.stdout
    assert list_dead_letters(members_runtime.db)[0].id == letter.id


def test_replay_needs_ids_or_all(run, members_runtime):
    assert run("dead-letters", "replay", "members").exit_code == 2


def test_an_unknown_service_is_refused(run):
    result = run("dead-letters", "list", "payroll")
    assert result.exit_code == 2 and "payroll" in result.output


def test_create_account_makes_the_first_administrator(run, members_runtime):
    result = run("create-account", "--email", "root@coop.example", "--name", "Root", "--role", "admin",
                 "--password", "a long admin password")
    assert result.exit_code == 0, result.output
    from services.members.accounts import normalise_email
    from services.members.models import Account
    with members_runtime.db.sessionmaker() as session:
        account = session.query(Account).filter_by(email=normalise_email("root@coop.example")).one()
        assert account.roles == ["admin"]


def test_reset_password_sets_a_new_one_and_lifts_a_lockout(run, members_runtime):
    from services.members import accounts
    from services.members.sign_in_limits import SignInLimits

    run("create-account", "--email", "jo@coop.example", "--name", "Jo", "--role", "coordinator",
        "--password", "the first password")
    limits = SignInLimits(per_email=5, per_address=100, window=dt.timedelta(minutes=15))
    for _ in range(5):
        accounts.check_password(members_runtime.db, "jo@coop.example", "wrong", limits)
    locked_out = accounts.check_password(members_runtime.db, "jo@coop.example", "the first password", limits)
    assert locked_out.retry_after_seconds
    result = run("reset-password", "--email", "jo@coop.example", "--password", "a second password")
    assert result.exit_code == 0, result.output
    signed_in = accounts.check_password(members_runtime.db, "jo@coop.example", "a second password", limits)
    assert signed_in.principal is not None


def test_reset_password_of_an_unknown_account_fails(run, members_runtime):
    result = run("reset-password", "--email", "nobody@coop.example", "--password", "whatever it is")
    assert result.exit_code == 1 and "no account" in result.output


def test_create_account_refuses_an_email_already_taken(run, members_runtime):
    args = ("create-account", "--email", "twice@coop.example", "--name", "T", "--role", "admin",
            "--password", "a long admin password")
    run(*args)
    result = run(*args)
    assert result.exit_code == 1 and "already exists" in result.output


def test_a_real_installation_is_never_shown_the_demo_logins(run, settings, members_runtime):
    from services.members.demo import DEMO_PASSWORD, load_demo_data

    run("create-account", "--email", "root@coop.example", "--name", "Root", "--role", "admin",
        "--password", "a long admin password")
    message = load_demo_data(settings)
    assert message == "Existing data found: no demo loaded."
    assert DEMO_PASSWORD not in message
