"""Job brokering pages through the Flask test client: each person's page, the disclosure shown to an
employer only after a conditional offer and with consent, and the calculator open to anyone."""

import pytest

from tests.support.brokering import DISCLOSURE, Browser


@pytest.fixture
def hire(agency):
    return agency.employer()


@pytest.fixture
def vacancy(agency, hire):
    return agency.vacancy(hire)


@pytest.fixture
def jo(agency):
    return agency.job_seeker("Jo", DISCLOSURE, skills=["cooking"], sectors=["catering"])


@pytest.fixture
def offered(agency, hire, jo, vacancy):
    return agency.moved(hire, agency.application(jo, vacancy), "conditional_offer")


def test_each_person_is_sent_to_their_own_page(agency, jo, hire):
    assert Browser(agency, jo).get("/").headers["Location"].endswith("/jobs/me")
    assert Browser(agency, hire).get("/").headers["Location"].endswith("/jobs/employer")
    assert Browser(agency, agency.coordinator()).get("/").headers["Location"].endswith("/jobs/desk")


def test_the_job_seeker_page_shows_matches_and_the_private_disclosure(agency, jo, vacancy):
    page = Browser(agency, jo).get("/me").get_data(as_text=True)
    assert "Kitchen assistant" in page and "My disclosure (private)" in page and DISCLOSURE["statement"] in page


def test_a_job_seeker_applies_from_the_page(agency, jo, vacancy):
    assert Browser(agency, jo).post(f"/vacancies/{vacancy['id']}/apply").status_code == 302
    assert "put forward" in Browser(agency, jo).get("/me").get_data(as_text=True)


def test_a_job_seeker_saves_a_disclosure_from_the_page(agency):
    kez = agency.job_seeker("Kez")
    response = Browser(agency, kez).post("/me/disclosure", {"unspent": "no", "statement": "Nothing unspent."})
    assert response.status_code == 302
    assert agency.client.get("/job-seekers/me/disclosure", headers=kez.headers).json["unspent"] == "no"


def test_the_employer_sees_her_applicants_and_no_disclosure_before_consent(agency, hire, jo, vacancy, offered):
    browser = Browser(agency, hire)
    page = browser.get(f"/vacancies/{vacancy['id']}").get_data(as_text=True)
    assert "Jo" in page and "Candidate " not in page and 'id="candidates"' not in page
    page = browser.get(f"/applications/{offered['id']}").get_data(as_text=True)
    assert "Disclosure shared with you" not in page and DISCLOSURE["statement"] not in page


def test_after_consent_the_employer_page_shows_it_and_after_withdrawal_no_longer(agency, hire, jo, offered):
    Browser(agency, jo).post(f"/applications/{offered['id']}/consent")
    page = Browser(agency, hire).get(f"/applications/{offered['id']}").get_data(as_text=True)
    assert DISCLOSURE["statement"] in page
    assert "Green Kitchen Ltd" in Browser(agency, jo).get("/me").get_data(as_text=True)  # in the access log
    Browser(agency, jo).post(f"/applications/{offered['id']}/consent-withdrawal")
    page = Browser(agency, hire).get(f"/applications/{offered['id']}").get_data(as_text=True)
    assert DISCLOSURE["statement"] not in page


def test_another_employer_cannot_open_the_application_page(agency, offered):
    other = agency.employer("Other Ltd")
    assert Browser(agency, other).get(f"/applications/{offered['id']}").status_code == 403


def test_the_coordinator_desk_lists_employers_waiting_and_outcomes(agency):
    waiting = agency.signed_in(7777, ("employer",))
    agency.client.post("/employers", headers=waiting.headers, json={
        "name": "Waiting Ltd", "contact_name": "W", "email": "w@w.example", "sector": "retail"})
    page = Browser(agency, agency.coordinator()).get("/desk").get_data(as_text=True)
    assert "Waiting Ltd" in page and "Outcomes this year" in page


def test_the_calculator_works_without_signing_in(agency):
    response = agency.app.test_client().post("/jobs/calculator", data={
        "kind": "fine", "convicted_on": "2024-03-01"})
    assert response.status_code == 200 and "Spent on 01 March 2025" in response.get_data(as_text=True)


def test_a_visitor_is_sent_to_sign_in(agency):
    response = agency.app.test_client().get("/jobs/me")
    assert response.status_code == 302 and "/jobs/sign-in" in response.headers["Location"]


def test_an_employer_registers_from_the_page_and_waits_for_approval(agency):
    newcomer = agency.signed_in(7900, ("employer",))
    response = Browser(agency, newcomer).post("/employer", {"name": "New Cafe", "contact_name": "Nia",
                                                            "email": "nia@cafe.example", "sector": "catering"})
    assert response.status_code == 302
    assert "Registration: pending" in Browser(agency, newcomer).get("/employer").get_data(as_text=True)
