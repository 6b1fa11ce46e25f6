"""The secret ballot holds against a database reader: no ballot can be linked to its voter.

Issue 15, item 3: pairing ``ballots`` with ``participations`` by xmin, ctid or dump order linked 3 of
3 votes to their voters. Now the transaction that records a vote writes no ballot; the ballot box writes
ballots in shuffled batches of at least the batch size (services/members/ballot_box.py). Each attack
below pairs the k-th voter with the k-th ballot in some order and counts what it got right.

The bounds are what chance alone exceeds only rarely, for 20 voters with alternating choices and a
batch size of 5 (four shuffled batches): a simulation of the box's rule (10^5 elections) linked on
average 1.5 voters to their own ballot (9 or more: 2.5 in 10^5) and guessed 10 choices (18 or more:
6 in 10^4). Writing each ballot with its participation, as before, links all 20 and guesses all 20.
"""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import event, func, insert, inspect, select, text
from sqlalchemy.exc import OperationalError

from coop.services import history
from services.members import ballot_box as ballot_box_module
from services.members import proposals
from services.members.adapters.ballot_inlet import BallotInlet, HeldBallots, SealedBallot
from services.members.ballot_box import fill_ballot_box_job, new_seal
from services.members.models import Ballot, Member, Participation, Proposal
from services.members.models import Base as MembersBase
from shared import migrations
from shared.auth import Principal
from shared.db import Database, utcnow
from tests.support.ballots import (
    cast,
    close_now,
    hold_election,
    linking_attacks,
    open_ballot,
    transaction_ids,
    vote_in_a_process_that_dies,
)
from tests.support.concurrency import Answer, at_once, serve, statuses

VOTERS = 20
BATCH = 5
MOST_BALLOTS_LINKED_BY_CHANCE = 8
MOST_CHOICES_GUESSED_BY_CHANCE = 17


@pytest.fixture
def box_of_five(coop, monkeypatch):
    """The members service with a ballot box that writes batches of at least five."""
    coop.change_settings(ballot_batch_size=BATCH)
    return coop


def ballots_of(coop, proposal_id):
    with coop.runtime.db.sessionmaker() as session:
        return dict(session.execute(select(Ballot.receipt_hash, Ballot.option)
                                    .where(Ballot.proposal_id == proposal_id)).all())


def result_of(coop, proposal_id):
    with coop.runtime.db.sessionmaker() as session:
        return session.get(Proposal, proposal_id).result


@pytest.mark.parametrize("by_proxy", [0, 7], ids=["in person", "seven by proxy"])
def test_no_order_of_the_tables_links_twenty_voters_to_their_ballots(box_of_five, by_proxy):
    proposal_id, votes = hold_election(box_of_five, VOTERS, by_proxy=by_proxy)
    with box_of_five.runtime.db.engine.connect() as connection:
        attacks = linking_attacks(connection, proposal_id, votes)
    assert len(attacks) >= 6
    best_link = max(attacks, key=lambda attack: attack.ballots_linked)
    best_guess = max(attacks, key=lambda attack: attack.choices_guessed)
    assert best_link.ballots_linked <= MOST_BALLOTS_LINKED_BY_CHANCE, best_link
    assert best_guess.choices_guessed <= MOST_CHOICES_GUESSED_BY_CHANCE, best_guess


def test_no_ballot_shares_a_transaction_with_a_participation(box_of_five, backend):
    if not backend.is_real:
        pytest.skip("xmin is PostgreSQL's; on SQLite the statements of each vote are checked instead")
    hold_election(box_of_five, VOTERS, by_proxy=3)
    with box_of_five.runtime.db.engine.connect() as connection:
        voted, boxed = transaction_ids(connection, "participations"), transaction_ids(connection, "ballots")
    assert len(voted) == VOTERS  # one transaction per vote
    assert voted.isdisjoint(boxed)
    assert len(boxed) <= VOTERS // BATCH  # a few batches, never one ballot at a time


