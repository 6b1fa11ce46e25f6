"""Many requests at one members-service transition at once, through a real threaded server.

Each test fires N requests together (tests/support/concurrency.py) and then checks the database: one
effect, no 5xx, each event published once. On PostgreSQL these are real races; on SQLite the write
lock serialises them, and the same answers must come out.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import create_engine, func, select

from services.members import accounts
from services.members.models import Account, Ballot, Member, Participation, Proposal, StatusChange
from services.members.proposals import close_due_proposals
from shared.db import utcnow
from tests.support.concurrency import N, at_once, no_server_errors, serve, statuses
from tests.support.factories import PASSWORD
from tests.support.outbox import published


@pytest.fixture
def server(coop):
    with serve(coop.app) as running:
        yield running


def test_one_applicant_admitted_by_many_requests_at_once_becomes_one_member_with_one_number(coop, server):
    earlier = coop.member()  # holds member number 1
    applicant = coop.member(status="applicant")
    coordinators = [coop.coordinator() for _ in range(4)]
    answers = at_once([lambda c=coordinators[i % 4]: server.post(f"/members/{applicant.member_id}/admit", {},
                                                                   c.headers) for i in range(N)])
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    with coop.runtime.db.sessionmaker() as session:
        numbers = session.scalars(select(Member.member_number).where(Member.member_number.is_not(None))
                                  .order_by(Member.member_number)).all()
        admitted = session.scalars(select(StatusChange).where(StatusChange.member_id == applicant.member_id,
                                                              StatusChange.to_status == "active")).all()
    assert numbers == [1, 2] and earlier.member_id != applicant.member_id
    assert len(admitted) == 1
    # 1 for the earlier member, 1 for this one.
    assert len(published(coop, "member.admitted")) == 2


def test_the_next_admission_after_a_race_takes_the_next_number(coop, server):
    applicant, later = coop.member(status="applicant"), coop.member(status="applicant")
    coordinator = coop.coordinator()
    at_once([lambda: server.post(f"/members/{applicant.member_id}/admit", {}, coordinator.headers)] * N)
    assert server.post(f"/members/{later.member_id}/admit", {}, coordinator.headers).status == 200
    with coop.runtime.db.sessionmaker() as session:
        assert session.get(Member, later.member_id).member_number == 2


def test_many_wrong_passwords_at_once_check_no_more_than_the_limit(coop, server):
    person = coop.account("customer")
    limit = coop.settings.login_max_failures
    answers = at_once([lambda: server.post("/tokens", {"email": person.email, "password": "not it"})] * N)
    assert statuses(answers) == {401: limit, 429: N - limit}, statuses(answers)


def test_the_right_password_after_the_limit_is_refused_too(coop, server):
    person = coop.account("customer")
    at_once([lambda: server.post("/tokens", {"email": person.email, "password": "not it"})] * N)
    assert server.post("/tokens", {"email": person.email, "password": PASSWORD}).status == 429


def test_right_passwords_at_once_up_to_the_limit_all_sign_in_and_leave_no_failure_behind(coop, server):
    # An attempt counts while its password is checked (the limit cannot know yet that it is right).
    person = coop.account("customer")
    limit = coop.settings.login_max_failures
    answers = at_once([lambda: server.post("/tokens", {"email": person.email, "password": PASSWORD})] * limit)
    assert statuses(answers) == {201: limit}, statuses(answers)
    for _ in range(limit):
        assert server.post("/tokens", {"email": person.email, "password": "not it"}).status == 401


def test_the_current_password_check_of_a_password_change_counts_against_the_limit(coop, server):
    person = coop.account("customer")
    limit = coop.settings.login_max_failures
    change = {"current_password": "not the password", "new_password": "a brand new password"}
    answers = at_once([lambda: server.post("/accounts/me/password", change, person.headers)] * N)
    assert statuses(answers) == {403: limit, 429: N - limit}, statuses(answers)
    assert server.post("/tokens", {"email": person.email, "password": PASSWORD}).status == 429


def test_no_transaction_is_open_while_a_password_is_checked(coop, backend, monkeypatch):
    if backend.is_real:
        pytest.skip("SQLite's single write lock is what a long check would hold up")
    person = coop.account("customer")
    probe = create_engine(coop.runtime.db.url, connect_args={"timeout": 0})
    writes_allowed = []
    real_check = accounts._password_matches

    def check_while_someone_writes(password_hash, password):
        with probe.connect() as connection:  # fails at once with "database is locked" if a writer holds it
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            connection.exec_driver_sql("ROLLBACK")
            writes_allowed.append(True)
        return real_check(password_hash, password)

    monkeypatch.setattr(accounts, "_password_matches", check_while_someone_writes)
    assert coop.client.post("/tokens", json={"email": person.email, "password": PASSWORD}).status_code == 201
    assert coop.client.post("/tokens", json={"email": person.email, "password": "wrong"}).status_code == 401
    probe.dispose()
    assert writes_allowed == [True, True]


def test_an_admission_and_a_role_edit_at_once_keep_both_roles(coop, server):
    applicant = coop.member(status="applicant")
    coordinator, admin = coop.coordinator(), coop.account("admin")
    calls = [lambda: server.post(f"/members/{applicant.member_id}/admit", {}, coordinator.headers)]
    calls += [lambda: server.send("PUT", f"/accounts/{applicant.account_id}/roles", {"roles": ["customer"]},
                                  admin.headers)] * (N - 1)
    answers = at_once(calls)
    assert no_server_errors(answers), statuses(answers)
    with coop.runtime.db.sessionmaker() as session:
        assert session.get(Account, applicant.account_id).roles == ["customer", "member"]


def test_one_email_registered_many_times_at_once_makes_one_account(coop, server):
    body = {"email": "same@example.org", "password": "a long enough password", "display_name": "Same"}
    answers = at_once([lambda: server.post("/accounts", body)] * N)
    # Each answers as for a new email: the one that made it, and those that found it made (a repeat).
    assert statuses(answers) == {202: N}, statuses(answers)
    with coop.runtime.db.sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(Account).where(Account.email == body["email"])) == 1
    assert len(published(coop, "account.registered")) == 1
    assert len(published(coop, "account.registration_repeated")) == N - 1


def test_one_account_applying_many_times_at_once_makes_one_application(coop, server):
    person = coop.account()
    body = {"kind": "producer", "name": "Paper Birds", "sectors": ["cards"]}
    answers = at_once([lambda: server.post("/members", body, person.headers)] * N)
    assert statuses(answers) == {201: 1, 409: N - 1}, statuses(answers)
    with coop.runtime.db.sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(Member)
                              .where(Member.account_id == person.account_id)) == 1


def test_job_brokering_asked_for_many_times_at_once_is_published_once(coop, server):
    member = coop.member()
    answers = at_once([lambda: server.post(f"/members/{member.member_id}/seeking-work", {}, member.headers)] * N)
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    assert len(published(coop, "member.seeking_work")) == 1


def test_one_member_voting_many_times_at_once_casts_one_ballot(coop, server):
    coordinator, voter = coop.coordinator(), coop.member()
    proposal = coop.client.post("/proposals", json={
        "title": "Rules", "text": "Adopt them.", "options": ["for", "against"],
        "closes_at": (utcnow() + dt.timedelta(days=7)).isoformat()}, headers=coordinator.headers)
    assert proposal.status_code == 201, proposal.json
    path = f"/proposals/{proposal.json['id']}/votes"
    answers = at_once([lambda: server.post(path, {"option": "for"}, voter.headers)] * N)
    assert statuses(answers) == {201: 1, 409: N - 1}, statuses(answers)
    with coop.runtime.db.sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(Participation)) == 1
    assert coop.runtime.collaborators.ballot_inlet.waiting() == 1  # one sealed ballot, on its way to the box
    with coop.runtime.db.transaction() as session:
        closes_at = session.get(Proposal, proposal.json["id"]).closes_at
        close_due_proposals(session, closes_at, inlet=coop.runtime.collaborators.ballot_inlet,
                            batch_size=coop.settings.ballot_batch_size)
    with coop.runtime.db.sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(Ballot)) == 1


def test_suspensions_sent_many_times_at_once_are_published_once(coop, server):
    member, coordinator = coop.member(), coop.coordinator()
    answers = at_once([lambda: server.post(f"/members/{member.member_id}/suspend", {"reason": "unpaid fees"},
                                           coordinator.headers)] * N)
    assert statuses(answers) == {200: 1, 409: N - 1}, statuses(answers)
    assert len(published(coop, "member.suspended")) == 1
