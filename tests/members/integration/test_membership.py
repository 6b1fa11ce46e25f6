"""Membership through the members API: applying, admission and every later change of status, profiles,
asking for job brokering, and who may read a member's confidential record."""

from __future__ import annotations

import json
import os
import threading

import pytest
from sqlalchemy import func, select

from services.members.models import Member, StatusChange
from tests.support.outbox import published, published_types

SECRET = "Referred by a probation officer."
REAL_BACKEND = os.environ.get("COOP_TEST_BACKEND") == "real"


@pytest.fixture
def coordinator(coop):
    return coop.coordinator()


@pytest.fixture
def applicant(coop):
    return coop.member("producer", "applicant")


@pytest.fixture
def member(coop):
    return coop.member("producer", "active")


def application(**overrides):
    body = {"kind": "producer", "name": "Paper Birds Cards", "sectors": ["cards"],
            "description": "Hand-printed cards.", "how_they_came": SECRET, **overrides}
    return {name: value for name, value in body.items() if value is not None}  # None: leave it out


def apply(coop, person, **overrides):
    return coop.client.post("/members", json=application(**overrides), headers=person.headers)


def act(coop, person, member_id, action, reason=None):
    """Ask for a change of status (admit, decline, suspend, reinstate, leave, reopen)."""
    body = {} if reason is None else {"reason": reason}
    return coop.client.post(f"/members/{member_id}/{action}", json=body, headers=person.headers)


def show(coop, person, member_id):
    return coop.client.get(f"/members/{member_id}", headers=person.headers)


def change_profile(coop, person, member_id, **changes):
    return coop.client.patch(f"/members/{member_id}", json=changes, headers=person.headers)


def ask_for_work(coop, person, member_id):
    return coop.client.post(f"/members/{member_id}/seeking-work", headers=person.headers)


def access_log(coop, person, member_id):
    return coop.client.get(f"/members/{member_id}/access-log", headers=person.headers)


def directory(coop, person, **query):
    return coop.client.get("/members", query_string=query, headers=person.headers)


def roles_of(coop, person):
    return coop.client.get("/accounts/me", headers=person.headers).json["roles"]


def count(coop, model):
    with coop.runtime.db.sessionmaker() as session:
        return session.scalar(select(func.count()).select_from(model))


def history(coop, person, member_id):
    return [(change["from_status"], change["to_status"], change["changed_by"], change["reason"])
            for change in show(coop, person, member_id).json["history"]]


# -- applying -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["producer", "agency"])
def test_any_signed_in_account_can_apply_as_a_producer_or_an_agency(coop, kind):
    response = apply(coop, coop.account("customer"), kind=kind)
    assert response.status_code == 201
    assert (response.json["kind"], response.json["status"]) == (kind, "applicant")


def test_an_application_starts_the_history_with_one_entry(coop):
    person = coop.account("customer")
    response = apply(coop, person)
    assert [(change["from_status"], change["to_status"], change["changed_by"])
            for change in response.json["history"]] == [(None, "applicant", person.account_id)]


def test_an_applicant_has_no_member_number_share_or_member_role_yet(coop):
    person = coop.account("customer")
    response = apply(coop, person)
    assert (response.json["member_number"], response.json["share_pence"]) == (None, 0)
    assert roles_of(coop, person) == ["customer"]


def test_an_application_keeps_its_sectors_once_each_in_order(coop):
    response = apply(coop, coop.account("customer"), sectors=["crafts", "cards", "crafts"])
    assert response.json["sectors"] == ["cards", "crafts"]


@pytest.mark.parametrize("overrides, field", [
    ({"sectors": ["astrology"]}, "sectors"),
    ({"sectors": "cards"}, "sectors"),
    ({"sectors": None}, "sectors"),
    ({"kind": "landlord"}, "kind"),
    ({"kind": None}, "kind"),
    ({"name": None}, "name"),
    ({"name": ""}, "name"),
    ({"name": "x" * 121}, "name"),
    ({"description": "x" * 2001}, "description"),
    ({"how_they_came": "x" * 2001}, "how_they_came"),
    ({"member_number": 1}, "member_number"),
    ({"status": "active"}, "status"),
])
def test_a_bad_application_is_refused_field_by_field_and_creates_nothing(coop, overrides, field):
    response = apply(coop, coop.account("customer"), **overrides)
    assert response.status_code == 422
    assert field in response.json["errors"]
    assert count(coop, Member) == 0


