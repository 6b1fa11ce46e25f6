"""The employer's pages through the Flask test client: posting a vacancy with restricted work, an exempt role
and a DBS level, changing and closing it, her placements; and another employer's vacancy refused."""

import pytest

from tests.support.brokering import NEXT_MONTH, Browser

FORM = {"title": "Breakfast club helper", "sector": "catering", "skills": "cooking, food hygiene",
        "location": "ls6", "hours_per_week": "10", "pay": "13.00", "contract_type": "part_time", "age_band": "",
        "involves": "children", "exempt": "yes", "dbs_check": "enhanced", "closing_on": NEXT_MONTH,
        "description": "Breakfasts for a primary school."}


@pytest.fixture
def hire(agency):
    return agency.employer()


@pytest.fixture
def vacancy(agency, hire):
    return agency.vacancy(hire)


def api_vacancy(agency, hire, vacancy_id):
    return agency.client.get(f"/vacancies/{vacancy_id}", headers=hire.headers).json


def test_the_employer_posts_a_vacancy_with_restricted_work_an_exempt_role_and_a_dbs_level(agency, hire):
    response = Browser(agency, hire).post("/employer/vacancies", FORM)
    assert response.status_code == 303 and "done=posted" in response.headers["Location"]
    vacancy_id = int(response.headers["Location"].split("/vacancies/")[1].split("?")[0])
    posted = api_vacancy(agency, hire, vacancy_id)
    assert (posted["involves"], posted["exempt"], posted["dbs_check"]) == (["children"], True, "enhanced")
    assert (posted["location"], posted["pay_pence_per_hour"], posted["skills"]) == ("LS6", 1300,
                                                                                     ["cooking", "food hygiene"])


def test_the_vacancy_page_says_it_was_posted_and_shows_its_terms(agency, hire):
    browser = Browser(agency, hire)
    location = browser.post("/employer/vacancies", FORM).headers["Location"]
    page = browser.client.get(location).get_data(as_text=True)
    assert "Vacancy posted." in page and 'id="dbs">enhanced' in page and 'id="involves">children' in page


