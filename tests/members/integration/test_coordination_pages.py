"""The coordinators' pages (applicants, admitting, declining, suspending, reinstating, leaving, proposals)
and the administrator's roles pages of the members service, through the pages' session cookie: each
page calls the same use case as the API, and nobody without the role reads or changes anything."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest

from services.members import accounts, proposals
from services.members.models import Member, Proposal, RecordAccess
from shared.auth import Principal
from shared.db import utcnow


class Browser:
    """A test client signed in through the pages' session cookie, posting forms with their CSRF token."""

    def __init__(self, coop, person):
        self.person = person
        self.client = coop.app.test_client()
        token = person.headers["Authorization"].removeprefix("Bearer ")
        self.client.set_cookie("coop_token", token)
        self.csrf = hashlib.sha256(f"coop-csrf:{token}".encode()).hexdigest()

    def get(self, path, **query):
        return self.client.get(path, query_string=query)

    def post(self, path, form=None, csrf=True):
        return self.client.post(path, data={**({"csrf": self.csrf} if csrf else {}), **(form or {})})


def text(response) -> str:
    return response.get_data(as_text=True)


def status_of(coop, member_id: int) -> str:
    with coop.runtime.db.sessionmaker() as session:
        return session.get(Member, member_id).status


def roles_of(coop, account_id: int) -> list[str]:
    with coop.runtime.db.sessionmaker() as session:
        return accounts.get_account(session, account_id).roles


def history_of(coop, member_id: int) -> list[tuple[str, str]]:
    with coop.runtime.db.sessionmaker() as session:
        return [(change.to_status, change.reason) for change in session.get(Member, member_id).history]


def open_proposal(coop, closes_in=dt.timedelta(days=3), opened_ago=dt.timedelta(0)) -> int:
    """Open a proposal through the use case; opened in the past, it can already be due to close."""
    now = utcnow() - opened_ago
    with coop.runtime.db.transaction() as session:
        coordinator = Principal(coop.account("coordinator").account_id, ("coordinator",))
        proposal = proposals.open_proposal(session, coordinator, title="Buy a van", text="A shared van.",
                                           closes_at=now + closes_in, now=now, quorum_minimum=0,
                                           settings=coop.settings)
        return proposal.id


@pytest.fixture
def coordinator(coop):
    return Browser(coop, coop.coordinator())


@pytest.fixture
def admin(coop):
    return Browser(coop, coop.account("admin"))


# -- applicants and the member's record ----------------------------------------------------------------

def test_the_applicants_page_lists_applicants_and_how_they_came_but_no_active_member(coop, coordinator):
    coop.member(status="applicant", name="Bloom and Bake")
    coop.member(status="active", name="Paper Birds")
    page = coordinator.get("/coordination/applicants")
    assert page.status_code == 200
    assert "Bloom and Bake" in text(page) and "Referred by a probation officer." in text(page)
    assert "Paper Birds" not in text(page)


def test_the_members_page_lists_the_members_in_the_chosen_status(coop, coordinator):
    coop.member(status="suspended", name="Quiet Shop")
    coop.member(status="active", name="Busy Shop")
    page = text(coordinator.get("/coordination/members", status="suspended"))
    assert "Quiet Shop" in page and "Busy Shop" not in page


def test_an_unknown_status_on_the_members_page_is_refused_with_a_message(coordinator):
    response = coordinator.get("/coordination/members", status="everyone")
    assert response.status_code == 422 and 'role="alert"' in text(response)


def test_the_member_page_shows_her_history_and_the_look_is_written_in_her_access_log(coop, coordinator):
    member = coop.member(status="suspended")
    page = text(coordinator.get(f"/coordination/members/{member.member_id}"))
    assert 'id="member-status">suspended<' in page
    history = page.split('id="history"')[1]
    assert history.index("applicant") < history.index("active") < history.index("suspended")
    with coop.runtime.db.sessionmaker() as session:
        [look] = session.query(RecordAccess).filter_by(member_id=member.member_id).all()
    assert look.accessed_by == coordinator.person.account_id


def test_the_member_page_offers_only_what_her_status_allows(coop, coordinator):
    applicant = coop.member(status="applicant")
    page = text(coordinator.get(f"/coordination/members/{applicant.member_id}"))
    assert "/admit" in page and "/decline" in page and "/suspend" not in page and "/reinstate" not in page


def test_an_unknown_member_is_not_found(coordinator):
    assert coordinator.get("/coordination/members/999999").status_code == 404


