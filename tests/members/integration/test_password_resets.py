"""Resetting a forgotten password: asking (the same answer for any email), the link, its pages."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from services.members.link_tokens import RESET_PASSWORD, VERIFY_EMAIL, fingerprint
from services.members.models import Account, SignInSession
from shared.db import utcnow
from tests.support.factories import PASSWORD
from tests.support.outbox import published

NEW = "a brand new long password"


def ask(client, email):
    return client.post("/accounts/password-reset", json={"email": email})


def reset_token(coop) -> str:
    path = published(coop, "account.password_reset_requested")[-1]["reset_path"]
    return parse_qs(urlsplit(path).query)["token"][0]


def confirm(client, token, password=NEW):
    return client.post("/accounts/password-reset/confirm", json={"token": token, "password": password})


def sign_in(client, email, password):
    return client.post("/tokens", json={"email": email, "password": password})


def form_cookie(client) -> str:
    return client.get_cookie("coop_account_form", path="/account").value


def test_a_known_email_gets_a_reset_link_that_expires_in_an_hour(client, coop):
    person = coop.account("customer")
    response = ask(client, person.email)
    assert response.status_code == 202
    [requested] = published(coop, "account.password_reset_requested")
    assert requested["account_id"] == person.account_id
    assert requested["reset_path"].startswith("/members/account/reset-password?token=")
    lasts = dt.datetime.fromisoformat(requested["expires_at"]) - dt.datetime.fromisoformat(requested["occurred_at"])
    assert lasts == dt.timedelta(hours=1)


def test_an_unknown_email_gets_the_same_answer_and_nothing_is_published(client, coop):
    person = coop.account("customer")
    known, unknown = ask(client, person.email), ask(client, "nobody@example.org")
    assert (unknown.status_code, unknown.json) == (known.status_code, known.json)
    assert unknown.headers.get("Content-Type") == known.headers.get("Content-Type")
    assert len(published(coop, "account.password_reset_requested")) == 1


def test_the_link_sets_the_new_password_and_the_old_one_stops_working(client, coop):
    person = coop.account("customer")
    ask(client, person.email)
    assert confirm(client, reset_token(coop)).status_code == 204
    assert sign_in(client, person.email, NEW).status_code == 201
    assert sign_in(client, person.email, PASSWORD).status_code == 401


def test_a_reset_ends_every_sign_in_of_the_account(client, coop):
    person = coop.account("customer")
    refresh = sign_in(client, person.email, PASSWORD).json["refresh_token"]
    ask(client, person.email)
    confirm(client, reset_token(coop))
    assert client.post("/tokens/refresh", json={"refresh_token": refresh}).status_code == 401
    with coop.runtime.db.sessionmaker() as session:
        assert all(row.revoked_at for row in session.scalars(
            select(SignInSession).where(SignInSession.account_id == person.account_id)))


def test_a_reset_lifts_the_sign_in_limit(client, coop):
    coop.change_settings(login_max_failures=2)
    person = coop.account("customer")
    for _ in range(3):
        sign_in(client, person.email, "not the password")
    ask(client, person.email)
    confirm(client, reset_token(coop))
    assert sign_in(client, person.email, NEW).status_code == 201


def test_the_link_works_once(client, coop):
    person = coop.account("customer")
    ask(client, person.email)
    token = reset_token(coop)
    confirm(client, token)
    response = confirm(client, token, "yet another long password")
    assert response.status_code == 400 and "used already" in response.json["detail"]
    assert sign_in(client, person.email, NEW).status_code == 201


def test_a_link_stops_working_once_the_password_is_changed(client, coop):
    person = coop.account("customer")
    ask(client, person.email)
    token = reset_token(coop)
    client.post("/accounts/me/password", headers=person.headers,
                json={"current_password": PASSWORD, "new_password": "changed it myself meanwhile"})
    assert confirm(client, token).status_code == 400
    assert sign_in(client, person.email, "changed it myself meanwhile").status_code == 201


def test_an_expired_link_is_refused(client, coop):
    person = coop.account("customer")
    with coop.runtime.db.sessionmaker() as session:
        account = session.get(Account, person.account_id)
        bound = fingerprint(account.email, account.password_hash)
    token = coop.runtime.collaborators.link_signer.sign(
        RESET_PASSWORD, person.account_id, bound, utcnow() - dt.timedelta(seconds=1), utcnow() - dt.timedelta(hours=2))
    assert confirm(client, token).status_code == 410
    assert sign_in(client, person.email, PASSWORD).status_code == 201


def test_a_forged_link_is_refused(client, coop):
    person = coop.account("customer")
    ask(client, person.email)
    header, payload, signature = reset_token(coop).split(".")
    assert confirm(client, f"{header}.{payload}.{signature[:-4]}AAAA").status_code == 400
    assert sign_in(client, person.email, PASSWORD).status_code == 201


def test_a_verification_link_cannot_reset_a_password(client, coop):
    person = coop.account("customer")
    token = coop.runtime.collaborators.link_signer.sign(
        VERIFY_EMAIL, person.account_id, fingerprint(person.email), utcnow() + dt.timedelta(hours=1))
    assert confirm(client, token).status_code == 400


def test_the_new_password_must_meet_the_policy(client, coop):
    person = coop.account("customer")
    ask(client, person.email)
    response = confirm(client, reset_token(coop), "password12345678")
    assert response.status_code == 422
    assert confirm(client, reset_token(coop)).status_code == 204  # the link still works


def test_requests_for_one_email_are_limited_known_or_not(client, coop):
    coop.change_settings(password_reset_max_per_email=2)
    person = coop.account("customer")
    for email in (person.email, "nobody@example.org"):
        answers = [ask(client, email).status_code for _ in range(3)]
        assert answers == [202, 202, 429]
    assert len(published(coop, "account.password_reset_requested")) == 2


def test_reset_requests_do_not_use_up_sign_in_attempts(client, coop):
    coop.change_settings(password_reset_max_per_email=50)
    person = coop.account("customer")
    for _ in range(10):
        ask(client, person.email)
    assert sign_in(client, person.email, PASSWORD).status_code == 201


# -- the pages ---------------------------------------------------------------------------------


def test_the_sign_in_page_links_to_the_forgot_password_page(client):
    html = client.get("/impact/sign-in").get_data(as_text=True)
    assert 'href="/session/forgot-password"' in html and "Forgot your password?" in html
    assert client.get("/session/forgot-password").headers["Location"].endswith("/account/forgot-password")


def test_every_services_sign_in_page_links_to_the_forgot_password_page_of_the_session_pages(market):
    html = market.client.get("/store/sign-in").get_data(as_text=True)
    assert 'href="/members/session/forgot-password"' in html and "Forgot your password?" in html


def test_the_forgot_password_page_is_a_plain_form(client):
    page = client.get("/account/forgot-password")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<script" not in html
    assert 'method="post" action="/account/forgot-password"' in html and 'name="email"' in html


def test_the_forgot_password_form_says_the_same_for_a_known_and_an_unknown_email(client, coop):
    person = coop.account("customer")
    answers = []
    for email in (person.email, "nobody@example.org"):
        client.get("/account/forgot-password")
        response = client.post("/account/forgot-password", data={"csrf": form_cookie(client), "email": email})
        answers.append((response.status_code, response.get_data(as_text=True)))
    assert answers[0] == answers[1] and answers[0][0] == 200
    assert "If an account exists for that address, we have sent a link" in answers[0][1]
    assert len(published(coop, "account.password_reset_requested")) == 1


def test_the_forgot_password_form_without_its_token_is_refused(client, coop):
    person = coop.account("customer")
    response = client.post("/account/forgot-password", data={"csrf": "forged", "email": person.email})
    assert response.status_code == 403 and published(coop, "account.password_reset_requested") == []


def test_the_reset_page_asks_for_the_new_password_twice_and_sets_it(client, coop):
    person = coop.account("customer")
    ask(client, person.email)
    token = reset_token(coop)
    page = client.get(f"/account/reset-password?token={token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="password"' in html and 'name="password_again"' in html
    response = client.post("/account/reset-password", data={"csrf": form_cookie(client), "token": token,
                                                            "password": NEW, "password_again": NEW})
    assert response.status_code == 200 and "new password is set" in response.get_data(as_text=True)
    assert sign_in(client, person.email, NEW).status_code == 201


def test_the_reset_page_refuses_two_different_passwords(client, coop):
    person = coop.account("customer")
    ask(client, person.email)
    token = reset_token(coop)
    client.get(f"/account/reset-password?token={token}")
    response = client.post("/account/reset-password", data={"csrf": form_cookie(client), "token": token,
                                                            "password": NEW, "password_again": NEW + "x"})
    assert response.status_code == 422 and "not the same" in response.get_data(as_text=True)
    assert sign_in(client, person.email, PASSWORD).status_code == 201


def test_a_used_reset_link_shows_a_page_to_ask_for_a_new_one(client, coop):
    person = coop.account("customer")
    ask(client, person.email)
    token = reset_token(coop)
    confirm(client, token)
    page = client.get(f"/account/reset-password?token={token}")
    assert page.status_code == 400 and 'href="/account/forgot-password"' in page.get_data(as_text=True)
