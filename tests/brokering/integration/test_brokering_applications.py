"""Applications and disclosure: an employer without consent gets no disclosure field at all, from any
endpoint; consent works only after a conditional offer; withdrawing it is honoured at once; another job
seeker sees nothing; every employer reading is logged for the job seeker."""

import datetime as dt

import pytest

from services.brokering.applications import delete_expired_shared_disclosures
from services.brokering.models import SharedDisclosure
from tests.support.brokering import DISCLOSURE

DISCLOSURE_KEYS = {"disclosure", "unspent", "unspent_until", "restricted_roles", "statement"}


@pytest.fixture
def hire(agency):
    return agency.employer()


@pytest.fixture
def vacancy(agency, hire):
    return agency.vacancy(hire)


@pytest.fixture
def jo(agency):
    return agency.job_seeker("Jo", DISCLOSURE, skills=["cooking"], sectors=["catering"], travel_area="LS6",
                             hours_per_week=30)


@pytest.fixture
def applied(agency, jo, vacancy):
    return agency.application(jo, vacancy)


@pytest.fixture
def offered(agency, hire, applied):
    return agency.moved(hire, applied, "conditional_offer")


def everything_the_employer_can_read(agency, hire, application, vacancy) -> list:
    """Every answer an employer gets about candidates and applications, to search for disclosure fields."""
    answers = [agency.client.get(path, headers=hire.headers).json for path in (
        "/applications", f"/applications/{application['id']}", f"/applications?vacancy_id={vacancy['id']}",
        f"/vacancies/{vacancy['id']}", "/vacancies")]
    return answers


def keys_in(value) -> set:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in keys_in(item)}
    if isinstance(value, list):
        return {key for item in value for key in keys_in(item)}
    return set()


def test_a_coordinator_sees_ranked_candidates_with_reasons_and_nothing_disclosed(agency, vacancy, jo):
    [candidate] = agency.client.get(f"/vacancies/{vacancy['id']}/candidates",
                                    headers=agency.coordinator().headers).json
    assert candidate["reference"].startswith("Candidate ") and "display_name" not in candidate
    assert candidate["score"] > 0 and candidate["reasons"]
    assert not DISCLOSURE_KEYS & keys_in(candidate)


def test_an_employer_does_not_see_the_candidates_for_her_own_vacancy(agency, hire, vacancy, jo):
    assert agency.client.get(f"/vacancies/{vacancy['id']}/candidates", headers=hire.headers).status_code == 403


def test_a_person_whose_licence_forbids_the_work_is_not_a_candidate(agency, hire, jo):
    nursery = agency.vacancy(hire, title="Nursery cook", involves=["children"], exempt=True, dbs_check="enhanced")
    coordinator = agency.coordinator()
    assert agency.client.get(f"/vacancies/{nursery['id']}/candidates", headers=coordinator.headers).json == []


def test_a_job_seeker_cannot_apply_for_work_they_must_not_do(agency, hire, jo):
    nursery = agency.vacancy(hire, title="Nursery cook", involves=["children"], exempt=True, dbs_check="enhanced")
    response = agency.client.post(f"/vacancies/{nursery['id']}/applications", json={}, headers=jo.headers)
    assert response.status_code == 409


def test_a_job_seeker_sees_their_ranked_matches(agency, jo, vacancy):
    [found] = agency.client.get("/job-seekers/me/matches", headers=jo.headers).json
    assert found["vacancy"]["id"] == vacancy["id"] and found["reasons"]


def test_another_employer_cannot_see_candidates_or_applications(agency, applied, vacancy):
    other = agency.employer("Other Ltd")
    assert agency.client.get(f"/vacancies/{vacancy['id']}/candidates", headers=other.headers).status_code == 403
    assert agency.client.get(f"/applications/{applied['id']}", headers=other.headers).status_code == 403
    assert agency.client.get("/applications", headers=other.headers).json == []


def test_once_applied_the_employer_sees_the_name_but_no_disclosure(agency, hire, applied, vacancy):
    shown = agency.client.get(f"/applications/{applied['id']}", headers=hire.headers).json
    assert shown["job_seeker"]["display_name"] == "Jo"
    for answer in everything_the_employer_can_read(agency, hire, applied, vacancy):
        assert not DISCLOSURE_KEYS & keys_in(answer)


def test_applying_twice_for_the_same_vacancy_is_refused(agency, jo, vacancy, applied):
    response = agency.client.post(f"/vacancies/{vacancy['id']}/applications", json={}, headers=jo.headers)
    assert response.status_code == 409


def test_consent_before_a_conditional_offer_is_refused(agency, jo, applied):
    assert agency.client.post(f"/applications/{applied['id']}/consent", headers=jo.headers).status_code == 409