def test_the_transaction_that_records_a_vote_writes_no_ballot(coop):
    proposal_id = open_ballot(coop, coop.coordinator())
    statements = []

    def record(_connection, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(coop.runtime.db.engine, "before_cursor_execute", record)
    try:
        for option in ("for", "against", "for"):
            cast(coop, coop.member(), proposal_id, option)
    finally:
        event.remove(coop.runtime.db.engine, "before_cursor_execute", record)
    assert any("participations" in statement for statement in statements)
    assert not [statement for statement in statements if "ballots" in statement.lower()]
    assert ballots_of(coop, proposal_id) == {}
    assert coop.runtime.collaborators.ballot_inlet.waiting() == 3  # sealed, in the box's inlet


def test_ballots_have_no_column_that_could_follow_the_voting_order(coop):
    columns = {column["name"] for column in inspect(coop.runtime.db.engine).get_columns("ballots")}
    assert columns == {"id", "proposal_id", "option", "receipt_hash"}
    if coop.runtime.db.is_sqlite:
        with coop.runtime.db.engine.connect() as connection, pytest.raises(OperationalError):
            connection.execute(text("SELECT rowid FROM ballots"))  # no hidden insertion order either


def test_the_box_writes_no_batch_smaller_than_the_batch_size(box_of_five, monkeypatch):
    written = []
    original = ballot_box_module.fill

    def counting_fill(*args, **kwargs):
        written.append(original(*args, **kwargs))
        return written[-1]

    monkeypatch.setattr(ballot_box_module, "fill", counting_fill)
    monkeypatch.setattr(proposals, "fill", counting_fill)
    hold_election(box_of_five, 13)
    batches = [count for count in written if count]
    assert sum(batches) == 13
    assert min(batches) >= BATCH


def test_each_voter_finds_her_own_ballot_with_her_receipt(box_of_five):
    proposal_id, votes = hold_election(box_of_five, VOTERS, by_proxy=4)
    for vote in votes[:: 3]:
        response = box_of_five.client.post(f"/proposals/{proposal_id}/ballot-checks", json={"receipt": vote.receipt},
                                           headers=box_of_five.member().headers)
        assert (response.status_code, response.json["option"]) == (200, vote.option)


def test_twenty_ballots_are_all_counted_before_the_proposal_is_decided(box_of_five):
    proposal_id, votes = hold_election(box_of_five, VOTERS, by_proxy=5)
    result = result_of(box_of_five, proposal_id)
    assert result["counts"] == {"for": 10, "against": 10}
    assert result["votes_cast"] == VOTERS
    assert len(ballots_of(box_of_five, proposal_id)) == VOTERS
    assert box_of_five.runtime.collaborators.ballot_inlet.waiting() == 0


def test_a_filler_that_dies_before_committing_loses_no_ballot(coop):
    proposal_id = open_ballot(coop, coop.coordinator())
    for option in ("for", "for", "against"):
        cast(coop, coop.member(), proposal_id, option)
    box = coop.runtime.collaborators.ballot_inlet
    with pytest.raises(RuntimeError), coop.runtime.db.transaction() as session:
        session.execute(text("SELECT 1"))
        ballot_box_module.fill(session, box, coop.settings.ballot_batch_size, closing={proposal_id})
        raise RuntimeError("the process dies before its commit")
    assert box.waiting() == 3
    close_now(coop, proposal_id)
    assert result_of(coop, proposal_id)["counts"] == {"for": 2, "against": 1}


def test_ballots_delivered_again_after_their_batch_committed_are_counted_once(box_of_five, monkeypatch):
    coop = box_of_five
    proposal_id = open_ballot(coop, coop.coordinator())
    for number in range(2 * BATCH):
        cast(coop, coop.member(), proposal_id, ("for", "against")[number % 2])
    with monkeypatch.context() as dying:
        # The filler dies after its commit and before acknowledging: the broker gives every message back.
        settle = HeldBallots.settle
        dying.setattr(HeldBallots, "settle", lambda held, committed: settle(held, committed=False))
        fill_ballot_box_job(coop.runtime)
    assert len(ballots_of(coop, proposal_id)) == BATCH
    close_now(coop, proposal_id)
    assert result_of(coop, proposal_id)["counts"] == {"for": BATCH, "against": BATCH}
    assert coop.runtime.collaborators.ballot_inlet.waiting() == 0


def test_a_ballot_whose_vote_was_rolled_back_is_never_counted(coop):
    proposal_id = open_ballot(coop, coop.coordinator())
    cast(coop, coop.member(), proposal_id, "for")
    voter = coop.member()
    box = coop.runtime.collaborators.ballot_inlet
    # The vote posts its ballot and then its transaction is rolled back (the commit failed, the process died).
    with pytest.raises(RuntimeError), coop.runtime.db.transaction() as session:
        proposals.cast_vote(session, proposal_id, Principal(voter.account_id, ("member",), voter.member_id),
                            "against", inlet=box)
        raise RuntimeError("the commit never happens")
    box.post(SealedBallot(proposal_id, "against", "0" * 64, new_seal()))  # and a forged one, never voted
    assert box.waiting() == 3
    close_now(coop, proposal_id)
    assert result_of(coop, proposal_id)["counts"] == {"for": 1, "against": 0}
    assert box.waiting() == 0
    # The member whose vote was rolled back has not voted, and still can (the proposal is closed now).
    with coop.runtime.db.sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(Participation)
                              .where(Participation.member_id == voter.member_id)) == 0