def test_applying_needs_a_token(coop):
    response = coop.client.post("/members", json=application())
    assert response.status_code == 401
    assert count(coop, Member) == 0


def test_an_anonymous_caller_is_told_to_sign_in_before_the_body_is_checked(coop):
    assert coop.client.post("/members", json=application(kind="landlord")).status_code == 401


def test_an_account_can_apply_only_once(coop):
    person = coop.account("customer")
    apply(coop, person)
    response = apply(coop, person, name="Another Business")
    assert response.status_code == 409
    assert count(coop, Member) == 1


def test_a_declined_applicant_cannot_apply_again_on_their_own(coop):
    declined = coop.member("producer", "declined")
    assert apply(coop, declined).status_code == 409


def test_a_member_sees_their_own_membership_at_me(coop, member):
    response = coop.client.get("/members/me", headers=member.headers)
    assert response.status_code == 200 and response.json["id"] == member.member_id


def test_an_account_without_a_membership_has_none_at_me(coop):
    assert coop.client.get("/members/me", headers=coop.account("customer").headers).status_code == 404


# -- admission ----------------------------------------------------------------------------------------


def test_admission_makes_an_applicant_an_active_member_with_a_one_pound_share(coop, coordinator, applicant):
    response = act(coop, coordinator, applicant.member_id, "admit")
    assert response.status_code == 200
    assert (response.json["status"], response.json["share_pence"]) == ("active", 100)
    assert response.json["member_number"] is not None and response.json["share_issued_at"] is not None


def test_member_numbers_are_given_in_order_of_admission(coop, coordinator):
    first, second = coop.member("producer", "applicant"), coop.member("agency", "applicant")
    first_number = act(coop, coordinator, first.member_id, "admit").json["member_number"]
    second_number = act(coop, coordinator, second.member_id, "admit").json["member_number"]
    assert second_number == first_number + 1


def test_a_member_number_is_never_given_again_after_its_member_leaves(coop, coordinator, applicant):
    former = coop.member("producer", "left")
    former_number = show(coop, coordinator, former.member_id).json["member_number"]
    assert act(coop, coordinator, applicant.member_id, "admit").json["member_number"] > former_number


def test_admissions_at_the_same_moment_get_different_member_numbers(coop, coordinator):
    applicants = [coop.member("producer", "applicant") for _ in range(8)]
    start = threading.Barrier(len(applicants))
    responses = []

    def admit(person):
        client = coop.app.test_client()  # one client per thread
        start.wait()
        responses.append(client.post(f"/members/{person.member_id}/admit", json={}, headers=coordinator.headers))

    threads = [threading.Thread(target=admit, args=(person,)) for person in applicants]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [response.status_code for response in responses] == [200] * len(applicants)
    assert len({response.json["member_number"] for response in responses}) == len(applicants)


@pytest.mark.parametrize("kind, role", [("producer", "member"), ("agency", "agency")])
def test_admission_grants_the_role_of_the_members_kind(coop, coordinator, kind, role):
    person = coop.member(kind, "applicant")
    act(coop, coordinator, person.member_id, "admit")
    assert role in coop.sign_in_again(person).roles
    assert role in roles_of(coop, person)


def test_admission_publishes_member_admitted_with_the_public_facts(coop, coordinator):
    person = coop.member("producer", "applicant", sectors=("crafts", "cards"), name="Paper Birds Cards")
    number = act(coop, coordinator, person.member_id, "admit").json["member_number"]
    [admitted] = published(coop, "member.admitted")
    assert admitted["member_id"] == person.member_id
    assert admitted["member_number"] == number
    assert admitted["account_id"] == person.account_id
    assert (admitted["name"], admitted["sectors"]) == ("Paper Birds Cards", ["cards", "crafts"])


def test_the_admission_event_never_says_how_the_member_came_to_the_coop(coop, coordinator, applicant):
    act(coop, coordinator, applicant.member_id, "admit")
    [admitted] = published(coop, "member.admitted")
    assert "how_they_came" not in admitted
    assert SECRET not in json.dumps(admitted)


@pytest.mark.parametrize("role", ["member", "agency", "customer", "employer"])
def test_only_a_coordinator_can_admit(coop, applicant, role):
    response = act(coop, coop.account(role), applicant.member_id, "admit")
    assert response.status_code == 403