# -- the transitions -----------------------------------------------------------------------------------

def test_admitting_an_applicant_gives_a_number_and_says_so(coop, coordinator):
    applicant = coop.member(status="applicant")
    response = coordinator.post(f"/coordination/members/{applicant.member_id}/admit", {"reason": "Welcome"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/coordination/members/{applicant.member_id}?done=admit"
    page = text(coordinator.get(f"/coordination/members/{applicant.member_id}", done="admit"))
    assert "Admitted" in page and 'role="status"' in page
    assert status_of(coop, applicant.member_id) == "active" and "member" in roles_of(coop, applicant.account_id)


def test_declining_records_the_reason_in_the_history(coop, coordinator):
    applicant = coop.member(status="applicant")
    coordinator.post(f"/coordination/members/{applicant.member_id}/decline", {"reason": "Outside our area"})
    assert status_of(coop, applicant.member_id) == "declined"
    assert history_of(coop, applicant.member_id)[-1] == ("declined", "Outside our area")
    assert "Outside our area" in text(coordinator.get(f"/coordination/members/{applicant.member_id}"))


def test_declining_without_a_reason_shows_the_form_again_with_the_problem_and_changes_nothing(coop, coordinator):
    applicant = coop.member(status="applicant")
    response = coordinator.post(f"/coordination/members/{applicant.member_id}/decline", {"reason": "   "})
    assert response.status_code == 422 and 'role="alert"' in text(response) and "Give a reason" in text(response)
    assert status_of(coop, applicant.member_id) == "applicant"


def test_a_refused_change_keeps_the_reason_typed(coop, coordinator):
    active = coop.member(status="active")
    response = coordinator.post(f"/coordination/members/{active.member_id}/reinstate", {"reason": "Typed by me"})
    assert response.status_code == 409 and 'role="alert"' in text(response)
    assert status_of(coop, active.member_id) == "active"


def test_suspending_then_reinstating_shows_both_in_the_history(coop, coordinator):
    member = coop.member(status="active")
    coordinator.post(f"/coordination/members/{member.member_id}/suspend", {"reason": "Unpaid stall fees"})
    assert status_of(coop, member.member_id) == "suspended"
    coordinator.post(f"/coordination/members/{member.member_id}/reinstate", {"reason": "Fees paid"})
    assert status_of(coop, member.member_id) == "active"
    assert history_of(coop, member.member_id)[-2:] == [("suspended", "Unpaid stall fees"), ("active", "Fees paid")]
    page = text(coordinator.get(f"/coordination/members/{member.member_id}", done="reinstate"))
    assert "Unpaid stall fees" in page and "Fees paid" in page and "Reinstated" in page


def test_recording_leaving_ends_the_membership(coop, coordinator):
    member = coop.member(status="active")
    assert coordinator.post(f"/coordination/members/{member.member_id}/leave", {"reason": "Moved"}).status_code == 303
    assert status_of(coop, member.member_id) == "left" and "member" not in roles_of(coop, member.account_id)


def test_reopening_a_declined_record_makes_it_an_application_again(coop, coordinator):
    declined = coop.member(status="declined")
    coordinator.post(f"/coordination/members/{declined.member_id}/reopen", {"reason": "Applied again"})
    assert status_of(coop, declined.member_id) == "applicant"


def test_a_change_without_the_csrf_token_is_refused_and_changes_nothing(coop, coordinator):
    applicant = coop.member(status="applicant")
    response = coordinator.post(f"/coordination/members/{applicant.member_id}/admit", csrf=False)
    assert response.status_code == 401 and status_of(coop, applicant.member_id) == "applicant"


# -- who may ------------------------------------------------------------------------------------------

@pytest.fixture(params=["member", "customer", "admin"])
def outsider(request, coop):
    if request.param == "member":
        return Browser(coop, coop.member())
    return Browser(coop, coop.account(request.param))


@pytest.mark.parametrize("path", ["/coordination/applicants", "/coordination/members", "/coordination/proposals",
                                  "/coordination/proposals/new"])
def test_only_coordinators_see_the_coordination_pages(outsider, path):
    response = outsider.get(path)
    assert response.status_code == 403 and 'role="alert"' in text(response)


def test_nobody_but_a_coordinator_reads_a_members_record_and_no_look_is_logged(coop, outsider):
    member = coop.member(status="active")
    assert outsider.get(f"/coordination/members/{member.member_id}").status_code == 403
    with coop.runtime.db.sessionmaker() as session:
        assert session.query(RecordAccess).filter_by(member_id=member.member_id).count() == 0


@pytest.mark.parametrize("action, status", [("admit", "applicant"), ("decline", "applicant"),
                                            ("suspend", "active"), ("reinstate", "suspended"),
                                            ("leave", "active"), ("reopen", "declined")])
def test_nobody_but_a_coordinator_changes_a_members_status(coop, outsider, action, status):
    member = coop.member(status=status)
    response = outsider.post(f"/coordination/members/{member.member_id}/{action}", {"reason": "because"})
    assert response.status_code == 403 and status_of(coop, member.member_id) == status


def test_a_member_cannot_record_her_own_leaving_through_the_coordinators_page(coop):
    member = coop.member(status="active")
    response = Browser(coop, member).post(f"/coordination/members/{member.member_id}/leave", {"reason": "bye"})
    assert response.status_code == 403 and status_of(coop, member.member_id) == "active"


def test_nobody_but_a_coordinator_opens_or_closes_a_proposal(coop, outsider):
    due = open_proposal(coop, closes_in=dt.timedelta(seconds=1), opened_ago=dt.timedelta(minutes=1))
    response = outsider.post("/coordination/proposals", {"title": "Mine", "text": "Mine",
                                                         "closes_at": "2099-01-01T12:00"})
    assert response.status_code == 403
    assert outsider.post(f"/coordination/proposals/{due}/close").status_code == 403
    with coop.runtime.db.sessionmaker() as session:
        assert [p.status for p in session.query(Proposal).all()] == ["open"]


def test_without_a_session_a_coordination_page_asks_to_sign_in(coop):
    response = coop.app.test_client().get("/coordination/applicants")
    assert response.status_code == 302 and "/coordination/sign-in" in response.headers["Location"]


# -- proposals ----------------------------------------------------------------------------------------

def closing_in_uk(delta: dt.timedelta) -> str:
    from zoneinfo import ZoneInfo
    return (dt.datetime.now(ZoneInfo("Europe/London")) + delta).strftime("%Y-%m-%dT%H:%M")


def test_opening_a_proposal_from_the_form_puts_it_to_the_members(coop, coordinator):
    response = coordinator.post("/coordination/proposals", {
        "title": "Join the spring fair", "text": "Take a stall.", "closes_at": closing_in_uk(dt.timedelta(days=2)),
        "kind": "special", "options": "yes\nno\n", "quorum_percent": "25", "quorum_minimum": "2"})
    assert response.status_code == 303
    proposal_id = int(re.search(r"/proposals/(\d+)\?done=opened", response.headers["Location"]).group(1))
    api = coop.client.get(f"/proposals/{proposal_id}", headers=coordinator.person.headers).get_json()
    assert (api["title"], api["kind"], api["options"], api["quorum_fraction"], api["quorum_minimum"]) == (
        "Join the spring fair", "special", ["yes", "no"], 0.25, 2)
    assert "The proposal is open for votes" in text(coordinator.get(f"/coordination/proposals/{proposal_id}",
                                                                    done="opened"))


def test_the_closing_time_is_read_as_uk_time(coop, coordinator):
    response = coordinator.post("/coordination/proposals", {"title": "Summer", "text": "In summer.",
                                                            "closes_at": "2027-07-01T18:00"})
    proposal_id = int(re.search(r"/proposals/(\d+)", response.headers["Location"]).group(1))
    with coop.runtime.db.sessionmaker() as session:
        closes_at = session.get(Proposal, proposal_id).closes_at
    assert closes_at == dt.datetime(2027, 7, 1, 17, 0, tzinfo=dt.UTC)  # BST is an hour ahead


def test_a_closing_time_in_the_past_shows_the_form_again_as_typed(coop, coordinator):
    response = coordinator.post("/coordination/proposals", {"title": "Too late", "text": "Kept text",
                                                            "closes_at": closing_in_uk(-dt.timedelta(hours=1))})
    page = text(response)
    assert response.status_code == 422 and 'role="alert"' in page
    assert 'value="Too late"' in page and "Kept text" in page
    with coop.runtime.db.sessionmaker() as session:
        assert session.query(Proposal).count() == 0


def test_a_closing_time_that_is_not_a_time_is_refused_with_a_message(coordinator):
    response = coordinator.post("/coordination/proposals", {"title": "T", "text": "T", "closes_at": "soon"})
    assert response.status_code == 422 and "closing date and time" in text(response)


def test_the_proposals_page_lists_each_with_its_votes(coop, coordinator):
    open_proposal(coop)
    page = text(coordinator.get("/coordination/proposals"))
    assert "Buy a van" in page and "open" in page


def test_a_proposal_not_yet_due_offers_no_close_and_closing_it_early_is_refused(coop, coordinator):
    proposal_id = open_proposal(coop)
    page = text(coordinator.get(f"/coordination/proposals/{proposal_id}"))
    assert "/close" not in page and "nobody can close it early" in page
    response = coordinator.post(f"/coordination/proposals/{proposal_id}/close")
    assert response.status_code == 409 and 'role="alert"' in text(response)


def test_closing_a_due_proposal_publishes_its_result(coop, coordinator):
    proposal_id = open_proposal(coop, closes_in=dt.timedelta(seconds=1), opened_ago=dt.timedelta(minutes=1))
    assert "Close and count the votes" in text(coordinator.get(f"/coordination/proposals/{proposal_id}"))
    response = coordinator.post(f"/coordination/proposals/{proposal_id}/close")
    assert response.status_code == 303 and response.headers["Location"].endswith("?done=closed")
    page = text(coordinator.get(f"/coordination/proposals/{proposal_id}", done="closed"))
    assert 'id="proposal-status">closed<' in page and 'id="outcome"' in page
    api = coop.client.get(f"/proposals/{proposal_id}", headers=coordinator.person.headers).get_json()
    assert api["status"] == "closed" and api["result"]["votes_cast"] == 0


# -- roles (administrators) ---------------------------------------------------------------------------

def test_an_administrator_finds_an_account_by_email(coop, admin):
    person = coop.account("customer")
    response = admin.get("/admin/roles", email=person.email.upper())
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/accounts/{person.account_id}"


def test_an_unknown_email_is_said_and_kept(admin):
    response = admin.get("/admin/roles", email="nobody@example.org")
    assert response.status_code == 404 and 'value="nobody@example.org"' in text(response)
    assert 'role="alert"' in text(response)


def test_an_administrator_gives_the_coordinator_role(coop, admin):
    person = coop.account("customer")
    response = admin.post(f"/admin/accounts/{person.account_id}/roles", {"roles": ["customer", "coordinator"]})
    assert response.status_code == 303 and response.headers["Location"].endswith("?done=roles")
    assert roles_of(coop, person.account_id) == ["coordinator", "customer"]
    page = text(admin.get(f"/admin/accounts/{person.account_id}", done="roles"))
    assert "Roles saved" in page and 'value="coordinator" checked' in page


def test_an_administrator_takes_a_role_and_membership_roles_stay(coop, admin):
    member = coop.member()
    admin.post(f"/admin/accounts/{member.account_id}/roles", {"roles": ["coordinator"]})
    admin.post(f"/admin/accounts/{member.account_id}/roles", {"roles": []})
    assert roles_of(coop, member.account_id) == ["member"]


def test_an_administrator_cannot_take_her_own_admin_role_and_is_told(coop, admin):
    response = admin.post(f"/admin/accounts/{admin.person.account_id}/roles", {"roles": ["coordinator"]})
    assert response.status_code == 409 and 'role="alert"' in text(response)
    assert roles_of(coop, admin.person.account_id) == ["admin"]


def test_a_role_that_cannot_be_given_is_refused(coop, admin):
    person = coop.account("customer")
    response = admin.post(f"/admin/accounts/{person.account_id}/roles", {"roles": ["member"]})
    assert response.status_code == 422 and roles_of(coop, person.account_id) == ["customer"]


@pytest.fixture(params=["coordinator", "member", "customer"])
def not_an_admin(request, coop):
    if request.param == "member":
        return Browser(coop, coop.member())
    return Browser(coop, coop.account(request.param))


def test_nobody_but_an_administrator_gives_roles(coop, not_an_admin):
    person = coop.account("customer")
    response = not_an_admin.post(f"/admin/accounts/{person.account_id}/roles", {"roles": ["admin"]})
    assert response.status_code == 403 and roles_of(coop, person.account_id) == ["customer"]
    response = not_an_admin.post(f"/admin/accounts/{not_an_admin.person.account_id}/roles", {"roles": ["admin"]})
    assert response.status_code == 403 and "admin" not in roles_of(coop, not_an_admin.person.account_id)


def test_nobody_but_an_administrator_sees_the_roles_pages(coop, not_an_admin):
    person = coop.account("customer")
    assert not_an_admin.get("/admin/roles", email=person.email).status_code == 403
    assert not_an_admin.get(f"/admin/accounts/{person.account_id}").status_code == 403
