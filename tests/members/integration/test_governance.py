"""Governance through the members API: proposals, one-member-one-vote secret ballots, proxies, results."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import update

from services.members.models import Proposal
from services.members.proposals import close_due_proposals_job
from shared.db import utcnow
from tests.support.outbox import published


@pytest.fixture
def coordinator(coop):
    return coop.coordinator()


@pytest.fixture
def proposal(coop, coordinator):
    return open_proposal(coop, coordinator)


def proposal_body(**overrides):
    body = {"title": "Adopt the 2027 budget", "text": "The budget as circulated.",
            "closes_at": (utcnow() + dt.timedelta(days=7)).isoformat(), "quorum_minimum": 1, **overrides}
    return {name: value for name, value in body.items() if value is not None}  # None: leave it out


def open_proposal(coop, coordinator, **overrides):
    response = coop.client.post("/proposals", json=proposal_body(**overrides), headers=coordinator.headers)
    assert response.status_code == 201, response.json
    return response.json


def vote(coop, person, proposal_id, option="for", **extra):
    return coop.client.post(f"/proposals/{proposal_id}/votes", json={"option": option, **extra},
                            headers=person.headers)


def show(coop, person, proposal_id):
    return coop.client.get(f"/proposals/{proposal_id}", headers=person.headers)


def participants(coop, person, proposal_id):
    return coop.client.get(f"/proposals/{proposal_id}/participants", headers=person.headers)


def check(coop, person, proposal_id, receipt):
    return coop.client.post(f"/proposals/{proposal_id}/ballot-checks", json={"receipt": receipt},
                            headers=person.headers)


def close(coop, person, proposal_id):
    """Close a proposal by hand once its time is up (nobody can close one early)."""
    let_time_run_out(coop, proposal_id)
    return try_to_close(coop, person, proposal_id)


def try_to_close(coop, person, proposal_id):
    return coop.client.post(f"/proposals/{proposal_id}/close", headers=person.headers)


def let_time_run_out(coop, proposal_id):
    """Move a proposal's closing time into the past, as if its week had gone by."""
    with coop.runtime.db.transaction() as session:
        session.execute(update(Proposal).where(Proposal.id == proposal_id)
                        .values(closes_at=utcnow() - dt.timedelta(seconds=1)))


# -- opening ------------------------------------------------------------------------------------------


def test_a_coordinator_opens_a_proposal_with_the_default_options(proposal):
    assert proposal["options"] == ["for", "against", "abstain"]
    assert (proposal["status"], proposal["kind"], proposal["votes_cast"]) == ("open", "ordinary", 0)


def test_quorum_defaults_come_from_the_settings(coop, coordinator):
    created = open_proposal(coop, coordinator, quorum_minimum=None)
    settings = coop.settings
    assert (created["quorum_fraction"], created["quorum_minimum"]) == (settings.quorum_fraction,
                                                                       settings.quorum_minimum)


@pytest.mark.parametrize("role", ["member", "agency", "admin", "customer"])
def test_only_a_coordinator_opens_a_proposal(coop, role):
    response = coop.client.post("/proposals", json=proposal_body(), headers=coop.account(role).headers)
    assert response.status_code == 403


def test_opening_a_proposal_needs_a_token(coop):
    assert coop.client.post("/proposals", json=proposal_body()).status_code == 401


@pytest.mark.parametrize("change", [
    {"title": "x" * 201},
    {"text": ""},
    {"options": ["yes", "yes"]},
    {"options": ["only one"]},
    {"options": [str(n) for n in range(11)]},
    {"options": ["o" * 101, "no"]},
    {"kind": "extraordinary"},
    {"closes_at": "2020-01-01T00:00:00+00:00"},
    {"closes_at": "9999-12-31T23:00:00-05:00"},
    {"closes_at": "2999-01-01T00:00:00"},
    {"quorum_fraction": 1.5},
    {"secret_field": 1},
])
def test_an_invalid_proposal_is_refused(coop, coordinator, change):
    response = coop.client.post("/proposals", json=proposal_body(**change), headers=coordinator.headers)
    assert response.status_code == 422


# -- reading ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["member", "agency", "coordinator", "admin"])
def test_members_coordinators_and_admins_list_proposals(coop, proposal, role):
    response = coop.client.get("/proposals", headers=coop.account(role).headers)
    assert response.status_code == 200
    assert [item["id"] for item in response.json] == [proposal["id"]]
    assert "X-Pagination" in response.headers