def test_an_applicant_cannot_admit_themselves(coop, applicant):
    assert act(coop, applicant, applicant.member_id, "admit").status_code == 403


def test_admitting_needs_a_token(coop, applicant):
    assert coop.client.post(f"/members/{applicant.member_id}/admit", json={}).status_code == 401


def test_an_active_member_cannot_be_admitted_again(coop, coordinator, member):
    assert act(coop, coordinator, member.member_id, "admit").status_code == 409


def test_admitting_someone_who_never_applied_is_not_found(coop, coordinator):
    assert act(coop, coordinator, 999_999, "admit").status_code == 404


def test_the_answer_to_a_change_of_status_shows_that_change_in_the_history(coop, coordinator, applicant):
    response = act(coop, coordinator, applicant.member_id, "admit", reason="welcome")
    assert response.json["history"][-1]["to_status"] == "active"


# -- declining, suspending, reinstating, leaving, reopening -------------------------------------------


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_declining_an_application_needs_a_reason(coop, coordinator, applicant, reason):
    response = act(coop, coordinator, applicant.member_id, "decline", reason=reason)
    assert response.status_code == 422
    assert show(coop, coordinator, applicant.member_id).json["status"] == "applicant"


def test_a_coordinator_declines_an_application_with_a_reason(coop, coordinator, applicant):
    response = act(coop, coordinator, applicant.member_id, "decline", reason="Not a business yet.")
    assert response.status_code == 200 and response.json["status"] == "declined"


def test_declining_tells_the_applicant_why(coop, coordinator, applicant):
    act(coop, coordinator, applicant.member_id, "decline", reason="  Not a business yet. ")
    [declined] = published(coop, "member.declined")
    assert declined == {"member_id": applicant.member_id, "account_id": applicant.account_id,
                        "reason": "Not a business yet.", "occurred_at": declined["occurred_at"]}


def test_the_declined_event_does_not_say_how_she_came_to_the_co_op(coop, coordinator, applicant):
    act(coop, coordinator, applicant.member_id, "decline", reason="Not a business yet.")
    assert SECRET not in json.dumps(published(coop, "member.declined"))


def test_a_refused_decline_publishes_nothing(coop, coordinator, member):
    before = published(coop)
    assert act(coop, coordinator, member.member_id, "decline", reason="Too late.").status_code == 409
    assert published(coop) == before


@pytest.mark.parametrize("reason", [None, "   "])
def test_suspending_needs_a_reason(coop, coordinator, member, reason):
    assert act(coop, coordinator, member.member_id, "suspend", reason=reason).status_code == 422


def test_suspension_publishes_member_suspended(coop, coordinator, member):
    act(coop, coordinator, member.member_id, "suspend", reason="Fees unpaid since March.")
    [suspended] = published(coop, "member.suspended")
    assert suspended["member_id"] == member.member_id


def test_the_suspension_event_does_not_carry_the_reason(coop, coordinator, member):
    act(coop, coordinator, member.member_id, "suspend", reason="Fees unpaid since March.")
    [suspended] = published(coop, "member.suspended")
    assert set(suspended) == {"member_id", "member_number", "occurred_at"}
    assert "Fees unpaid" not in json.dumps(suspended)


def test_reinstating_a_suspended_member_makes_them_active_again(coop, coordinator):
    suspended = coop.member("producer", "suspended")
    response = act(coop, coordinator, suspended.member_id, "reinstate", reason="Fees paid.")
    assert response.status_code == 200 and response.json["status"] == "active"


def test_reinstating_publishes_member_reinstated(coop, coordinator):
    suspended = coop.member("producer", "suspended")
    act(coop, coordinator, suspended.member_id, "reinstate")
    assert [event["member_id"] for event in published(coop, "member.reinstated")] == [suspended.member_id]


def test_a_member_can_leave_of_their_own_accord(coop, member):
    response = act(coop, member, member.member_id, "leave", reason="Moving away.")
    assert response.status_code == 200 and response.json["status"] == "left"


@pytest.mark.parametrize("who", ["the member", "a coordinator"])
def test_leaving_publishes_member_left(coop, coordinator, member, who):
    act(coop, member if who == "the member" else coordinator, member.member_id, "leave")
    assert [event["member_id"] for event in published(coop, "member.left")] == [member.member_id]


