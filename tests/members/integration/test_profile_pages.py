"""Anyone's own account in pages: signing up as a customer or an employer organisation (the same answer
whether the email is taken), her account page, changing her name and her password, a new verification link."""

from sqlalchemy import select

from services.members.models import Account
from shared.auth import Principal
from tests.support.account_pages import PageBrowser, hidden
from tests.support.factories import PASSWORD, Person
from tests.support.outbox import published

NEW_PASSWORD = "a longer passphrase for spring 42"


def sign_up(coop, browser=None, headers=None, **form):
    browser = browser or PageBrowser(coop)
    data = {"role": "customer", "display_name": "Nell Newcomer", "email": "nell@example.org", "password": PASSWORD,
            **form}
    return browser.submit("/account/sign-up", "/account/sign-up", data, headers=headers or {})


def account_of(coop, email):
    with coop.runtime.db.sessionmaker() as session:
        return session.scalar(select(Account).where(Account.email == email))


def signed_in_as(coop, account) -> Person:
    token, _ = coop.issuer.issue(Principal(account.id, tuple(account.roles)))
    return Person(account.id, account.email, tuple(account.roles), {"Authorization": f"Bearer {token}"})


def test_the_sign_up_page_is_a_plain_form_for_a_customer_or_an_employer(coop):
    html = PageBrowser(coop).text("/account/sign-up")
    assert 'method="post" action="/account/sign-up"' in html
    assert 'value="customer" checked' in html and 'value="employer"' in html
    assert 'value="member"' not in html and 'value="coordinator"' not in html


def test_signing_up_as_a_customer_opens_an_unverified_account_and_sends_a_link(coop):
    response = sign_up(coop)
    assert response.status_code == 303 and response.headers["Location"] == "/account/check-your-email"
    account = account_of(coop, "nell@example.org")
    assert account.roles == ["customer"] and account.email_verified_at is None
    assert account.display_name == "Nell Newcomer"
    assert [event["account_id"] for event in published(coop, "account.verification_requested")] == [account.id]


def test_the_page_after_signing_up_says_check_your_email(coop):
    browser = PageBrowser(coop)
    sign_up(coop, browser)
    assert "Check your email" in browser.text("/account/check-your-email")


def test_signing_up_as_an_employer_organisation_gives_the_employer_role(coop):
    sign_up(coop, role="employer", email="hr@greenkitchen.example", display_name="Green Kitchen")
    assert account_of(coop, "hr@greenkitchen.example").roles == ["employer"]


def test_a_taken_email_gets_the_same_answer_and_its_owner_is_told(coop):
    owner = coop.account("customer")
    response = sign_up(coop, email=owner.email, display_name="Someone Else")
    assert response.status_code == 303 and response.headers["Location"] == "/account/check-your-email"
    assert account_of(coop, owner.email).display_name == "Test Person"
    assert [event["account_id"] for event in published(coop, "account.registration_repeated")] == [owner.account_id]


def test_a_weak_password_shows_the_form_again_with_what_was_typed(coop):
    response = sign_up(coop, password="aaaaaaaaaaaaaaaa", role="employer")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'role="alert"' in html
    assert 'value="nell@example.org"' in html and 'value="Nell Newcomer"' in html
    assert 'value="employer" checked' in html and "aaaaaaaaaaaaaaaa" not in html
    assert account_of(coop, "nell@example.org") is None


def test_a_short_password_is_said_in_the_forms_words(coop):
    html = sign_up(coop, password="short").get_data(as_text=True)
    assert "the password (at least 15 characters)" in html


def test_no_one_can_sign_themselves_up_as_a_coordinator(coop):
    for role in ("coordinator", "admin", "member", "agency"):
        assert sign_up(coop, role=role, email=f"{role}@example.org").status_code == 422
        assert account_of(coop, f"{role}@example.org") is None


def test_a_sign_up_without_the_forms_own_token_is_refused(coop):
    response = PageBrowser(coop).client.post("/account/sign-up", data={
        "csrf": "x" * 43, "role": "customer", "display_name": "Nell", "email": "nell@example.org",
        "password": PASSWORD})
    assert response.status_code == 403 and account_of(coop, "nell@example.org") is None