@pytest.mark.parametrize("role", ["customer", "employer"])
def test_customers_and_employers_cannot_see_proposals(coop, proposal, role):
    person = coop.account(role)
    assert coop.client.get("/proposals", headers=person.headers).status_code == 403
    assert show(coop, person, proposal["id"]).status_code == 403


def test_proposals_need_a_token(coop, proposal):
    assert coop.client.get("/proposals").status_code == 401
    assert coop.client.get(f"/proposals/{proposal['id']}").status_code == 401


def test_an_unknown_proposal_is_not_found(coop):
    assert show(coop, coop.member(), 999_999).status_code == 404


def test_proposals_are_listed_by_status(coop, coordinator, proposal):
    closed = open_proposal(coop, coordinator)
    close(coop, coordinator, closed["id"])
    response = coop.client.get("/proposals?status=open", headers=coordinator.headers)
    assert [item["id"] for item in response.json] == [proposal["id"]]


def test_tallies_are_hidden_while_a_proposal_is_open(coop, proposal):
    for option in ("for", "against"):
        assert vote(coop, coop.member(), proposal["id"], option).status_code == 201
    shown = show(coop, coop.member(), proposal["id"]).json
    assert (shown["votes_cast"], shown["result"]) == (2, None)
    listed = coop.client.get("/proposals", headers=coop.member().headers).json[0]
    assert (listed["votes_cast"], listed["result"]) == (2, None)


def test_the_result_is_shown_once_closed(coop, coordinator, proposal):
    for option in ("for", "for", "against", "abstain"):
        vote(coop, coop.member(), proposal["id"], option)
    close(coop, coordinator, proposal["id"])
    result = show(coop, coop.member(), proposal["id"]).json["result"]
    assert result["counts"] == {"for": 2, "against": 1, "abstain": 1}
    assert (result["votes_cast"], result["outcome"], result["winning_option"]) == (4, "passed", "for")


# -- voting -------------------------------------------------------------------------------------------


def test_an_active_member_votes_and_gets_a_receipt(coop, proposal):
    voter = coop.member()
    response = vote(coop, voter, proposal["id"])
    assert response.status_code == 201
    assert response.json["member_id"] == voter.member_id
    assert len(response.json["receipt"]) >= 32


def test_an_agency_votes_through_its_representative(coop, coordinator, proposal):
    agency = coop.member(kind="agency")
    assert vote(coop, agency, proposal["id"]).json["member_id"] == agency.member_id
    assert len(participants(coop, coordinator, proposal["id"]).json) == 1


def test_a_member_votes_only_once(coop, proposal):
    voter = coop.member()
    vote(coop, voter, proposal["id"], "for")
    assert vote(coop, voter, proposal["id"], "against").status_code == 409
    assert show(coop, voter, proposal["id"]).json["votes_cast"] == 1