@pytest.mark.parametrize("kind, role", [("producer", "member"), ("agency", "agency")])
def test_leaving_takes_away_the_role_of_the_members_kind(coop, kind, role):
    person = coop.member(kind, "active")
    act(coop, person, person.member_id, "leave")
    assert role not in roles_of(coop, person)
    assert role not in coop.sign_in_again(person).roles


def test_a_member_cannot_make_another_member_leave(coop, coordinator, member):
    response = act(coop, coop.member("producer", "active"), member.member_id, "leave")
    assert response.status_code == 403
    assert show(coop, coordinator, member.member_id).json["status"] == "active"


@pytest.mark.parametrize("status, action", [
    ("active", "reinstate"),
    ("active", "reopen"),
    ("applicant", "suspend"),
    ("applicant", "leave"),
    ("applicant", "reinstate"),
    ("suspended", "admit"),
    ("left", "suspend"),
    ("left", "reinstate"),
    ("left", "leave"),
    ("declined", "admit"),
])
def test_a_change_of_status_that_the_rules_do_not_allow_is_a_conflict(coop, coordinator, status, action):
    person = coop.member("producer", status)
    response = act(coop, coordinator, person.member_id, action, reason="a reason")
    assert response.status_code == 409
    assert show(coop, coordinator, person.member_id).json["status"] == status


def test_a_coordinator_reopens_a_declined_application(coop, coordinator):
    declined = coop.member("producer", "declined")
    response = act(coop, coordinator, declined.member_id, "reopen", reason="New business plan.")
    assert response.status_code == 200 and response.json["status"] == "applicant"


def test_a_reopened_application_can_then_be_admitted(coop, coordinator):
    declined = coop.member("producer", "declined")
    act(coop, coordinator, declined.member_id, "reopen")
    assert act(coop, coordinator, declined.member_id, "admit").json["status"] == "active"


# -- status history -----------------------------------------------------------------------------------


def test_every_change_of_status_is_recorded_in_order_with_who_and_why(coop, coordinator):
    person = coop.account("customer")
    member_id = apply(coop, person).json["id"]
    act(coop, coordinator, member_id, "admit", reason="Welcome.")
    act(coop, coordinator, member_id, "suspend", reason="Fees unpaid.")
    act(coop, coordinator, member_id, "reinstate", reason="Fees paid.")
    act(coop, coop.sign_in_again(person), member_id, "leave", reason="Moving away.")  # a token with the role
    assert history(coop, coordinator, member_id) == [
        (None, "applicant", person.account_id, "applied"),
        ("applicant", "active", coordinator.account_id, "Welcome."),
        ("active", "suspended", coordinator.account_id, "Fees unpaid."),
        ("suspended", "active", coordinator.account_id, "Fees paid."),
        ("active", "left", person.account_id, "Moving away."),
    ]


def test_the_history_is_in_order_of_time(coop, coordinator, applicant):
    act(coop, coordinator, applicant.member_id, "admit")
    act(coop, coordinator, applicant.member_id, "suspend", reason="Fees unpaid.")
    times = [change["changed_at"] for change in show(coop, coordinator, applicant.member_id).json["history"]]
    assert times == sorted(times)


def test_earlier_history_is_never_rewritten(coop, coordinator, applicant):
    act(coop, coordinator, applicant.member_id, "decline", reason="Not a business yet.")
    before = show(coop, coordinator, applicant.member_id).json["history"]
    act(coop, coordinator, applicant.member_id, "reopen", reason="New business plan.")
    act(coop, coordinator, applicant.member_id, "decline", reason="Still not a business.")
    after = show(coop, coordinator, applicant.member_id).json["history"]
    assert after[:len(before)] == before and len(after) == len(before) + 2


# -- profile ------------------------------------------------------------------------------------------


def test_a_member_can_change_their_own_profile(coop, member):
    response = change_profile(coop, member, member.member_id, name="Paper Birds Prints", sectors=["crafts", "cards"])
    assert response.status_code == 200
    assert (response.json["name"], response.json["sectors"]) == ("Paper Birds Prints", ["cards", "crafts"])


@pytest.mark.parametrize("who", ["the member", "a coordinator"])
def test_a_profile_change_publishes_member_profile_updated(coop, coordinator, member, who):
    change_profile(coop, member if who == "the member" else coordinator, member.member_id,
                   name="Paper Birds Prints", sectors=["cards", "crafts"])
    [updated] = published(coop, "member.profile_updated")
    assert updated["member_id"] == member.member_id
    assert (updated["name"], updated["sectors"]) == ("Paper Birds Prints", ["cards", "crafts"])


