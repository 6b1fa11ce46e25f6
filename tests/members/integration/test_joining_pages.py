"""Joining in pages: how to join, applying as a producer member or a support agency (signed in, as herself
only), and "My application": its status, what she sent and its history, and changing what others read."""

from sqlalchemy import select

from services.members import membership
from services.members.models import Member
from shared.auth import Principal
from tests.support.account_pages import PageBrowser, hidden

APPLICATION = {"kind": "producer", "name": "Bloom & Bake", "sectors": ["catering"],
               "description": "Celebration cakes.", "how_they_came": "Referred by Open Path."}


def apply(coop, person, **changes):
    return PageBrowser(coop, person).submit("/join/apply", "/join/apply", {**APPLICATION, **changes})


def record_of(coop, person):
    with coop.runtime.db.sessionmaker() as session:
        return session.scalar(select(Member).where(Member.account_id == person.account_id))


def decide(coop, person, action, reason):
    coordinator = coop.coordinator()
    with coop.runtime.db.transaction() as session:
        membership.change_status(session, record_of(coop, person).id, action,
                                 Principal(coordinator.account_id, ("coordinator",)), reason)


def test_the_join_page_tells_a_visitor_the_two_ways_and_to_make_an_account_first(coop):
    html = PageBrowser(coop).text("/join/")
    assert "As a producer member" in html and "As a support agency" in html
    assert 'href="/account/sign-up"' in html and 'href="/join/sign-in?next=/join/apply"' in html


def test_the_join_page_offers_a_signed_in_person_the_two_applications(coop):
    html = PageBrowser(coop, coop.account("customer")).text("/join/")
    assert 'href="/join/apply?kind=producer"' in html and 'href="/join/apply?kind=agency"' in html


def test_applying_needs_a_sign_in(coop):
    response = PageBrowser(coop).get("/join/apply")
    assert response.status_code == 302 and response.headers["Location"] == "/join/sign-in?next=/join/apply"


def test_the_application_form_starts_with_the_kind_chosen(coop):
    html = PageBrowser(coop, coop.account("customer")).text("/join/apply", kind="agency")
    assert 'value="agency" checked' in html and 'value="producer" checked' not in html


def test_applying_as_a_producer_records_an_application_and_shows_it_pending(coop):
    person = coop.account("customer")
    response = apply(coop, person)
    assert response.status_code == 303 and response.headers["Location"] == "/join/my-application?done=applied"
    member = record_of(coop, person)
    assert (member.kind, member.status, member.name, member.sectors) == ("producer", "applicant", "Bloom & Bake",
                                                                         ["catering"])
    html = PageBrowser(coop, person).text("/join/my-application", done="applied")
    assert "your application is sent" in html and "Waiting for a coordinator to look at it" in html
    assert "Bloom &amp; Bake" in html and "Referred by Open Path." in html and "<td>Applied</td>" in html


def test_applying_as_a_support_agency_records_an_agency_application(coop):
    person = coop.account("customer")
    apply(coop, person, kind="agency", name="New Roots Trust", sectors=[])
    assert (record_of(coop, person).kind, record_of(coop, person).sectors) == ("agency", [])


def test_the_application_made_in_the_page_is_hers_through_the_api(coop):
    person = coop.account("customer")
    apply(coop, person)
    mine = coop.client.get("/members/me", headers=person.headers).json
    assert mine["status"] == "applicant" and mine["name"] == "Bloom & Bake"


def test_an_application_without_a_name_shows_the_form_again_with_what_was_typed(coop):
    person = coop.account("customer")
    response = apply(coop, person, name="  ")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'role="alert"' in html and "Give the name" in html
    assert "Celebration cakes." in html and "Referred by Open Path." in html
    assert 'value="catering" checked' in html and 'value="producer" checked' in html
    assert record_of(coop, person) is None


def test_an_unknown_kind_or_sector_is_refused(coop):
    person = coop.account("customer")
    assert apply(coop, person, kind="coordinator").status_code == 422
    assert apply(coop, person, sectors=["weapons"]).status_code == 422
    assert record_of(coop, person) is None


