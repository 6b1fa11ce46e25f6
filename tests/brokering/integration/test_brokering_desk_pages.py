"""The coordinator's brokering desk pages through the Flask test client: referring a person, putting her
forward (the employer sees it only once she agrees), reading her disclosure with a purpose (logged, she is
told; refused and not logged without one), check-ins including "not in work", ending a placement, and the
outcomes of a period. An employer or a member gets 403 from every desk page and form, and nothing changes."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support.brokering import DISCLOSURE, Browser
from tests.support.outbox import published

START = dt.date(2026, 1, 5)  # by now its 6-week and 13-week check-ins are due


@pytest.fixture
def hire(agency):
    return agency.employer("Green Kitchen Ltd")


@pytest.fixture
def vacancy(agency, hire):
    return agency.vacancy(hire, title="Kitchen assistant")


@pytest.fixture
def jo(agency):
    return agency.job_seeker("Jo", DISCLOSURE, skills=["cooking"], sectors=["catering"])


@pytest.fixture
def coordinator(agency):
    return agency.coordinator()


@pytest.fixture
def desk(agency, coordinator):
    return Browser(agency, coordinator)


def seeker_id(agency, trader) -> int:
    return agency.client.get("/job-seekers/me", headers=trader.headers).json["id"]


def placement_of(agency, hire, jo, vacancy, start_on=START) -> dict:
    application = agency.application(jo, vacancy)
    for stage in ("conditional_offer", "offer_confirmed"):
        application = agency.moved(hire, application, stage)
    agency.moved(jo, application, "accepted", start_on=start_on.isoformat())
    return next(p for p in agency.client.get("/placements", headers=agency.coordinator().headers).json
                if p["application_id"] == application["id"])


def placement_now(agency, placement_id) -> dict:
    return next(p for p in agency.client.get("/placements", headers=agency.coordinator().headers).json
                if p["id"] == placement_id)


def access_log(agency, trader) -> list[dict]:
    return agency.client.get("/job-seekers/me/disclosure-access", headers=trader.headers).json


def text(response) -> str:
    return response.get_data(as_text=True)


# -- The desk and people --------------------------------------------------------------------------------

def test_the_desk_links_to_people_and_outcomes(desk):
    page = text(desk.get("/desk"))
    assert 'href="/jobs/desk/people"' in page and 'href="/jobs/desk/outcomes"' in page


def test_the_desk_says_only_its_own_words_for_a_done_flag(desk):
    assert "Employer approved." in text(desk.get("/desk?done=approved"))
    assert "<script>" not in text(desk.get("/desk?done=<script>"))


def test_the_people_page_lists_job_seekers_by_name(desk, jo):
    assert "Jo" in text(desk.get("/desk/people"))


def test_a_coordinator_refers_a_person_and_lands_on_her_page(agency, desk, coordinator):
    response = desk.post("/desk/people", {"display_name": "Ann Referred", "skills": "cleaning, driving",
                                          "sectors": "cleaning", "hours_per_week": "20", "travel_area": "LS7"})
    assert response.status_code == 303 and "done=referred" in response.headers["Location"]
    made = [p for p in agency.client.get("/job-seekers", headers=coordinator.headers).json
            if p["display_name"] == "Ann Referred"]
    assert len(made) == 1 and made[0]["skills"] == ["cleaning", "driving"] and made[0]["sectors"] == ["cleaning"]
    page = text(desk.get(response.headers["Location"].split("/jobs", 1)[1]))
    assert "Referred: her profile is open." in page and "Ann Referred" in page


def test_a_referral_without_a_name_is_shown_again_with_what_was_typed(agency, desk, coordinator):
    response = desk.post("/desk/people", {"display_name": " ", "skills": "cleaning, driving",
                                          "hours_per_week": "20"})
    page = text(response)
    assert response.status_code == 422 and 'role="alert"' in page
    assert 'value="cleaning, driving"' in page and 'value="20"' in page
    assert all(p["skills"] != ["cleaning", "driving"] for p in
               agency.client.get("/job-seekers", headers=coordinator.headers).json)


def test_a_referral_with_hours_in_words_is_refused_and_kept(desk):
    response = desk.post("/desk/people", {"display_name": "Ann", "hours_per_week": "twenty"})
    assert response.status_code == 422 and 'value="Ann"' in text(response)


# -- Putting her forward --------------------------------------------------------------------------------

def test_her_page_offers_the_vacancies_that_fit_her(agency, desk, jo, vacancy):
    page = text(desk.get(f"/desk/people/{seeker_id(agency, jo)}"))
    assert "Put Jo forward for Kitchen assistant" in page


def test_put_forward_waits_for_her_agreement_and_the_employer_sees_it_only_then(agency, desk, jo, hire, vacancy):
    person = seeker_id(agency, jo)
    response = desk.post(f"/desk/people/{person}/put-forward", {"vacancy_id": str(vacancy["id"])})
    assert response.status_code == 303 and "done=put-forward" in response.headers["Location"]
    assert "waiting for her agreement" in text(desk.get(f"/desk/people/{person}"))
    assert agency.client.get("/applications", headers=hire.headers).json == []

    [mine] = agency.client.get("/applications", headers=jo.headers).json
    assert agency.client.post(f"/applications/{mine['id']}/agreement", headers=jo.headers).status_code == 200
    assert "agreed " in text(desk.get(f"/desk/people/{person}"))
    assert [a["id"] for a in agency.client.get("/applications", headers=hire.headers).json] == [mine["id"]]


def test_putting_her_forward_for_work_she_must_not_do_is_refused_on_her_page(agency, desk, jo, hire):
    with_children = agency.vacancy(hire, title="Breakfast club helper", involves=["children"])
    response = desk.post(f"/desk/people/{seeker_id(agency, jo)}/put-forward",
                         {"vacancy_id": str(with_children["id"])})
    assert response.status_code == 409 and "must not do" in text(response) and 'role="alert"' in text(response)
    assert agency.client.get("/applications", headers=jo.headers).json == []


def test_a_vacancy_she_is_already_put_forward_for_is_not_offered_again(agency, desk, jo, vacancy):
    person = seeker_id(agency, jo)
    desk.post(f"/desk/people/{person}/put-forward", {"vacancy_id": str(vacancy["id"])})
    assert "Put Jo forward for Kitchen assistant" not in text(desk.get(f"/desk/people/{person}"))


def test_putting_her_forward_twice_says_so(agency, desk, jo, vacancy):
    person = seeker_id(agency, jo)
    desk.post(f"/desk/people/{person}/put-forward", {"vacancy_id": str(vacancy["id"])})
    response = desk.post(f"/desk/people/{person}/put-forward", {"vacancy_id": str(vacancy["id"])})
    assert response.status_code == 409 and "already put forward" in text(response)


@pytest.mark.parametrize("vacancy_id", ["", "abc", "0", "99999999999"])
def test_putting_her_forward_for_no_real_vacancy_is_refused_on_her_page(agency, desk, jo, vacancy_id):
    response = desk.post(f"/desk/people/{seeker_id(agency, jo)}/put-forward", {"vacancy_id": vacancy_id})
    assert response.status_code == 422 and 'role="alert"' in text(response)
    assert agency.client.get("/applications", headers=jo.headers).json == []


def test_putting_her_forward_for_a_vacancy_that_does_not_exist_says_so(agency, desk, jo):
    response = desk.post(f"/desk/people/{seeker_id(agency, jo)}/put-forward", {"vacancy_id": "987654"})
    assert response.status_code == 404 and "no vacancy 987654" in text(response)


@pytest.mark.parametrize("path", ["/desk/people/987654", "/desk/placements/987654", "/desk/people/99999999999"])
def test_a_desk_page_of_nothing_is_404(desk, path):
    assert desk.get(path).status_code == 404


def test_reading_the_disclosure_of_nobody_is_404_and_logs_nothing(agency, desk):
    response = desk.post("/desk/people/987654/disclosure-reading", {"purpose": "Checking a licence condition"})
    assert response.status_code == 404 and published(agency, "disclosure.read") == []


@pytest.mark.parametrize("form", [{"display_name": "x" * 121}, {"display_name": "Ann", "hours_per_week": "99999999999"},
                                  {"display_name": "Ann", "travel_area": "NOT A DISTRICT"},
                                  {"display_name": "Ann", "sectors": "piracy"},
                                  {"display_name": "Ann", "preferences": "x" * 2001}])
def test_a_referral_out_of_bounds_is_refused_not_an_error(desk, form):
    assert desk.post("/desk/people", form).status_code == 422


@pytest.mark.parametrize("query", ["start=abc&end=2026-01-01", "start=2026-01-01&end=99999-01-01",
                                   "start=1800-01-01&end=2026-01-01"])
def test_outcomes_for_a_period_that_is_no_period_are_refused(desk, query):
    assert desk.get(f"/desk/outcomes?{query}").status_code == 422


# -- Reading a disclosure -------------------------------------------------------------------------------

def test_reading_her_disclosure_with_a_purpose_shows_it_and_logs_it(agency, desk, jo):
    response = desk.post(f"/desk/people/{seeker_id(agency, jo)}/disclosure-reading",
                         {"purpose": "Checking a licence condition"})
    assert response.status_code == 200 and DISCLOSURE["statement"] in text(response)
    assert response.headers["Cache-Control"] == "no-store"
    [entry] = access_log(agency, jo)
    assert entry["role"] == "coordinator" and entry["purpose"] == "Checking a licence condition"


def test_reading_her_disclosure_tells_her_who_and_when_but_not_why(agency, desk, jo):
    desk.post(f"/desk/people/{seeker_id(agency, jo)}/disclosure-reading", {"purpose": "Checking a licence"})
    [told] = published(agency, "disclosure.read")
    assert told["reader_name"] == "a co-op coordinator" and "purpose" not in told


def test_every_reading_is_logged(agency, desk, jo):
    person = seeker_id(agency, jo)
    for purpose in ("Before putting her forward", "Her probation officer asked"):
        desk.post(f"/desk/people/{person}/disclosure-reading", {"purpose": purpose})
    assert [e["purpose"] for e in access_log(agency, jo)] == ["Her probation officer asked",
                                                              "Before putting her forward"]
    assert len(published(agency, "disclosure.read")) == 2


@pytest.mark.parametrize("purpose", ["", "   ", "ok", "x" * 201])
def test_reading_without_a_purpose_is_refused_and_not_logged(agency, desk, jo, purpose):
    response = desk.post(f"/desk/people/{seeker_id(agency, jo)}/disclosure-reading", {"purpose": purpose})
    assert response.status_code == 422 and 'role="alert"' in text(response)
    assert DISCLOSURE["statement"] not in text(response)
    assert access_log(agency, jo) == [] and published(agency, "disclosure.read") == []


# -- Placements: check-ins and ending -------------------------------------------------------------------

def test_the_desk_links_each_placement_row_to_its_page(agency, desk, hire, jo, vacancy):
    placement = placement_of(agency, hire, jo, vacancy)
    page = text(desk.get("/desk"))
    assert f'id="placement-{placement["id"]}"' in page and f'href="/jobs/desk/placements/{placement["id"]}"' in page


def test_a_check_in_not_in_work_is_recorded(agency, desk, hire, jo, vacancy):
    placement = placement_of(agency, hire, jo, vacancy)
    response = desk.post(f"/desk/placements/{placement['id']}/check-ins/6w", {"in_work": "no", "note": "Left"})
    assert response.status_code == 303 and "done=check-in" in response.headers["Location"]
    six_weeks = next(c for c in placement_now(agency, placement["id"])["check_ins"] if c["milestone"] == "6w")
    assert six_weeks["in_work"] is False and six_weeks["note"] == "Left"
    page = text(desk.get(f"/desk/placements/{placement['id']}?done=check-in"))
    assert "Check-in recorded." in page and "not in work" in page


def test_a_check_in_in_work_at_13_weeks_is_a_job_sustained(agency, desk, hire, jo, vacancy):
    placement = placement_of(agency, hire, jo, vacancy)
    desk.post(f"/desk/placements/{placement['id']}/check-ins/13w", {"in_work": "yes"})
    assert [e["milestone"] for e in published(agency, "placement.sustained")] == ["13w"]


def test_a_check_in_without_an_answer_is_refused_and_keeps_the_note(agency, desk, hire, jo, vacancy):
    placement = placement_of(agency, hire, jo, vacancy)
    response = desk.post(f"/desk/placements/{placement['id']}/check-ins/6w", {"note": "Rang her manager"})
    assert response.status_code == 422 and "Rang her manager" in text(response)
    assert all(c["done_at"] is None for c in placement_now(agency, placement["id"])["check_ins"])


def test_a_check_in_not_yet_due_is_refused_on_the_page(agency, desk, hire, jo, vacancy):
    placement = placement_of(agency, hire, jo, vacancy, start_on=dt.date.today())
    response = desk.post(f"/desk/placements/{placement['id']}/check-ins/6w", {"in_work": "yes"})
    assert response.status_code == 409 and "not due until" in text(response)


def test_a_coordinator_ends_a_placement_with_a_reason(agency, desk, hire, jo, vacancy):
    placement = placement_of(agency, hire, jo, vacancy)
    response = desk.post(f"/desk/placements/{placement['id']}/end", {"ended_on": "2026-03-01", "reason": "resigned"})
    assert response.status_code == 303 and "done=ended" in response.headers["Location"]
    now = placement_now(agency, placement["id"])
    assert (now["status"], now["ended_on"], now["end_reason"]) == ("ended", "2026-03-01", "resigned")
    page = text(desk.get(f"/desk/placements/{placement['id']}?done=ended"))
    assert "Placement ended." in page and "End this placement" not in page


def test_check_ins_after_a_placement_ended_are_not_shown_as_due(agency, desk, hire, jo, vacancy):
    placement = placement_of(agency, hire, jo, vacancy)
    desk.post(f"/desk/placements/{placement['id']}/end", {"ended_on": "2026-01-20", "reason": "resigned"})
    row = text(desk.get("/desk")).split(f'id="placement-{placement["id"]}"', 1)[1].split("</tr>")[0]
    assert row.count("after it ended") == 4 and "due, record it" not in row


def test_ending_before_the_start_is_refused_and_keeps_what_was_typed(agency, desk, hire, jo, vacancy):
    placement = placement_of(agency, hire, jo, vacancy)
    response = desk.post(f"/desk/placements/{placement['id']}/end", {"ended_on": "2025-12-01", "reason": "health"})
    page = text(response)
    assert response.status_code == 422 and 'value="2025-12-01"' in page and 'value="health" selected' in page
    assert placement_now(agency, placement["id"])["status"] == "going"


@pytest.mark.parametrize("form", [{"ended_on": "not a day", "reason": "other"},
                                  {"ended_on": "2026-03-01", "reason": "bored"},
                                  {"ended_on": "3000-01-01", "reason": "other"}])
def test_ending_with_no_real_day_or_reason_is_refused(agency, desk, hire, jo, vacancy, form):
    placement = placement_of(agency, hire, jo, vacancy)
    assert desk.post(f"/desk/placements/{placement['id']}/end", form).status_code == 422
    assert placement_now(agency, placement["id"])["status"] == "going"


def test_a_check_in_with_a_note_too_long_is_refused(agency, desk, hire, jo, vacancy):
    placement = placement_of(agency, hire, jo, vacancy)
    response = desk.post(f"/desk/placements/{placement['id']}/check-ins/6w", {"in_work": "yes", "note": "x" * 2001})
    assert response.status_code == 422


def test_ending_without_a_reason_is_refused(agency, desk, hire, jo, vacancy):
    placement = placement_of(agency, hire, jo, vacancy)
    assert desk.post(f"/desk/placements/{placement['id']}/end", {"ended_on": "2026-03-01"}).status_code == 422
    assert placement_now(agency, placement["id"])["status"] == "going"


# -- Outcomes for a period ------------------------------------------------------------------------------

def test_outcomes_for_a_period_count_what_the_api_counts(agency, desk, hire, vacancy, coordinator):
    zed = agency.job_seeker("Zed Quinlan", skills=["cooking"])
    placement = placement_of(agency, hire, zed, vacancy)
    desk.post(f"/desk/placements/{placement['id']}/check-ins/6w", {"in_work": "yes"})
    page = text(desk.get("/desk/outcomes?start=2026-01-01&end=2026-03-31"))
    api = agency.client.get("/outcomes?start=2026-01-01&end=2026-03-31", headers=coordinator.headers).json
    assert api["totals"]["job_starts"] == 1 and api["totals"]["in_work_6_weeks"] == 1
    assert "From 01 Jan 2026 to 31 Mar 2026" in page and "Green Kitchen Ltd" in page
    assert page.count('<td class="number" data-label="Job starts">1</td>') == 2  # the employer's row and all
    assert "Zed" not in page  # no personal data


def test_outcomes_of_a_period_without_any_say_so(desk):
    assert "No outcomes in this period." in text(desk.get("/desk/outcomes?start=2020-01-01&end=2020-12-31"))


def test_outcomes_with_the_end_before_the_start_are_refused_and_keep_the_dates(desk):
    response = desk.get("/desk/outcomes?start=2026-05-01&end=2026-01-01")
    assert response.status_code == 422 and 'value="2026-05-01"' in text(response) and 'role="alert"' in text(response)


# -- Who may use the desk -------------------------------------------------------------------------------

@pytest.fixture(params=["employer", "member"])
def outsider(request, agency, hire, jo):
    return Browser(agency, hire.trader if request.param == "employer" else jo)


@pytest.fixture
def scene(agency, hire, jo, vacancy):
    other = agency.vacancy(hire, title="Cook")
    return {"seeker": seeker_id(agency, jo), "vacancy": other["id"],
            "placement": placement_of(agency, hire, jo, vacancy)["id"]}


@pytest.mark.parametrize("path", ["/desk", "/desk/people", "/desk/people/{seeker}", "/desk/placements/{placement}",
                                  "/desk/outcomes"])
def test_an_employer_or_member_cannot_open_a_desk_page(outsider, scene, path):
    response = outsider.get(path.format(**scene))
    assert response.status_code == 403 and DISCLOSURE["statement"] not in text(response)


def _unchanged(agency, jo, scene, coordinator) -> tuple:
    placement = placement_now(agency, scene["placement"])
    profiles = agency.client.get("/job-seekers", headers=coordinator.headers).json
    return (len(profiles), len(agency.client.get("/applications", headers=jo.headers).json),
            [c["done_at"] for c in placement["check_ins"]], placement["status"], len(access_log(agency, jo)),
            len(published(agency, "disclosure.read")))


@pytest.mark.parametrize(("path", "form"), [
    ("/desk/people", {"display_name": "Sneaky", "skills": "cooking"}),
    ("/desk/people/{seeker}/put-forward", {"vacancy_id": "{vacancy}"}),
    ("/desk/people/{seeker}/disclosure-reading", {"purpose": "Just curious about her"}),
    ("/desk/people/{seeker}/disclosure-reading", {"purpose": ""}),
    ("/desk/placements/{placement}/check-ins/6w", {"in_work": "no"}),
    ("/desk/placements/{placement}/end", {"ended_on": "2026-03-01", "reason": "dismissed"}),
])
def test_an_employer_or_member_posting_a_desk_form_gets_403_and_nothing_changes(agency, jo, coordinator, outsider,
                                                                               scene, path, form):
    before = _unchanged(agency, jo, scene, coordinator)
    response = outsider.post(path.format(**scene), {name: value.format(**scene) for name, value in form.items()})
    assert response.status_code == 403 and DISCLOSURE["statement"] not in text(response)
    assert _unchanged(agency, jo, scene, coordinator) == before


def test_a_desk_form_without_its_csrf_token_is_refused(agency, jo):
    client = agency.app.test_client()
    client.set_cookie("coop_token", agency.coordinator().headers["Authorization"].removeprefix("Bearer "))
    response = client.post(f"/jobs/desk/people/{seeker_id(agency, jo)}/disclosure-reading",
                           data={"purpose": "Checking a licence condition"})
    assert response.status_code == 401 and access_log(agency, jo) == []