def test_an_applicants_profile_change_publishes_nothing(coop, applicant):
    before = published(coop)  # her account's registration
    response = change_profile(coop, applicant, applicant.member_id, name="Paper Birds Prints")
    assert response.status_code == 200
    assert published(coop) == before


def test_a_former_member_reopened_as_an_applicant_publishes_no_profile_change(coop, coordinator):
    former = coop.member("producer", "left")
    act(coop, coordinator, former.member_id, "reopen")
    change_profile(coop, former, former.member_id, name="Paper Birds Prints")
    assert published(coop, "member.profile_updated") == []


def test_a_change_of_description_alone_publishes_nothing(coop, member):
    change_profile(coop, member, member.member_id, description="Letterpress cards, made in Leeds.")
    assert published(coop, "member.profile_updated") == []


def test_a_member_cannot_change_another_members_profile(coop, coordinator, member):
    other = coop.member("producer", "active")
    response = change_profile(coop, other, member.member_id, name="Hijacked")
    assert response.status_code == 403
    assert show(coop, coordinator, member.member_id).json["name"] != "Hijacked"


def test_a_former_member_cannot_change_their_profile(coop):
    former = coop.member("producer", "left")
    assert change_profile(coop, former, former.member_id, name="Paper Birds Prints").status_code == 409


@pytest.mark.parametrize("changes, field", [
    ({"sectors": ["astrology"]}, "sectors"),
    ({"name": ""}, "name"),
    ({"name": "x" * 121}, "name"),
    ({"how_they_came": "changed"}, "how_they_came"),
    ({"status": "active"}, "status"),
])
def test_a_bad_profile_change_is_refused_field_by_field(coop, member, changes, field):
    response = change_profile(coop, member, member.member_id, **changes)
    assert response.status_code == 422 and field in response.json["errors"]
    assert published(coop, "member.profile_updated") == []


# -- asking for job brokering -------------------------------------------------------------------------


def test_an_active_producer_can_ask_for_job_brokering(coop, member):
    response = ask_for_work(coop, member, member.member_id)
    assert response.status_code == 200 and response.json["seeking_work_since"] is not None


def test_asking_for_job_brokering_publishes_member_seeking_work(coop, member):
    ask_for_work(coop, member, member.member_id)
    [seeking] = published(coop, "member.seeking_work")
    assert (seeking["member_id"], seeking["account_id"]) == (member.member_id, member.account_id)
    assert seeking["display_name"] == "Test Person"


def test_job_brokering_is_asked_for_once(coop, member):
    ask_for_work(coop, member, member.member_id)
    assert ask_for_work(coop, member, member.member_id).status_code == 409
    assert len(published(coop, "member.seeking_work")) == 1


@pytest.mark.parametrize("who", ["another member", "a coordinator"])
def test_only_the_member_themselves_can_ask_for_job_brokering(coop, coordinator, member, who):
    caller = coop.member("producer", "active") if who == "another member" else coordinator
    assert ask_for_work(coop, caller, member.member_id).status_code == 403
    assert published(coop, "member.seeking_work") == []


def test_a_suspended_producer_cannot_ask_for_job_brokering(coop):
    suspended = coop.member("producer", "suspended")
    assert ask_for_work(coop, suspended, suspended.member_id).status_code == 409


def test_an_agency_cannot_ask_for_job_brokering(coop):
    agency = coop.member("agency", "active")
    assert ask_for_work(coop, agency, agency.member_id).status_code == 403


# -- confidentiality ----------------------------------------------------------------------------------


def test_a_coordinator_sees_how_a_member_came_to_the_coop(coop, coordinator, member):
    assert show(coop, coordinator, member.member_id).json["how_they_came"] == SECRET


def test_a_coordinators_reading_is_logged_for_the_member_to_see(coop, coordinator, member):
    show(coop, coordinator, member.member_id)
    entries = access_log(coop, member, member.member_id).json
    assert [(entry["accessed_by"], entry["purpose"]) for entry in entries] == [
        (coordinator.account_id, "viewed record")]


def test_the_access_log_names_who_read_the_record(coop, coordinator, member):
    show(coop, coordinator, member.member_id)
    assert access_log(coop, member, member.member_id).json[0]["accessed_by_name"] == "Test Person"