def test_a_vote_the_ballot_box_cannot_take_is_not_recorded(coop, monkeypatch):
    proposal_id = open_ballot(coop, coop.coordinator())
    voter = coop.member()
    unreachable = dataclasses.replace(coop.runtime.settings, broker_url="amqp://guest:guest@127.0.0.1:1//",
                                      confirm_timeout_seconds=1.0)
    monkeypatch.setattr(coop.runtime, "collaborators",
                        dataclasses.replace(coop.runtime.collaborators, ballot_inlet=BallotInlet(unreachable)))
    response = coop.client.post(f"/proposals/{proposal_id}/votes", json={"option": "for"}, headers=voter.headers)
    assert response.status_code == 503
    assert "not recorded" in response.json["detail"]
    with coop.runtime.db.sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(Participation)) == 0


def test_ballots_waiting_in_the_inlet_survive_the_process_that_took_the_votes(coop):
    proposal_id = open_ballot(coop, coop.coordinator())
    votes = [(voter.account_id, voter.member_id, option)
             for voter, option in ((coop.member(), option) for option in ("for", "against", "for"))]
    vote_in_a_process_that_dies(coop.runtime.settings, proposal_id, votes)
    close_now(coop, proposal_id)
    assert result_of(coop, proposal_id)["counts"] == {"for": 2, "against": 1}


@pytest.fixture
def members_database_at_0003(backend, tmp_path):
    """A new members database migrated to the revision before the ballot box, dropped after the test."""
    url = backend.new_database(tmp_path, "members_ballots")
    db = Database(url, MembersBase.metadata)
    migrations.upgrade(db, history("members"), "0003")
    yield db
    db.dispose()
    backend.drop_database(url)


def test_ballots_stored_before_the_ballot_box_are_written_again_in_one_shuffled_batch(members_database_at_0003):
    db = members_database_at_0003
    with db.transaction() as session:
        # As the accounts table was then (today's model has columns added since).
        session.execute(text("INSERT INTO accounts (id, email, password_hash, display_name, roles, created_at) "
                             "VALUES (:id, :email, 'x', 'M', '[]', :now)"),
                        [{"id": number, "email": f"{number}@example.org", "now": utcnow()} for number in (1, 2, 3)])
        session.add_all([Member(id=number, account_id=number, kind="producer", name=f"Shop {number}",
                                status="active") for number in (1, 2, 3)])
        # Only the columns a proposal had then (later ones, like reminded_at, are not there yet).
        session.execute(insert(Proposal).values(id=1, title="Rules", text="Adopt them.", options=["for", "against"],
                                                closes_at=utcnow(), opened_by=1))
    old_way = [text("INSERT INTO participations (proposal_id, member_id, cast_by_account_id, by_proxy) "
                    "VALUES (1, :member, :account, false)"),
               text("INSERT INTO ballots (id, proposal_id, option, receipt_hash) VALUES (:id, 1, :option, :hash)")]
    for member in (1, 2, 3):  # each ballot written with its participation, as before
        with db.engine.begin() as connection:
            connection.execute(old_way[0], {"member": member, "account": member})
            connection.execute(old_way[1], {"id": f"{member:032x}", "option": "for", "hash": f"{member:064x}"})
    migrations.upgrade(db, history("members"), "0004")
    with db.engine.connect() as connection:
        hashes = set(connection.execute(text("SELECT receipt_hash FROM ballots")).scalars())
        assert hashes == {f"{member:064x}" for member in (1, 2, 3)}
        if connection.dialect.name == "postgresql":
            rewritten = transaction_ids(connection, "ballots")
            assert len(rewritten) == 1 and rewritten.isdisjoint(transaction_ids(connection, "participations"))


def test_votes_racing_the_close_are_each_counted_or_refused(coop):
    proposal_id = open_ballot(coop, coop.coordinator())
    voters = [coop.member() for _ in range(VOTERS)]
    box = coop.runtime.collaborators.ballot_inlet
    with coop.runtime.db.sessionmaker() as session:
        closes_at = session.get(Proposal, proposal_id).closes_at

    def close_as_the_job_does():
        with coop.runtime.db.transaction() as session:
            proposals.close_due_proposals(session, closes_at, inlet=box,
                                          batch_size=coop.settings.ballot_batch_size)
        return Answer(200, None)

    with serve(coop.app) as server:
        votes = [lambda voter=voter: server.post(f"/proposals/{proposal_id}/votes", {"option": "for"}, voter.headers)
                 for voter in voters]
        answers = at_once(votes[:VOTERS // 2] + [close_as_the_job_does] + votes[VOTERS // 2:])
    accepted = statuses(answers)[201]
    assert set(statuses(answers)) <= {200, 201, 409}, statuses(answers)
    result = result_of(coop, proposal_id)
    with coop.runtime.db.sessionmaker() as session:
        voted = session.scalar(select(func.count()).select_from(Participation)
                               .where(Participation.proposal_id == proposal_id))
    # Every vote the voter was told was recorded is in the count, and none is left waiting outside it.
    assert result["votes_cast"] == result["counts"]["for"] == voted == accepted
    assert box.waiting() == 0
