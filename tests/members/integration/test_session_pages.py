"""Signing in, staying signed in and signing out on the pages: a plain form posted to the members
service, cookies it sets, an expired access cookie renewed through the members refresh page, and a
sign-out that really ends the sign-in."""

import datetime as dt
import re

import pytest

from shared.auth import Principal
from shared.db import utcnow
from tests.support.factories import PASSWORD


def sign_in_page(client, path="/impact/sign-in", **query):
    return client.get(path, query_string=query)


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def post_sign_in(client, email, password=PASSWORD, next_path="/impact/", **extra):
    """Open the sign-in page (its double-submit cookie), then post its form as a browser would."""
    html = sign_in_page(client, next=next_path).get_data(as_text=True)
    form = {"csrf": hidden(html, "csrf"), "next": hidden(html, "next"), "email": email, "password": password}
    return client.post("/session/sign-in", data={**form, **extra.pop("form", {})}, **extra)


def cookie_headers(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


@pytest.fixture
def coordinator(coop):
    return coop.coordinator()


def test_the_sign_in_page_is_a_plain_form_posted_to_the_members_session_page(client):
    html = sign_in_page(client, next="/impact/").get_data(as_text=True)
    assert "<script" not in html
    assert 'method="post" action="/session/sign-in"' in html
    assert hidden(html, "next") == "/impact/"


def test_other_services_sign_in_forms_post_to_the_members_service(market, desk, agency):
    for app_client, path in ((market.client, "/store/sign-in"), (desk.client, "/desk/sign-in"),
                             (agency.client, "/jobs/sign-in")):
        html = app_client.get(path).get_data(as_text=True)
        assert 'action="/members/session/sign-in"' in html and "<script" not in html
        assert "Path=/members/session" in app_client.get(path).headers["Set-Cookie"]


def test_the_right_password_sets_both_cookies_and_goes_to_next(client, coordinator):
    response = post_sign_in(client, coordinator.email, next_path="/impact/print")
    assert response.status_code == 303 and response.headers["Location"] == "/impact/print"
    cookies = cookie_headers(response)
    for name, path in (("coop_token", "/"), ("coop_refresh", "/session")):
        assert f"Path={path}" in cookies[name] and "HttpOnly" in cookies[name]
        assert "SameSite=Strict" in cookies[name]
    assert client.get("/impact/print").status_code == 200


def test_a_wrong_password_shows_the_form_again_with_the_email_and_a_message(client, coordinator):
    response = post_sign_in(client, coordinator.email, "not the password")
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert hidden(html, "next") == "/impact/" and f'value="{coordinator.email}"' in html
    assert "do not match an account" in html and "coop_token" not in cookie_headers(response)


def test_the_sign_in_limits_apply_to_the_form(client, coordinator, coop, monkeypatch):
    coop.change_settings(login_max_failures=2)
    for _ in range(2):
        post_sign_in(client, coordinator.email, "not the password")
    response = post_sign_in(client, coordinator.email)
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert "Too many failed" in response.get_data(as_text=True)


def test_a_sign_in_form_without_its_double_submit_token_is_refused(coop, coordinator):
    client = coop.app.test_client()  # never opened the form, so it has no sign-in cookie
    response = client.post("/session/sign-in", data={"csrf": "x" * 43, "next": "/impact/",
                                                     "email": coordinator.email, "password": PASSWORD})
    assert response.status_code == 403 and "coop_token" not in cookie_headers(response)


def test_a_sign_in_posted_from_another_site_is_refused(client, coordinator):
    response = post_sign_in(client, coordinator.email, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403 and "coop_token" not in cookie_headers(response)


def test_a_sign_in_the_browser_says_came_from_another_site_is_refused(client, coordinator):
    response = post_sign_in(client, coordinator.email, headers={"Sec-Fetch-Site": "cross-site",
                                                                 "Origin": "http://localhost"})
    assert response.status_code == 403 and "coop_token" not in cookie_headers(response)


@pytest.mark.parametrize("headers", [{"Origin": "http://localhost"}, {"Sec-Fetch-Site": "same-origin"},
                                     # Behind the gateway the Host it forwards has no port; the Origin has.
                                     {"Origin": "http://localhost:8080"}])
def test_a_sign_in_posted_from_this_site_is_taken(client, coordinator, headers):
    assert post_sign_in(client, coordinator.email, headers=headers).status_code == 303


def test_a_suspended_members_sign_in_through_the_form_has_no_member_role(coop, client):
    suspended = coop.member(status="suspended")
    post_sign_in(client, suspended.email)
    token = client.get_cookie("coop_token").value
    assert "member" not in coop.app.extensions["coop_verifier"].verify(token).roles


def expire_access_cookie(coop, client):
    """Swap the access cookie for one of the same sign-in that ran out ten minutes ago."""
    verifier = coop.app.extensions["coop_verifier"]
    principal = verifier.verify(client.get_cookie("coop_token").value)
    expired, _ = coop.issuer.issue(principal, now=utcnow() - dt.timedelta(minutes=15))
    client.set_cookie("coop_token", expired)
    return expired


def test_an_expired_access_cookie_is_renewed_through_the_refresh_page_and_back(coop, client, coordinator):
    post_sign_in(client, coordinator.email)
    expired = expire_access_cookie(coop, client)
    response = client.get("/impact/print")
    assert response.status_code == 307
    assert response.headers["Location"] == "/session/refresh?next=%2Fimpact%2Fprint"
    back = client.get(response.headers["Location"])
    assert back.status_code == 307 and back.headers["Location"] == "/impact/print"
    assert client.get_cookie("coop_token").value != expired
    assert client.get("/impact/print").status_code == 200


def test_a_form_sent_with_an_expired_access_cookie_still_carries_a_good_csrf_token(coop, client, coordinator):
    post_sign_in(client, coordinator.email)
    csrf = hidden(client.get("/impact/").get_data(as_text=True), "csrf")
    expire_access_cookie(coop, client)
    response = client.post("/impact/sign-out", data={"csrf": csrf})
    while response.status_code == 307:  # as a browser does: the same method and form, to the new place
        response = client.post(response.headers["Location"], data={"csrf": csrf})
    assert response.status_code == 303 and client.get_cookie("coop_token") is None


def test_without_a_refresh_cookie_an_expired_sign_in_goes_to_the_sign_in_page(coop, client, coordinator):
    post_sign_in(client, coordinator.email)
    expire_access_cookie(coop, client)
    client.delete_cookie("coop_refresh", path="/session")
    response = client.get("/impact/", follow_redirects=True)
    assert response.request.path == "/impact/sign-in" and client.get_cookie("coop_token") is None


def test_another_services_page_with_an_expired_cookie_goes_to_the_members_refresh_page(market, coop):
    token, _ = coop.issuer.issue(Principal(1, ("customer",), session_id="f" * 32),
                                 now=utcnow() - dt.timedelta(minutes=15))
    client = market.app.test_client()
    client.set_cookie("coop_token", token)
    response = client.get("/store/orders")
    assert response.status_code == 307
    assert response.headers["Location"] == "/members/session/refresh?next=%2Fstore%2Forders"


def test_signing_out_revokes_the_refresh_token_and_clears_both_cookies(coop, client, coordinator):
    post_sign_in(client, coordinator.email)
    refresh_token = client.get_cookie("coop_refresh", path="/session").value
    csrf = hidden(client.get("/impact/").get_data(as_text=True), "csrf")
    handed_over = client.post("/impact/sign-out", data={"csrf": csrf})
    assert handed_over.status_code == 307
    response = client.post(handed_over.headers["Location"], data={"csrf": csrf})
    assert response.status_code == 303 and response.headers["Location"] == "/impact/"
    assert client.get_cookie("coop_token") is None and client.get_cookie("coop_refresh", path="/session") is None
    assert client.post("/tokens/refresh", json={"refresh_token": refresh_token}).status_code == 401
    assert client.get("/impact/").status_code == 302  # to the sign-in page


def test_signing_out_without_the_csrf_token_changes_nothing(coop, client, coordinator):
    post_sign_in(client, coordinator.email)
    refresh_token = client.get_cookie("coop_refresh", path="/session").value
    assert client.post("/session/sign-out", data={"csrf": "0" * 64}).status_code == 401
    assert client.post("/tokens/refresh", json={"refresh_token": refresh_token}).status_code == 201


def test_after_suspension_the_pages_refresh_signs_her_out(coop, client):
    member = coop.member()
    post_sign_in(client, member.email)
    coordinator = coop.coordinator()
    client.application.test_client().post(f"/members/{member.member_id}/suspend", json={"reason": "unpaid"},
                                           headers=coordinator.headers)
    expire_access_cookie(coop, client)
    response = client.get("/session/refresh?next=/impact/")
    assert response.status_code == 303 and client.get_cookie("coop_token") is None