def test_a_second_application_is_refused_and_the_first_stays(coop):
    person = coop.account("customer")
    apply(coop, person)
    browser = PageBrowser(coop, person)
    assert browser.get("/join/apply").headers["Location"] == "/join/my-application"
    response = browser.client.post("/join/apply", data={**APPLICATION, "name": "Another",
                                                       "csrf": hidden(browser.text("/join/"), "csrf")})
    assert response.status_code == 409 and "already has a membership" in response.get_data(as_text=True)
    assert record_of(coop, person).name == "Bloom & Bake"


def test_an_application_without_the_csrf_token_is_refused(coop):
    person = coop.account("customer")
    response = PageBrowser(coop, person).client.post("/join/apply", data=APPLICATION)
    assert response.status_code == 401 and record_of(coop, person) is None


def test_the_application_is_the_signed_in_persons_whatever_account_the_form_names(coop):
    person, other = coop.account("customer"), coop.account("customer")
    apply(coop, person, account_id=other.account_id)
    assert record_of(coop, person) is not None and record_of(coop, other) is None


def test_my_application_says_when_she_has_not_applied(coop):
    html = PageBrowser(coop, coop.account("customer")).text("/join/my-application")
    assert "You have not applied" in html and 'href="/join/apply"' in html


def test_my_application_shows_only_her_own_whatever_the_query_names(coop):
    applicant = coop.member(status="applicant", name="Secret Shop")
    html = PageBrowser(coop, coop.account("customer")).text("/join/my-application", member_id=applicant.member_id,
                                                            id=applicant.member_id)
    assert "Secret Shop" not in html and "Referred by a probation officer." not in html


def test_my_application_needs_a_sign_in(coop):
    response = PageBrowser(coop).get("/join/my-application")
    assert response.status_code == 302 and response.headers["Location"].startswith("/join/sign-in?next=")


def test_a_declined_applicant_sees_it_and_the_reason_and_cannot_change_it(coop):
    person = coop.account("customer")
    apply(coop, person)
    decide(coop, person, "decline", "We could not reach you to talk it over.")
    browser = PageBrowser(coop, person)
    html = browser.text("/join/my-application")
    assert "<strong>Declined</strong>" in html and "We could not reach you to talk it over." in html
    assert 'id="change-application"' not in html
    token = hidden(browser.text("/join/"), "csrf")
    response = browser.client.post("/join/my-application", data={"csrf": token, "name": "New name",
                                                                  "sectors": ["cards"], "description": ""})
    assert response.status_code == 409 and record_of(coop, person).name == "Bloom & Bake"


def test_an_admitted_member_sees_her_number_and_share(coop):
    person = coop.account("customer")
    apply(coop, person)
    decide(coop, person, "admit", "Welcome")
    html = PageBrowser(coop, person).text("/join/my-application")
    number = record_of(coop, person).member_number
    assert "Admitted: you are a member" in html and f"member number {number}" in html and "£1.00" in html
    assert "<td>Admitted</td>" in html and "<td>Welcome</td>" in html


def test_she_changes_the_name_sectors_and_description_of_her_application(coop):
    person = coop.account("customer")
    apply(coop, person)
    response = PageBrowser(coop, person).submit("/join/my-application", "/join/my-application", {
        "name": "Bloom & Bake Cakes", "sectors": ["catering", "crafts"], "description": "Cakes and sugar flowers."})
    assert response.status_code == 303 and response.headers["Location"] == "/join/my-application?done=saved"
    member = record_of(coop, person)
    assert (member.name, member.sectors, member.description) == ("Bloom & Bake Cakes", ["catering", "crafts"],
                                                                 "Cakes and sugar flowers.")
    assert "Referred by Open Path." == member.how_they_came


def test_a_blank_name_in_the_change_keeps_what_was_typed(coop):
    person = coop.account("customer")
    apply(coop, person)
    response = PageBrowser(coop, person).submit("/join/my-application", "/join/my-application", {
        "name": "", "sectors": ["crafts"], "description": "Typed words."})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Typed words." in html and 'value="crafts" checked' in html
    assert record_of(coop, person).name == "Bloom & Bake"


def test_the_join_page_tells_a_member_she_is_one(coop):
    html = PageBrowser(coop, coop.member()).text("/join/")
    assert "You are a member of the co-op" in html and 'href="/join/apply' not in html
