"""The proposal flow end to end, with the members, contracts and notifications workers running, on
SQLite + memory:// and, in the real pass, on PostgreSQL + RabbitMQ, with the mail going to a real SMTP
server: a contract over the approval threshold opens a ballot, every member who may vote is told by
email, they vote, and the decision is mailed to every member."""

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select

from services.members.models import Proposal
from services.members.proposals import close_due_proposals
from shared import mail
from tests.support.desk import terms
from tests.support.smtp import smtp_server
from tests.support.waiting import wait_for

LARGE = terms(line_items=[{"description": "Hand-made cards", "quantity": 4000, "unit": "cards",
                           "unit_price_pence": 250}])  # £10,000: over the £5,000 threshold


@pytest.fixture
def smtp():
    yield from smtp_server()


@pytest.fixture
def services(coop, desk, notices, smtp):
    """The three services' workers running; the notifications sender mails through the SMTP server."""
    given = notices.runtime.collaborators
    notices.runtime.collaborators = dataclasses.replace(
        given, mailer=mail.mailer_from_url(smtp.url, notices.runtime.settings.data_dir, given.settings.mail_from))
    for runtime in (coop.runtime, desk.runtime, notices.runtime):
        runtime.start_worker()
    for runtime in (coop.runtime, desk.runtime, notices.runtime):
        wait_for(runtime.consumer().ready.is_set, timeout=30)
    return coop, desk, notices


def ballot_for(coop, contract) -> Proposal:
    def opened():
        with coop.runtime.db.sessionmaker() as session:
            return session.scalar(select(Proposal).where(Proposal.subject_type == "contract",
                                                         Proposal.subject_id == str(contract["id"])))
    return wait_for(opened, timeout=30)


def mailed(smtp, subject: str) -> dict[str, str]:
    """Each address the server took a message with this subject for, and its plain-text body."""
    return {message["To"]: message.get_body(("plain",)).get_content()
            for message in smtp.messages if message["Subject"] == subject}


def test_every_eligible_voter_is_told_of_a_contract_ballot_votes_and_is_mailed_the_decision(services, smtp):
    coop, desk, notices = services
    voters = [coop.member() for _ in range(3)] + [coop.member(kind="agency")]
    outsiders = [coop.member(status="applicant"), coop.member(status="suspended"), coop.account("customer")]
    contract = desk.agreed(desk.coordinator(), terms=LARGE)
    proposal = ballot_for(coop, contract)
    voter_addresses = {voter.email for voter in voters}

    wait_for(lambda: set(mailed(smtp, "A new proposal to vote on")) == voter_addresses, timeout=60)
    opened = mailed(smtp, "A new proposal to vote on")
    assert all(f"/members/votes/{proposal.id}" in body for body in opened.values())

    for voter in voters[:3]:
        response = coop.client.post(f"/proposals/{proposal.id}/votes", json={"option": "for"},
                                    headers=voter.headers)
        assert response.status_code in (200, 201), response.json
    with coop.runtime.db.transaction() as session:
        assert close_due_proposals(session, now=proposal.closes_at + dt.timedelta(seconds=1),
                                   inlet=coop.runtime.collaborators.ballot_inlet,
                                   batch_size=coop.settings.ballot_batch_size) == [proposal.id]

    wait_for(lambda: set(mailed(smtp, "A proposal has been decided")) == voter_addresses, timeout=60)
    decided = mailed(smtp, "A proposal has been decided")
    assert all("- for: 3" in body and "passed" in body for body in decided.values()), decided
    # Told once each, and nobody else (an applicant, a suspended member, a customer): one opening and one
    # decision per voter, however the events were delivered.
    about_the_ballot = [message["To"] for message in smtp.messages
                        if message["Subject"] in ("A new proposal to vote on", "A proposal has been decided")]
    assert sorted(about_the_ballot) == sorted(list(voter_addresses) * 2)
    assert not {person.email for person in outsiders} & set(about_the_ballot)