def test_each_reading_by_a_coordinator_is_logged_newest_first(coop, coordinator, member):
    other_coordinator = coop.coordinator()
    show(coop, coordinator, member.member_id)
    show(coop, other_coordinator, member.member_id)
    entries = access_log(coop, member, member.member_id).json
    assert [entry["accessed_by"] for entry in entries] == [other_coordinator.account_id, coordinator.account_id]


def test_a_member_reading_their_own_record_is_not_logged(coop, member):
    assert show(coop, member, member.member_id).json["how_they_came"] == SECRET
    assert access_log(coop, member, member.member_id).json == []


def test_a_member_cannot_read_another_members_record(coop, member):
    assert show(coop, coop.member("producer", "active"), member.member_id).status_code == 403


def test_a_member_cannot_read_another_members_access_log(coop, member):
    assert access_log(coop, coop.member("producer", "active"), member.member_id).status_code == 403


def test_a_coordinator_cannot_read_how_a_member_came_without_leaving_a_trace(coop, coordinator, member):
    response = change_profile(coop, coordinator, member.member_id)
    assert SECRET not in response.get_data(as_text=True) or access_log(coop, member, member.member_id).json


def test_the_directory_shows_a_member_only_active_members(coop, member):
    for status in ("applicant", "suspended", "left", "declined"):
        coop.member("producer", status)
    listed = directory(coop, member).json
    assert [entry["id"] for entry in listed] == [member.member_id]


def test_a_member_cannot_list_applicants_by_asking_for_them(coop, member):
    coop.member("producer", "applicant")
    assert directory(coop, member, status="applicant").json == []


def test_the_directory_never_shows_how_members_came_to_the_coop(coop, member):
    response = directory(coop, member)
    assert response.json and all("how_they_came" not in entry for entry in response.json)
    assert SECRET not in response.get_data(as_text=True)


def test_a_coordinator_can_list_members_by_status(coop, coordinator, member):
    suspended = coop.member("producer", "suspended")
    listed = directory(coop, coordinator, status="suspended").json
    assert [entry["id"] for entry in listed] == [suspended.member_id]


@pytest.mark.parametrize("role", ["customer", "employer"])
def test_customers_and_employers_cannot_see_the_directory(coop, role):
    assert directory(coop, coop.account(role)).status_code == 403


def test_the_directory_is_paginated(coop, member):
    for _ in range(2):
        coop.member("producer", "active")
    response = directory(coop, member, page_size=2)
    assert len(response.json) == 2
    pagination = json.loads(response.headers["X-Pagination"])
    assert (pagination["total"], pagination["total_pages"]) == (3, 2)


def test_the_pagination_header_is_documented_as_the_json_it_is(coop, member):
    # Documented with a bare schema, an object header reads as OpenAPI's "simple" style (total,3,page,1);
    # it is JSON, so the document must say so (found by tests/fuzz).
    document = coop.client.get("/openapi.json").json
    header = document["components"]["headers"]["PAGINATION"]
    assert "schema" not in header
    documented = header["content"]["application/json"]["schema"]
    assert documented == {"$ref": "#/components/schemas/PaginationMetadata"}
    sent = json.loads(directory(coop, member).headers["X-Pagination"])
    assert set(sent) <= set(document["components"]["schemas"]["PaginationMetadata"]["properties"])


def test_the_last_page_of_the_directory_holds_the_rest(coop, member):
    for _ in range(2):
        coop.member("producer", "active")
    assert len(directory(coop, member, page_size=2, page=2).json) == 1


# -- nothing half-written -----------------------------------------------------------------------------


@pytest.mark.parametrize("refusal, status", [
    ("not allowed from this status", 409),
    ("not the caller's to make", 403),
    ("without a reason", 422),
])
def test_a_refused_change_of_status_writes_no_history_and_no_event(coop, coordinator, member, refusal, status):
    caller, action, reason = {
        "not allowed from this status": (coordinator, "reinstate", "a reason"),
        "not the caller's to make": (coop.member("producer", "active"), "leave", "a reason"),
        "without a reason": (coordinator, "suspend", None),
    }[refusal]
    before = (count(coop, StatusChange), len(published_types(coop)))
    assert act(coop, caller, member.member_id, action, reason=reason).status_code == status
    assert (count(coop, StatusChange), len(published_types(coop))) == before
