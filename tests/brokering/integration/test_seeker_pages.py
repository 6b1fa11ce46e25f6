"""The job seeker's pages through the Flask test client: her sectors and availability, closing her profile,
her applications linked from her page with accept and decline there; a job she was accepted for is not
offered again; and nobody else's application is hers to see or answer."""

import pytest

from tests.support.brokering import Browser


@pytest.fixture
def hire(agency):
    return agency.employer()


@pytest.fixture
def vacancy(agency, hire):
    return agency.vacancy(hire)


@pytest.fixture
def kez(agency):
    return agency.job_seeker("Kez", skills=["cooking"], sectors=["catering"])


@pytest.fixture
def offer(agency, hire, kez, vacancy):
    """Kez's application to the vacancy, its offer confirmed: hers to accept or decline."""
    application = agency.application(kez, vacancy)
    for stage in ("interview", "conditional_offer", "offer_confirmed"):
        agency.moved(hire, application, stage)
    return application


def profile(agency, seeker):
    return agency.client.get("/job-seekers/me", headers=seeker.headers).json


def application(agency, seeker, application_id):
    return agency.client.get(f"/applications/{application_id}", headers=seeker.headers).json


PROFILE = {"skills": "cooking, sewing", "sectors": ["retail", "fashion"], "hours_per_week": "25",
           "available_from": "2026-02-01", "travel_area": "ls7", "preferences": "Daytime."}


def test_she_saves_her_sectors_and_when_she_is_available(agency, kez):
    response = Browser(agency, kez).post("/me/profile", PROFILE)
    assert response.status_code == 303 and "saved=profile" in response.headers["Location"]
    saved = profile(agency, kez)
    assert (saved["sectors"], saved["available_from"], saved["travel_area"]) == (["retail", "fashion"],
                                                                               "2026-02-01", "LS7")


def test_her_page_says_the_profile_is_saved(agency, kez):
    page = Browser(agency, kez).get("/me?saved=profile").get_data(as_text=True)
    assert "Your profile is saved." in page


def test_a_refused_profile_keeps_what_she_typed_and_says_why(agency, kez):
    response = Browser(agency, kez).post("/me/profile", {**PROFILE, "travel_area": "not a postcode"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'role="alert"' in page and "travel_area" in page
    assert 'value="not a postcode"' in page and 'value="fashion" checked' in page
    assert profile(agency, kez)["sectors"] == ["catering"]


def test_she_closes_her_profile(agency, kez, vacancy):
    response = Browser(agency, kez).post("/me/close")
    assert response.status_code == 303 and "saved=closed" in response.headers["Location"]
    assert profile(agency, kez)["status"] == "closed"
    page = Browser(agency, kez).get("/me").get_data(as_text=True)
    assert 'id="closed-notice"' in page and "Apply for Kitchen assistant" not in page


def test_her_applications_are_linked_from_her_page(agency, kez, offer):
    page = Browser(agency, kez).get("/me").get_data(as_text=True)
    assert f'href="/jobs/applications/{offer["id"]}"' in page and "Offer to answer" in page


def test_her_application_page_offers_accept_and_decline_once_the_offer_is_confirmed(agency, kez, offer):
    page = Browser(agency, kez).get(f"/applications/{offer['id']}").get_data(as_text=True)
    assert "Accept the offer" in page and "Decline the offer" in page and "Move to" not in page


def test_she_accepts_the_offer_with_her_start_date(agency, kez, offer):
    response = Browser(agency, kez).post(f"/applications/{offer['id']}/move",
                                         {"stage": "accepted", "start_on": "2026-03-02"})
    assert response.status_code == 303 and "done=accepted" in response.headers["Location"]
    assert application(agency, kez, offer["id"])["stage"] == "accepted"
    page = Browser(agency, kez).get(f"/applications/{offer['id']}?done=accepted").get_data(as_text=True)
    assert "You accepted the offer" in page


def test_accepting_without_a_start_date_says_so_and_changes_nothing(agency, kez, offer):
    response = Browser(agency, kez).post(f"/applications/{offer['id']}/move", {"stage": "accepted"})
    assert response.status_code == 422 and "start date" in response.get_data(as_text=True)
    assert application(agency, kez, offer["id"])["stage"] == "offer_confirmed"


def test_she_declines_the_offer(agency, kez, offer):
    Browser(agency, kez).post(f"/applications/{offer['id']}/move", {"stage": "withdrawn"})
    assert application(agency, kez, offer["id"])["stage"] == "withdrawn"


def test_another_job_seeker_cannot_see_her_application(agency, offer):
    jo = agency.job_seeker("Jo")
    assert Browser(agency, jo).get(f"/applications/{offer['id']}").status_code == 403


def test_another_job_seeker_cannot_accept_her_offer(agency, kez, offer):
    jo = agency.job_seeker("Jo")
    response = Browser(agency, jo).post(f"/applications/{offer['id']}/move",
                                        {"stage": "accepted", "start_on": "2026-03-02"})
    assert response.status_code == 403 and application(agency, kez, offer["id"])["stage"] == "offer_confirmed"


def test_a_job_she_was_accepted_for_is_not_offered_to_her_again(agency, hire, kez, offer):
    other = agency.vacancy(hire, title="Cafe cook")
    agency.moved(kez, offer, "accepted", start_on="2026-03-02")
    offered = [found["vacancy"]["id"] for found in
               agency.client.get("/job-seekers/me/matches", headers=kez.headers).json]
    assert offered == [other["id"]]
    page = Browser(agency, kez).get("/me").get_data(as_text=True)
    assert "Apply for Cafe cook" in page and "Apply for Kitchen assistant" not in page


def test_a_coordinator_is_not_offered_her_for_the_job_she_was_accepted_for(agency, kez, offer, vacancy):
    agency.moved(kez, offer, "accepted", start_on="2026-03-02")
    found = agency.client.get(f"/vacancies/{vacancy['id']}/candidates", headers=agency.coordinator().headers).json
    assert profile(agency, kez)["id"] not in [c["job_seeker_id"] for c in found]
