"""What an employer can learn of job seekers: nothing about a disclosure or a restriction, or whether there
is one, by any combination of requests, before the job seeker shares it for one application.

Employers see only the people who applied, or whom a coordinator put forward and who agreed; each
application has its own reference, so nothing links one vacancy's applicants to another's.
"""

import re

import pytest

from services.brokering.models import Disclosure
from tests.support.brokering import DISCLOSURE, Browser

NURSERY = {"involves": ["children"], "exempt": True, "dbs_check": "enhanced"}
COOK = {"skills": ["cooking"], "sectors": ["catering"], "travel_area": "LS6", "hours_per_week": 30}


@pytest.fixture
def hire(agency):
    return agency.employer()


@pytest.fixture
def twins(agency, hire):
    """Two vacancies the same in every way but one: the second involves work with children."""
    return agency.vacancy(hire, title="Cook"), agency.vacancy(hire, title="Cook", **NURSERY)


@pytest.fixture
def people(agency):
    """Job seekers who all fit the vacancies; Kez's licence forbids work with children, Sam said 'no'."""
    return {"kez": agency.job_seeker("Kez", DISCLOSURE, **COOK),
            "ann": agency.job_seeker("Ann", None, **COOK),
            "sam": agency.job_seeker("Sam", {"unspent": "no"}, **COOK)}


def seeker_id(agency, seeker) -> int:
    return agency.client.get("/job-seekers/me", headers=seeker.headers).json["id"]


def put_forward(agency, vacancy, seeker):
    """A coordinator puts a job seeker forward (the employer sees it only once she agrees)."""
    return agency.client.post(f"/vacancies/{vacancy['id']}/applications", json={"job_seeker_id": seeker_id(
        agency, seeker)}, headers=agency.coordinator().headers)


def employer_view(agency, hire, vacancy) -> list:
    """Everything about people the employer can ask of one vacancy, with the vacancy's own id taken out."""
    api = [(response.status_code, response.json) for response in (
        agency.client.get(f"/vacancies/{vacancy['id']}/candidates", headers=hire.headers),
        agency.client.get(f"/applications?vacancy_id={vacancy['id']}", headers=hire.headers))]
    page = Browser(agency, hire).get(f"/vacancies/{vacancy['id']}").get_data(as_text=True)
    people_part = page[page.index("<h2>Applications</h2>"):]
    return [api, people_part, [a for a in agency.client.get("/applications", headers=hire.headers).json
                               if a["vacancy_id"] == vacancy["id"]]]


def test_two_identical_vacancies_one_with_children_look_the_same_to_the_employer(agency, hire, twins, people):
    plain, children = twins
    for vacancy in twins:
        for seeker in people.values():
            put_forward(agency, vacancy, seeker)  # refused for Kez on the second: told to the coordinator only
    assert employer_view(agency, hire, plain) == employer_view(agency, hire, children)


def test_the_coordinator_is_told_why_kez_cannot_be_put_forward_and_the_employer_is_not(agency, hire, twins, people):
    plain, children = twins
    assert put_forward(agency, plain, people["kez"]).status_code == 201
    assert put_forward(agency, children, people["kez"]).status_code == 409
    assert agency.client.get("/applications", headers=hire.headers).json == []


def test_an_employer_sees_no_list_of_people_for_her_own_vacancy_or_another_employers(agency, hire, twins, people):
    other = agency.employer("Other Ltd")
    for vacancy in twins:
        for who in (hire, other):
            assert agency.client.get(f"/vacancies/{vacancy['id']}/candidates", headers=who.headers).status_code == 403
        assert agency.client.get(f"/applications?vacancy_id={vacancy['id']}", headers=other.headers).json == []
        assert Browser(agency, other).get(f"/vacancies/{vacancy['id']}").status_code == 403


def test_a_proposal_she_has_not_agreed_to_is_invisible_to_the_employer(agency, hire, twins, people):
    proposed = put_forward(agency, twins[0], people["ann"]).json
    assert agency.client.get("/applications", headers=hire.headers).json == []
    assert agency.client.get(f"/applications/{proposed['id']}", headers=hire.headers).status_code == 403
    assert agency.move(hire, proposed, "interview").status_code == 403
    assert "Ann" not in Browser(agency, hire).get(f"/vacancies/{twins[0]['id']}").get_data(as_text=True)


def test_once_she_agrees_the_employer_sees_her(agency, hire, twins, people):
    proposed = put_forward(agency, twins[0], people["ann"]).json
    agreed = agency.client.post(f"/applications/{proposed['id']}/agreement", headers=people["ann"].headers)
    assert agreed.status_code == 200 and agreed.json["agreed"] is True
    [seen] = agency.client.get("/applications", headers=hire.headers).json
    assert seen["job_seeker"]["display_name"] == "Ann"


