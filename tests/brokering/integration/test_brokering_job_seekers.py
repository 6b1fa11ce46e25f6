"""Job seekers: profiles from member.seeking_work or referral, skills first, the disclosure kept apart,
written only by the person, read by coordinators with a logged purpose the person can see."""

import pytest
from sqlalchemy import select

from services.brokering.models import Disclosure, JobSeeker
from tests.support.outbox import published

DISCLOSURE = {"unspent": "yes", "unspent_until": "2028-05-01", "restricted_roles": ["children"],
              "statement": "I made mistakes; I have done my course and want to work."}


def seeking_work(agency, member_id=41, account_id=91, name="Jo"):
    agency.deliver("member.seeking_work", {"member_id": member_id, "member_number": member_id,
                                           "account_id": account_id, "display_name": name})
    return agency.signed_in(account_id, ("member",), member_id)


@pytest.fixture
def jo(agency):
    return seeking_work(agency)


def profiles(agency):
    with agency.runtime.db.sessionmaker() as session:
        return list(session.scalars(select(JobSeeker)))


def test_a_member_seeking_work_gets_a_profile_with_nothing_about_their_past(agency, jo):
    response = agency.client.get("/job-seekers/me", headers=jo.headers)
    assert response.status_code == 200
    assert response.json["display_name"] == "Jo" and response.json["status"] == "open"
    assert "disclosure" not in response.json and "unspent" not in response.json


def test_the_same_request_for_work_arriving_twice_makes_one_profile(agency):
    seeking_work(agency)
    seeking_work(agency)  # a second event with a new id, as a re-published duplicate would be
    assert len(profiles(agency)) == 1


def test_a_member_who_leaves_has_their_profile_closed_and_disclosure_deleted(agency, jo):
    agency.client.put("/job-seekers/me/disclosure", json=DISCLOSURE, headers=jo.headers)
    agency.deliver("member.left", {"member_id": jo.member_id, "member_number": jo.member_id})
    [profile] = profiles(agency)
    assert profile.status == "closed" and not profile.open_to_matching
    with agency.runtime.db.sessionmaker() as session:
        assert session.get(Disclosure, profile.id) is None


def test_a_member_who_no_longer_asks_for_job_brokering_has_her_profile_closed_and_disclosure_deleted(agency, jo):
    agency.client.put("/job-seekers/me/disclosure", json=DISCLOSURE, headers=jo.headers)
    agency.deliver("member.stopped_seeking_work", {"member_id": jo.member_id, "member_number": jo.member_id,
                                                   "account_id": 91, "display_name": "Jo"})
    [profile] = profiles(agency)
    assert profile.status == "closed" and not profile.open_to_matching
    with agency.runtime.db.sessionmaker() as session:
        assert session.get(Disclosure, profile.id) is None
    assert len(published(agency, "job_seeker.closed")) == 1


def test_a_job_seeker_updates_skills_and_preferences(agency, jo):
    response = agency.client.patch("/job-seekers/me", headers=jo.headers, json={
        "skills": ["cooking", "food hygiene"], "sectors": ["catering"], "hours_per_week": 25,
        "travel_area": "LS6", "available_from": "2027-01-04"})
    assert response.status_code == 200, response.json
    assert response.json["skills"] == ["cooking", "food hygiene"] and response.json["travel_area"] == "LS6"


@pytest.mark.parametrize("bad", [{"hours_per_week": 0}, {"hours_per_week": 61}, {"travel_area": "Leeds"},
                                 {"sectors": ["astronaut"]}, {"skills": [""]}, {"display_name": "  "}])
def test_bad_profile_changes_are_refused_and_change_nothing(agency, jo, bad):
    response = agency.client.patch("/job-seekers/me", headers=jo.headers, json=bad)
    assert response.status_code == 422
    assert agency.client.get("/job-seekers/me", headers=jo.headers).json["hours_per_week"] is None


def test_someone_without_a_profile_is_told_how_to_get_one(agency):
    response = agency.client.get("/job-seekers/me", headers=agency.customer().headers)
    assert response.status_code == 404 and "support agency" in response.json["detail"]


def test_a_coordinator_opens_a_profile_for_a_referred_person(agency):
    coordinator = agency.coordinator()
    response = agency.client.post("/job-seekers", headers=coordinator.headers, json={
        "display_name": "Tasha", "skills": ["cleaning"], "referred_by_member_id": 12})
    assert response.status_code == 201, response.json
    assert response.json["member_id"] is None and response.json["skills"] == ["cleaning"]


@pytest.mark.parametrize("role", ["member", "customer", "employer", "agency"])
def test_only_coordinators_list_or_open_profiles(agency, jo, role):
    caller = agency.signed_in(5000, (role,))
    assert agency.client.get("/job-seekers", headers=caller.headers).status_code == 403
    assert agency.client.post("/job-seekers", headers=caller.headers, json={"display_name": "X"}).status_code == 403