def test_a_refused_vacancy_shows_the_form_again_with_what_was_typed_and_the_problem(agency, hire):
    response = Browser(agency, hire).post("/employer/vacancies", {**FORM, "exempt": "", "pay": "13.00"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'role="alert"' in page and "Only a role exempt" in page
    assert 'value="Breakfast club helper"' in page and 'value="children" checked' in page
    assert agency.client.get("/vacancies", headers=hire.headers).json == []


def test_pay_below_the_minimum_wage_is_refused_with_the_form_kept(agency, hire):
    response = Browser(agency, hire).post("/employer/vacancies", {**FORM, "pay": "5.00"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "National Minimum Wage" in page and 'value="5.00"' in page


def test_the_edit_form_shows_the_vacancy_as_it_is(agency, hire, vacancy):
    page = Browser(agency, hire).get(f"/vacancies/{vacancy['id']}/edit").get_data(as_text=True)
    assert 'value="Kitchen assistant"' in page and 'value="13.00"' in page and 'value="LS6"' in page


def test_the_employer_changes_her_vacancy(agency, hire, vacancy):
    response = Browser(agency, hire).post(f"/vacancies/{vacancy['id']}/edit", {
        **FORM, "title": "Kitchen assistant (mornings)", "pay": "14.20"})
    assert response.status_code == 303 and "done=saved" in response.headers["Location"]
    changed = api_vacancy(agency, hire, vacancy["id"])
    assert (changed["title"], changed["pay_pence_per_hour"], changed["dbs_check"]) == (
        "Kitchen assistant (mornings)", 1420, "enhanced")


def test_a_refused_change_keeps_what_was_typed_and_changes_nothing(agency, hire, vacancy):
    response = Browser(agency, hire).post(f"/vacancies/{vacancy['id']}/edit", {**FORM, "pay": "2.00"})
    assert response.status_code == 422 and 'value="2.00"' in response.get_data(as_text=True)
    assert api_vacancy(agency, hire, vacancy["id"])["pay_pence_per_hour"] == 1300


def test_the_employer_closes_her_vacancy(agency, hire, vacancy):
    response = Browser(agency, hire).post(f"/vacancies/{vacancy['id']}/close")
    assert response.status_code == 303 and "done=closed" in response.headers["Location"]
    assert api_vacancy(agency, hire, vacancy["id"])["status"] == "closed"


def test_a_closed_vacancy_cannot_be_changed(agency, hire, vacancy):
    browser = Browser(agency, hire)
    browser.post(f"/vacancies/{vacancy['id']}/close")
    assert browser.post(f"/vacancies/{vacancy['id']}/edit", FORM).status_code == 409
    assert api_vacancy(agency, hire, vacancy["id"])["title"] == "Kitchen assistant"


def test_another_employer_cannot_open_the_edit_form(agency, vacancy):
    other = agency.employer("Other Ltd")
    assert Browser(agency, other).get(f"/vacancies/{vacancy['id']}/edit").status_code == 403


def test_another_employer_cannot_change_the_vacancy(agency, hire, vacancy):
    other = agency.employer("Other Ltd")
    response = Browser(agency, other).post(f"/vacancies/{vacancy['id']}/edit", {**FORM, "title": "Hijacked"})
    assert response.status_code == 403
    assert api_vacancy(agency, hire, vacancy["id"])["title"] == "Kitchen assistant"


def test_another_employer_cannot_close_the_vacancy(agency, hire, vacancy):
    other = agency.employer("Other Ltd")
    assert Browser(agency, other).post(f"/vacancies/{vacancy['id']}/close").status_code == 403
    assert api_vacancy(agency, hire, vacancy["id"])["status"] == "open"


def test_a_vacancy_that_does_not_exist_is_not_found(agency, hire):
    assert Browser(agency, hire).get("/vacancies/999999/edit").status_code == 404


def test_a_coordinator_cannot_change_an_employers_vacancy(agency, hire, vacancy):
    response = Browser(agency, agency.coordinator()).post(f"/vacancies/{vacancy['id']}/edit", FORM)
    assert response.status_code == 403


def test_the_employer_page_lists_her_placements(agency, hire, vacancy):
    kez = agency.job_seeker("Kez", skills=["cooking"])
    application = agency.application(kez, vacancy)
    for stage in ("interview", "conditional_offer", "offer_confirmed"):
        agency.moved(hire, application, stage)
    agency.moved(kez, application, "accepted", start_on="2026-01-05")
    page = Browser(agency, hire).get("/employer").get_data(as_text=True)
    assert 'id="placements"' in page and "Kez" in page and "05 Jan 2026" in page


def test_her_placements_are_hers_only(agency, hire, vacancy):
    kez = agency.job_seeker("Kez", skills=["cooking"])
    application = agency.application(kez, vacancy)
    for stage in ("interview", "conditional_offer", "offer_confirmed"):
        agency.moved(hire, application, stage)
    agency.moved(kez, application, "accepted", start_on="2026-01-05")
    other = agency.employer("Other Ltd")
    assert "Kez" not in Browser(agency, other).get("/employer").get_data(as_text=True)
    assert agency.client.get("/employers/me/placements", headers=other.headers).json == []
    mine = agency.client.get("/employers/me/placements", headers=hire.headers).json
    assert [(p["person"], p["title"], p["start_on"]) for p in mine] == [("Kez", "Kitchen assistant", "2026-01-05")]


def test_the_api_changes_a_vacancy_in_part_and_checks_it_again(agency, hire, vacancy):
    path = f"/vacancies/{vacancy['id']}"
    assert agency.client.patch(path, json={"hours_per_week": 20}, headers=hire.headers).json["hours_per_week"] == 20
    refused = agency.client.patch(path, json={"dbs_check": "enhanced"}, headers=hire.headers)
    assert refused.status_code == 422 and api_vacancy(agency, hire, vacancy["id"])["dbs_check"] == "none"