def test_two_votes_for_one_member_at_once_count_once(coop, proposal):
    voter = coop.member()
    answers = []
    workers = [threading.Thread(target=lambda: answers.append(vote(coop, voter, proposal["id"]).status_code))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(answers) == [201, 409]
    assert show(coop, voter, proposal["id"]).json["votes_cast"] == 1


@pytest.mark.parametrize("status", ["suspended", "applicant", "left"])
def test_only_active_members_vote(coop, proposal, status):
    assert vote(coop, coop.member(status=status), proposal["id"]).status_code == 403
    assert show(coop, coop.member(), proposal["id"]).json["votes_cast"] == 0


@pytest.mark.parametrize("role", ["coordinator", "admin", "customer", "employer"])
def test_other_roles_do_not_vote(coop, proposal, role):
    assert vote(coop, coop.account(role), proposal["id"]).status_code == 403


def test_voting_needs_a_token(coop, proposal):
    assert coop.client.post(f"/proposals/{proposal['id']}/votes", json={"option": "for"}).status_code == 401


def test_a_vote_must_be_one_of_the_options(coop, proposal):
    assert vote(coop, coop.member(), proposal["id"], "maybe").status_code == 422


def test_no_vote_after_a_proposal_is_closed(coop, coordinator, proposal):
    close(coop, coordinator, proposal["id"])
    assert vote(coop, coop.member(), proposal["id"]).status_code == 409


def test_no_vote_once_the_closing_time_has_passed(coop, proposal):
    let_time_run_out(coop, proposal["id"])
    assert vote(coop, coop.member(), proposal["id"]).status_code == 409


# -- proxies ------------------------------------------------------------------------------------------


def appoint(coop, person, proposal_id, proxy_member_id):
    return coop.client.post(f"/proposals/{proposal_id}/proxies", json={"proxy_member_id": proxy_member_id},
                            headers=person.headers)


def test_a_proxy_votes_for_the_member_who_appointed_her(coop, proposal):
    absent, proxy = coop.member(), coop.member()
    assert appoint(coop, absent, proposal["id"], proxy.member_id).status_code == 201
    response = vote(coop, proxy, proposal["id"], "against", on_behalf_of=absent.member_id)
    assert (response.status_code, response.json["member_id"]) == (201, absent.member_id)
    assert vote(coop, proxy, proposal["id"], "for").status_code == 201  # and her own vote too
    assert show(coop, proxy, proposal["id"]).json["votes_cast"] == 2


def test_an_agency_can_hold_a_proxy(coop, proposal):
    absent, agency = coop.member(), coop.member(kind="agency")
    assert appoint(coop, absent, proposal["id"], agency.member_id).status_code == 201
    assert vote(coop, agency, proposal["id"], on_behalf_of=absent.member_id).status_code == 201


def test_nobody_votes_for_a_member_without_being_appointed(coop, proposal):
    absent, stranger = coop.member(), coop.member()
    assert vote(coop, stranger, proposal["id"], on_behalf_of=absent.member_id).status_code == 403


def test_a_proxy_cannot_vote_for_a_member_who_has_voted(coop, proposal):
    absent, proxy = coop.member(), coop.member()
    appoint(coop, absent, proposal["id"], proxy.member_id)
    vote(coop, absent, proposal["id"])
    assert vote(coop, proxy, proposal["id"], on_behalf_of=absent.member_id).status_code == 409


def test_a_member_cannot_vote_after_her_proxy_did(coop, proposal):
    absent, proxy = coop.member(), coop.member()
    appoint(coop, absent, proposal["id"], proxy.member_id)
    vote(coop, proxy, proposal["id"], on_behalf_of=absent.member_id)
    assert vote(coop, absent, proposal["id"]).status_code == 409


def test_a_proxy_is_appointed_once(coop, proposal):
    absent = coop.member()
    appoint(coop, absent, proposal["id"], coop.member().member_id)
    assert appoint(coop, absent, proposal["id"], coop.member().member_id).status_code == 409


def test_a_proxy_is_appointed_before_voting(coop, proposal):
    voter = coop.member()
    vote(coop, voter, proposal["id"])
    assert appoint(coop, voter, proposal["id"], coop.member().member_id).status_code == 409


def test_a_proxy_must_be_an_active_member(coop, proposal):
    absent = coop.member()
    assert appoint(coop, absent, proposal["id"], coop.member(status="suspended").member_id).status_code == 422
    assert appoint(coop, absent, proposal["id"], absent.member_id).status_code == 422


def test_a_suspended_member_cannot_appoint_a_proxy(coop, proposal):
    suspended = coop.member(status="suspended")
    assert appoint(coop, suspended, proposal["id"], coop.member().member_id).status_code == 403


@pytest.mark.parametrize("role", ["coordinator", "customer"])
def test_only_members_appoint_proxies(coop, proposal, role):
    assert appoint(coop, coop.account(role), proposal["id"], coop.member().member_id).status_code == 403


# -- participants and ballots ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["member", "agency", "coordinator"])
def test_members_and_coordinators_see_who_took_part_but_not_how(coop, proposal, role):
    voter = coop.member(name="Paper Birds Cards")
    vote(coop, voter, proposal["id"], "against")
    response = participants(coop, coop.account(role), proposal["id"])
    assert response.status_code == 200
    assert [entry["name"] for entry in response.json] == ["Paper Birds Cards"]
    assert set(response.json[0]) == {"member_number", "name"}


@pytest.mark.parametrize("role", ["customer", "employer", "admin"])
def test_others_do_not_see_participants(coop, proposal, role):
    response = participants(coop, coop.account(role), proposal["id"])
    assert response.status_code == 403


def test_the_receipt_shows_its_holder_how_her_ballot_was_recorded(coop, coordinator, proposal):
    voter = coop.member()
    receipt = vote(coop, voter, proposal["id"], "against").json["receipt"]
    close(coop, coordinator, proposal["id"])  # the ballot box takes in every ballot at the latest then
    response = check(coop, voter, proposal["id"], receipt)
    assert (response.status_code, response.json["option"]) == (200, "against")


def test_a_ballot_waiting_for_its_batch_is_not_found_yet(coop, proposal):
    voter = coop.member()
    receipt = vote(coop, voter, proposal["id"], "against").json["receipt"]
    response = check(coop, voter, proposal["id"], receipt)
    assert response.status_code == 404
    assert "not be there yet" in response.json["detail"]


def test_without_the_receipt_nobody_sees_a_choice(coop, proposal):
    vote(coop, coop.member(), proposal["id"], "against")
    guess = "A" * 32
    assert check(coop, coop.member(), proposal["id"], guess).status_code == 404


def test_a_receipt_is_only_good_for_its_own_proposal(coop, coordinator, proposal):
    voter = coop.member()
    receipt = vote(coop, voter, proposal["id"]).json["receipt"]
    other = open_proposal(coop, coordinator)
    assert check(coop, voter, other["id"], receipt).status_code == 404


def test_checking_a_ballot_needs_a_token(coop, proposal):
    receipt = vote(coop, coop.member(), proposal["id"]).json["receipt"]
    response = coop.client.post(f"/proposals/{proposal['id']}/ballot-checks", json={"receipt": receipt})
    assert response.status_code == 401


# -- closing ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["member", "agency", "admin"])
def test_only_a_coordinator_closes_a_proposal(coop, proposal, role):
    assert try_to_close(coop, coop.account(role), proposal["id"]).status_code == 403


def test_closing_publishes_the_decision(coop, coordinator, proposal):
    vote(coop, coop.member(), proposal["id"], "for")
    closed = close(coop, coordinator, proposal["id"])
    assert (closed.status_code, closed.json["status"]) == (200, "closed")
    [event] = published(coop, "proposal.decided", proposal_id=proposal["id"])
    assert (event["outcome"], event["winning_option"], event["votes_cast"]) == ("passed", "for", 1)


def test_a_proposal_without_enough_votes_has_no_quorum(coop, coordinator):
    created = open_proposal(coop, coordinator, quorum_minimum=3)
    vote(coop, coop.member(), created["id"])
    result = close(coop, coordinator, created["id"]).json["result"]
    assert (result["outcome"], result["quorum"]) == ("no_quorum", 3)


def test_a_proposal_cannot_be_closed_before_its_closing_time(coop, coordinator, proposal):
    response = try_to_close(coop, coordinator, proposal["id"])
    assert response.status_code == 409
    assert show(coop, coordinator, proposal["id"]).json["status"] == "open"
    assert published(coop, "proposal.decided", proposal_id=proposal["id"]) == []


def test_closing_twice_publishes_once(coop, coordinator, proposal):
    first = close(coop, coordinator, proposal["id"])
    second = try_to_close(coop, coordinator, proposal["id"])
    assert second.status_code == 200
    assert second.json["closed_at"] == first.json["closed_at"]
    assert len(published(coop, "proposal.decided", proposal_id=proposal["id"])) == 1


def test_proposals_close_automatically_when_their_time_is_up(coop, coordinator, proposal):
    still_open = open_proposal(coop, coordinator)
    vote(coop, coop.member(), proposal["id"], "against")
    let_time_run_out(coop, proposal["id"])
    close_due_proposals_job(coop.runtime)
    close_due_proposals_job(coop.runtime)
    assert show(coop, coordinator, proposal["id"]).json["status"] == "closed"
    assert show(coop, coordinator, still_open["id"]).json["status"] == "open"
    [event] = published(coop, "proposal.decided", proposal_id=proposal["id"])
    assert (event["outcome"], event["counts"]["against"]) == ("rejected", 1)


def test_a_manual_close_and_the_automatic_one_publish_once(coop, coordinator, proposal):
    let_time_run_out(coop, proposal["id"])
    close(coop, coordinator, proposal["id"])
    close_due_proposals_job(coop.runtime)
    assert len(published(coop, "proposal.decided", proposal_id=proposal["id"])) == 1


def test_closers_racing_each_other_publish_once(coop, proposal):
    let_time_run_out(coop, proposal["id"])
    workers = [threading.Thread(target=close_due_proposals_job, args=(coop.runtime,)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(published(coop, "proposal.decided", proposal_id=proposal["id"])) == 1