def test_without_consent_the_employer_gets_no_disclosure_even_after_an_offer(agency, hire, offered, vacancy):
    assert agency.client.get(f"/applications/{offered['id']}/disclosure", headers=hire.headers).status_code == 403
    for answer in everything_the_employer_can_read(agency, hire, offered, vacancy):
        assert not DISCLOSURE_KEYS & keys_in(answer)


def test_with_consent_after_a_conditional_offer_the_employer_reads_it_and_it_is_logged(agency, hire, jo, offered):
    response = agency.client.post(f"/applications/{offered['id']}/consent", headers=jo.headers)
    assert response.status_code == 200 and response.json["stage"] == "disclosure"
    shared = agency.client.get(f"/applications/{offered['id']}/disclosure", headers=hire.headers)
    assert shared.status_code == 200
    assert (shared.json["unspent"], shared.json["restricted_roles"]) == ("yes", ["children"])
    [entry] = agency.client.get("/job-seekers/me/disclosure-access", headers=jo.headers).json
    assert (entry["role"], entry["employer_name"], entry["application_id"]) == (
        "employer", "Green Kitchen Ltd", offered["id"])


def test_withdrawn_consent_is_honoured_at_once(agency, hire, jo, offered):
    agency.client.post(f"/applications/{offered['id']}/consent", headers=jo.headers)
    response = agency.client.post(f"/applications/{offered['id']}/consent-withdrawal", headers=jo.headers)
    assert response.status_code == 200
    assert agency.client.get(f"/applications/{offered['id']}/disclosure", headers=hire.headers).status_code == 403
    with agency.runtime.db.sessionmaker() as session:
        assert session.get(SharedDisclosure, offered["id"]) is None


def test_only_the_job_seeker_consents(agency, hire, offered):
    coordinator = agency.coordinator()
    for who in (hire, coordinator):
        assert agency.client.post(f"/applications/{offered['id']}/consent", headers=who.headers).status_code == 403


def test_another_job_seeker_sees_nothing_of_the_application(agency, offered):
    kez = agency.job_seeker("Kez")
    assert agency.client.get(f"/applications/{offered['id']}", headers=kez.headers).status_code == 403
    assert agency.client.get(f"/applications/{offered['id']}/disclosure", headers=kez.headers).status_code == 403
    assert agency.client.get("/applications", headers=kez.headers).json == []


def test_a_shared_disclosure_is_deleted_a_while_after_the_application_is_decided(agency, hire, jo, offered):
    agency.client.post(f"/applications/{offered['id']}/consent", headers=jo.headers)
    confirmed = agency.moved(hire, offered, "offer_confirmed")
    agency.moved(jo, confirmed, "accepted", start_on="2027-01-04")
    keep = dt.timedelta(days=agency.runtime.collaborators.settings.disclosure_keep_days)
    with agency.runtime.db.transaction() as session:
        assert delete_expired_shared_disclosures(session, keep) == 0  # decided just now: kept for now
    with agency.runtime.db.transaction() as session:
        later = dt.datetime.now(dt.UTC) + keep + dt.timedelta(days=1)
        assert delete_expired_shared_disclosures(session, keep, now=later) == 1


def test_rejecting_needs_a_reason_and_drops_any_shared_disclosure(agency, hire, jo, offered):
    agency.client.post(f"/applications/{offered['id']}/consent", headers=jo.headers)
    assert agency.move(hire, offered, "rejected").status_code == 422
    rejected = agency.moved(hire, offered, "rejected", reason="We gave the job to someone with more experience.")
    assert rejected["stage"] == "rejected"
    with agency.runtime.db.sessionmaker() as session:
        assert session.get(SharedDisclosure, offered["id"]) is None


@pytest.mark.parametrize(("who", "stage"), [("jo", "interview"), ("jo", "conditional_offer"), ("hire", "withdrawn"),
                                            ("hire", "accepted")])
def test_each_side_makes_only_its_own_moves(agency, request, applied, who, stage):
    response = agency.move(request.getfixturevalue(who), applied, stage, start_on="2027-01-04")
    assert response.status_code in (403, 409)


def test_an_accepted_offer_starts_a_placement_with_check_ins(agency, hire, jo, offered):
    confirmed = agency.moved(hire, offered, "offer_confirmed")
    agency.moved(jo, confirmed, "accepted", start_on="2027-01-04")
    [placement] = agency.client.get("/placements", headers=agency.coordinator().headers).json
    assert (placement["kind"], placement["start_on"], placement["status"]) == ("paid", "2027-01-04", "going")
    assert {c["milestone"] for c in placement["check_ins"]} == {"6w", "13w", "26w", "6m"}