def test_a_proposal_she_declines_is_never_seen_by_the_employer(agency, hire, twins, people):
    proposed = put_forward(agency, twins[0], people["ann"]).json
    assert agency.moved(people["ann"], proposed, "withdrawn")["stage"] == "withdrawn"
    assert agency.client.get("/applications", headers=hire.headers).json == []


def test_only_the_job_seeker_agrees_to_be_put_forward(agency, hire, twins, people):
    proposed = put_forward(agency, twins[0], people["ann"]).json
    for who in (hire, agency.coordinator(), people["sam"]):
        response = agency.client.post(f"/applications/{proposed['id']}/agreement", headers=who.headers)
        assert response.status_code == 403


def test_a_coordinator_cannot_move_on_a_proposal_she_has_not_agreed_to(agency, twins, people):
    proposed = put_forward(agency, twins[0], people["ann"]).json
    assert agency.move(agency.coordinator(), proposed, "interview").status_code == 409


def test_she_agrees_on_her_jobs_page(agency, hire, twins, people):
    proposed = put_forward(agency, twins[0], people["ann"]).json
    browser = Browser(agency, people["ann"])
    assert "Agree to be put forward" in browser.get("/me").get_data(as_text=True)
    assert browser.post(f"/applications/{proposed['id']}/agreement").status_code == 302
    assert len(agency.client.get("/applications", headers=hire.headers).json) == 1


def test_an_applicants_reference_links_no_two_vacancies(agency, hire, twins, people):
    plain = twins[0]
    other = agency.vacancy(hire, title="Cook, evenings")
    for vacancy in (plain, other):
        agency.application(people["ann"], vacancy)
    references = [a["reference"] for a in agency.client.get("/applications", headers=hire.headers).json]
    assert len(set(references)) == 2
    profile = agency.client.get("/job-seekers/me", headers=people["ann"].headers).json
    for reference in references:
        assert re.fullmatch(r"Applicant [A-Z2-9]{4}-[A-Z2-9]{4}", reference)
        # Random letters and digits 2-9: her id (or her Candidate number) may turn up by chance, so the
        # test is that the same person gets a different reference on each vacancy (above), not her own.
        assert profile["reference"] != reference


def test_no_answer_to_the_employer_carries_the_job_seekers_own_reference(agency, hire, twins, people):
    agency.application(people["ann"], twins[0])
    own = agency.client.get("/job-seekers/me", headers=people["ann"].headers).json["reference"]
    assert own not in agency.client.get("/applications", headers=hire.headers).get_data(as_text=True)
    assert own not in Browser(agency, hire).get(f"/vacancies/{twins[0]['id']}").get_data(as_text=True)


def test_she_is_not_shown_jobs_she_must_not_do(agency, twins, people):
    shown = {found["vacancy"]["id"] for found in
             agency.client.get("/job-seekers/me/matches", headers=people["kez"].headers).json}
    assert shown == {twins[0]["id"]}


def test_answering_no_keeps_no_date_and_no_restriction(agency):
    sam = agency.job_seeker("Sam", {"unspent": "no", "unspent_until": "2028-01-01",
                                    "restricted_roles": ["children", "driving"]})
    row = stored_disclosure(agency, sam)
    assert (row.unspent, row.unspent_until, row.restricted_roles) == ("no", None, [])


def test_changing_to_no_clears_the_date_and_restrictions_kept_before(agency):
    kez = agency.job_seeker("Kez", DISCLOSURE)
    assert stored_disclosure(agency, kez).restricted_roles == ["children"]
    response = agency.client.put("/job-seekers/me/disclosure", headers=kez.headers, json={
        "unspent": "no", "restricted_roles": ["children"]})
    assert response.status_code == 200 and response.json["restricted_roles"] == []
    row = stored_disclosure(agency, kez)
    assert (row.unspent, row.unspent_until, row.restricted_roles) == ("no", None, [])


def stored_disclosure(agency, seeker) -> Disclosure:
    with agency.runtime.db.sessionmaker() as session:
        return session.get(Disclosure, seeker_id(agency, seeker))


def test_a_coordinator_asks_someone_to_be_put_forward_from_the_vacancy_page(agency, hire, twins, people):
    browser = Browser(agency, agency.coordinator())
    assert "Candidate " in browser.get(f"/vacancies/{twins[0]['id']}").get_data(as_text=True)
    response = browser.post(f"/vacancies/{twins[0]['id']}/put-forward",
                            {"job_seeker_id": str(seeker_id(agency, people["ann"]))})
    assert response.status_code == 302
    [proposal] = agency.client.get("/applications", headers=people["ann"].headers).json
    assert proposal["agreed"] is False
    assert agency.client.get("/applications", headers=hire.headers).json == []