def test_a_sign_up_sent_from_another_site_is_refused(coop):
    response = sign_up(coop, headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403 and account_of(coop, "nell@example.org") is None


def test_the_account_page_sends_a_visitor_to_sign_in_and_back(coop):
    response = PageBrowser(coop).get("/account/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/sign-in?next=/account/"


def test_the_account_page_shows_her_own_email_name_and_roles(coop):
    person = coop.account("employer")
    html = PageBrowser(coop, person).text("/account/")
    assert person.email in html and 'value="Test Person"' in html and "Employer" in html
    assert "(verified)" in html and "Send me a new link" not in html


def test_changing_her_name_saves_it_and_says_so(coop):
    person = coop.account("customer")
    browser = PageBrowser(coop, person)
    response = browser.submit("/account/", "/account/name", {"display_name": "Cass the Customer"})
    assert response.status_code == 303 and response.headers["Location"] == "/account/?done=name"
    assert "Your name is saved." in browser.text("/account/", done="name")
    assert coop.client.get("/accounts/me", headers=person.headers).json["display_name"] == "Cass the Customer"
    assert published(coop, "account.renamed", account_id=person.account_id)[0]["display_name"] == "Cass the Customer"


def test_a_blank_name_is_refused_with_the_form_again(coop):
    person = coop.account("customer")
    response = PageBrowser(coop, person).submit("/account/", "/account/name", {"display_name": "   "})
    assert response.status_code == 422 and 'role="alert"' in response.get_data(as_text=True)
    assert account_of(coop, person.email).display_name == "Test Person"
    assert published(coop, "account.renamed") == []


def test_the_name_form_renames_only_the_signed_in_account_whatever_id_it_carries(coop):
    person, other = coop.account("customer"), coop.account("customer")
    PageBrowser(coop, person).submit("/account/", "/account/name",
                                     {"display_name": "Mine", "account_id": other.account_id, "id": other.account_id})
    assert account_of(coop, other.email).display_name == "Test Person"
    assert account_of(coop, person.email).display_name == "Mine"


def test_a_name_change_without_the_csrf_token_is_refused(coop):
    person = coop.account("customer")
    response = PageBrowser(coop, person).client.post("/account/name", data={"display_name": "Mine"})
    assert response.status_code == 401 and account_of(coop, person.email).display_name == "Test Person"


def test_the_done_flag_says_only_fixed_words(coop):
    html = PageBrowser(coop, coop.account("customer")).text("/account/", done="<b>You won</b>")
    assert "You won" not in html and 'role="status"' not in html


def test_the_api_changes_her_name_too(coop):
    person = coop.account("customer")
    response = coop.client.patch("/accounts/me", json={"display_name": "Jo Bird"}, headers=person.headers)
    assert response.status_code == 200 and response.json["display_name"] == "Jo Bird"
    assert coop.client.patch("/accounts/me", json={"display_name": " "}, headers=person.headers).status_code == 422


def change_password(coop, person, current=PASSWORD, new=NEW_PASSWORD, again=None):
    return PageBrowser(coop, person).submit("/account/password", "/account/password", {
        "current_password": current, "new_password": new, "new_password_again": new if again is None else again})


def signs_in_with(coop, email, password) -> bool:
    return coop.client.post("/tokens", json={"email": email, "password": password}).status_code == 201


def test_changing_her_password_with_the_current_one_sets_the_new_one(coop):
    person = coop.account("customer")
    response = change_password(coop, person)
    assert response.status_code == 303 and response.headers["Location"] == "/account/?done=password"
    assert signs_in_with(coop, person.email, NEW_PASSWORD) and not signs_in_with(coop, person.email, PASSWORD)


def test_a_wrong_current_password_changes_nothing_and_says_so(coop):
    person = coop.account("customer")
    response = change_password(coop, person, current="not my password at all")
    html = response.get_data(as_text=True)
    assert response.status_code == 403 and "current password is not right" in html and 'role="alert"' in html
    assert signs_in_with(coop, person.email, PASSWORD)


def test_two_different_new_passwords_change_nothing(coop):
    person = coop.account("customer")
    response = change_password(coop, person, again=NEW_PASSWORD + "!")
    assert response.status_code == 422 and "not the same" in response.get_data(as_text=True)
    assert signs_in_with(coop, person.email, PASSWORD)


def test_a_weak_new_password_is_refused_with_the_policys_reason(coop):
    person = coop.account("customer")
    response = change_password(coop, person, new="aaaaaaaaaaaaaaaa")
    assert response.status_code == 422 and 'role="alert"' in response.get_data(as_text=True)
    assert signs_in_with(coop, person.email, PASSWORD)


def test_too_many_wrong_current_passwords_are_limited(coop):
    coop.change_settings(login_max_failures=2)
    person = coop.account("customer")
    for _ in range(2):
        change_password(coop, person, current="not my password at all")
    response = change_password(coop, person)
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert "Too many wrong passwords" in response.get_data(as_text=True)


def test_the_password_page_never_shows_a_password_back(coop):
    person = coop.account("customer")
    html = change_password(coop, person, current="my secret old one", again="x").get_data(as_text=True)
    assert "my secret old one" not in html and NEW_PASSWORD not in html


def test_an_unverified_account_can_ask_for_a_new_link_from_its_page(coop):
    sign_up(coop)
    person = signed_in_as(coop, account_of(coop, "nell@example.org"))
    browser = PageBrowser(coop, person)
    assert "(not verified yet)" in browser.text("/account/")
    response = browser.submit("/account/", "/account/verification", {})
    assert response.status_code == 303 and response.headers["Location"] == "/account/?done=link"
    assert len(published(coop, "account.verification_requested", account_id=person.account_id)) == 2


def test_too_many_requests_for_a_new_link_are_said_on_the_page(coop):
    coop.change_settings(password_reset_max_per_email=1)
    sign_up(coop)
    browser = PageBrowser(coop, signed_in_as(coop, account_of(coop, "nell@example.org")))
    browser.submit("/account/", "/account/verification", {})
    response = browser.submit("/account/", "/account/verification", {})
    assert response.status_code == 429 and "Too many requests for a new link" in response.get_data(as_text=True)


def test_the_sign_up_form_carries_its_double_submit_token(coop):
    browser = PageBrowser(coop)
    html = browser.text("/account/sign-up")
    assert browser.client.get_cookie("coop_account_form", path="/account").value == hidden(html, "csrf")


def test_after_verifying_her_address_sign_in_leads_to_her_account(coop):
    browser = PageBrowser(coop)
    sign_up(coop, browser)
    [link] = published(coop, "account.verification_requested")
    path = link["verify_path"].removeprefix("/members")
    html = browser.submit(path, "/account/verify-email", {"token": hidden(browser.text(path), "token")}).get_data(
        as_text=True)
    assert "Email address verified" in html and 'href="/account/sign-in"' in html
    assert browser.get("/account/sign-in").status_code == 200
    assert hidden(browser.text("/account/sign-in"), "next") == "/account/"


def test_the_account_page_links_to_joining_or_to_her_application(coop):
    assert 'href="/join/"' in PageBrowser(coop, coop.account("customer")).text("/account/")
    assert 'href="/join/my-application"' in PageBrowser(coop, coop.member(status="applicant")).text("/account/")