def test_the_job_seeker_writes_and_reads_their_own_disclosure(agency, jo):
    assert agency.client.get("/job-seekers/me/disclosure", headers=jo.headers).json == {}
    response = agency.client.put("/job-seekers/me/disclosure", json=DISCLOSURE, headers=jo.headers)
    assert response.status_code == 200, response.json
    mine = agency.client.get("/job-seekers/me/disclosure", headers=jo.headers).json
    assert (mine["unspent"], mine["unspent_until"], mine["restricted_roles"]) == ("yes", "2028-05-01", ["children"])


def test_no_unspent_conviction_keeps_no_date_or_restrictions(agency, jo):
    agency.client.put("/job-seekers/me/disclosure", json={**DISCLOSURE, "unspent": "no"}, headers=jo.headers)
    mine = agency.client.get("/job-seekers/me/disclosure", headers=jo.headers).json
    assert mine["unspent"] == "no" and mine["unspent_until"] is None


@pytest.mark.parametrize("bad", [{"unspent": "maybe"}, {"restricted_roles": ["murder"]}, {"statement": "x" * 3001}])
def test_a_bad_disclosure_is_refused(agency, jo, bad):
    assert agency.client.put("/job-seekers/me/disclosure", json={**DISCLOSURE, **bad},
                             headers=jo.headers).status_code == 422


def test_a_profile_shows_no_disclosure_even_to_a_coordinator(agency, jo):
    agency.client.put("/job-seekers/me/disclosure", json=DISCLOSURE, headers=jo.headers)
    [profile] = profiles(agency)
    shown = agency.client.get(f"/job-seekers/{profile.id}", headers=agency.coordinator().headers).json
    assert not {"unspent", "unspent_until", "restricted_roles", "statement", "disclosure"} & shown.keys()


def test_a_coordinator_reads_a_disclosure_with_a_purpose_and_the_job_seeker_sees_it_logged(agency, jo):
    agency.client.put("/job-seekers/me/disclosure", json=DISCLOSURE, headers=jo.headers)
    [profile] = profiles(agency)
    coordinator = agency.coordinator()
    response = agency.client.post(f"/job-seekers/{profile.id}/disclosure-readings", headers=coordinator.headers,
                                  json={"purpose": "Checking a vacancy does not clash with a licence condition"})
    assert response.status_code == 200 and response.json["unspent"] == "yes"
    [entry] = agency.client.get("/job-seekers/me/disclosure-access", headers=jo.headers).json
    assert (entry["role"], entry["account_id"]) == ("coordinator", coordinator.account_id)
    assert entry["purpose"].startswith("Checking a vacancy")


def test_reading_a_disclosure_without_a_purpose_is_refused_and_not_logged(agency, jo):
    [profile] = profiles(agency)
    response = agency.client.post(f"/job-seekers/{profile.id}/disclosure-readings",
                                  headers=agency.coordinator().headers, json={})
    assert response.status_code == 422
    assert agency.client.get("/job-seekers/me/disclosure-access", headers=jo.headers).json == []


@pytest.mark.parametrize("role", ["member", "employer", "customer", "agency"])
def test_nobody_but_coordinators_reads_someone_elses_disclosure(agency, jo, role):
    [profile] = profiles(agency)
    caller = agency.signed_in(6000, (role,))
    response = agency.client.post(f"/job-seekers/{profile.id}/disclosure-readings", headers=caller.headers,
                                  json={"purpose": "curious"})
    assert response.status_code == 403


def test_another_job_seeker_sees_only_their_own_profile_and_log(agency, jo):
    agency.client.put("/job-seekers/me/disclosure", json=DISCLOSURE, headers=jo.headers)
    other = seeking_work(agency, member_id=42, account_id=92, name="Kez")
    assert agency.client.get("/job-seekers/me", headers=other.headers).json["display_name"] == "Kez"
    assert agency.client.get("/job-seekers/me/disclosure", headers=other.headers).json == {}
    [jos] = [p for p in profiles(agency) if p.display_name == "Jo"]
    assert agency.client.get(f"/job-seekers/{jos.id}", headers=other.headers).status_code == 403


def test_closing_my_profile_deletes_my_disclosure(agency, jo):
    agency.client.put("/job-seekers/me/disclosure", json=DISCLOSURE, headers=jo.headers)
    response = agency.client.post("/job-seekers/me/close", headers=jo.headers)
    assert response.status_code == 200 and response.json["status"] == "closed"
    assert agency.client.get("/job-seekers/me/disclosure", headers=jo.headers).json == {}


def test_events_about_job_seekers_carry_ids_only(agency, jo):
    [data] = published(agency, "job_seeker.registered")
    assert set(data) == {"job_seeker_id", "member_id", "occurred_at"}
