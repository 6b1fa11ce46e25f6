"""Verifying an email address: the signed link sent on self-registration, its page, and asking again."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select, update

from services.members import email_verification
from services.members.link_tokens import RESET_PASSWORD, VERIFY_EMAIL, fingerprint
from services.members.models import Account
from shared.auth import Principal
from shared.db import utcnow
from tests.support.outbox import published

EMAIL = "new@example.org"


def register(client, email=EMAIL):
    return client.post("/accounts", json={"email": email, "password": "long enough password",
                                          "display_name": "New Person"})


def account_of(coop, email=EMAIL) -> Account:
    with coop.runtime.db.sessionmaker() as session:
        return session.scalar(select(Account).where(Account.email == email))


def sent_link(coop) -> str:
    """The page path of the last verification link (the site's path, less the service's mount)."""
    path = published(coop, "account.verification_requested")[-1]["verify_path"]
    return path.removeprefix("/members")


def token_of(path: str) -> str:
    return parse_qs(urlsplit(path).query)["token"][0]


def confirm(client, path):
    """Open the link's page (a button), then press it, as a browser does (a refused link's page has no
    button: the form is sent anyway, with the page's form cookie, as a second tab's would be)."""
    client.get(path)
    csrf = client.get_cookie("coop_account_form", path="/account").value
    return client.post("/account/verify-email", data={"csrf": csrf, "token": token_of(path)})


def test_self_registration_publishes_an_unverified_account_and_a_link_that_expires_in_48_hours(client, coop):
    register(client)
    [registered] = published(coop, "account.registered")
    [requested] = published(coop, "account.verification_requested")
    assert registered["email_verified"] is False
    assert requested["account_id"] == registered["account_id"]
    assert requested["verify_path"].startswith("/members/account/verify-email?token=")
    expires = dt.datetime.fromisoformat(requested["expires_at"]) - dt.datetime.fromisoformat(requested["occurred_at"])
    assert expires == dt.timedelta(hours=48)
    assert EMAIL not in requested["verify_path"]


def test_an_account_made_by_an_administrator_is_verified_at_creation(coop):
    person = coop.account("coordinator")
    [registered] = published(coop, "account.registered", account_id=person.account_id)
    assert registered["email_verified"] is True and account_of(coop, person.email).email_verified_at is not None
    assert published(coop, "account.verification_requested") == []


def test_the_links_page_shows_a_button_and_changes_nothing_until_it_is_pressed(client, coop):
    register(client)
    page = client.get(sent_link(coop))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'method="post"' in html and "<script" not in html
    assert account_of(coop).email_verified_at is None


def test_pressing_the_button_verifies_the_address_and_publishes_it_once(client, coop):
    register(client)
    response = confirm(client, sent_link(coop))
    assert response.status_code == 200 and "is verified" in response.get_data(as_text=True)
    assert account_of(coop).email_verified_at is not None
    assert published(coop, "account.email_verified") == [
        {"account_id": account_of(coop).id, "occurred_at": published(coop, "account.email_verified")[0]["occurred_at"]}]


def test_using_the_link_again_says_already_verified_and_publishes_nothing_more(client, coop):
    register(client)
    confirm(client, sent_link(coop))
    response = confirm(client, sent_link(coop))
    assert response.status_code == 200 and "already verified" in response.get_data(as_text=True)
    assert len(published(coop, "account.email_verified")) == 1


def test_an_expired_link_is_refused_and_changes_nothing(client, coop):
    register(client)
    account = account_of(coop)
    signer = coop.runtime.collaborators.link_signer
    token = signer.sign(VERIFY_EMAIL, account.id, fingerprint(EMAIL), utcnow() - dt.timedelta(seconds=1),
                        utcnow() - dt.timedelta(hours=49))
    response = confirm(client, f"/account/verify-email?token={token}")
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)
    assert account_of(coop).email_verified_at is None and published(coop, "account.email_verified") == []


def test_a_forged_link_is_refused_and_changes_nothing(client, coop):
    register(client)
    header, payload, signature = token_of(sent_link(coop)).split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    assert client.get(f"/account/verify-email?token={forged}").status_code == 400
    response = confirm(client, f"/account/verify-email?token={forged}")
    assert response.status_code == 400 and "not valid" in response.get_data(as_text=True)
    assert account_of(coop).email_verified_at is None


def test_a_link_signed_by_another_key_is_refused(client, coop):
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    register(client)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = jwt.decode(token_of(sent_link(coop)), options={"verify_signature": False})
    forged = jwt.encode(claims, other, algorithm="RS256")
    assert confirm(client, f"/account/verify-email?token={forged}").status_code == 400
    assert account_of(coop).email_verified_at is None


def test_a_link_for_another_purpose_is_refused(client, coop):
    register(client)
    account = account_of(coop)
    signer = coop.runtime.collaborators.link_signer
    reset = signer.sign(RESET_PASSWORD, account.id, fingerprint(EMAIL), utcnow() + dt.timedelta(hours=1))
    access, _ = coop.runtime.collaborators.token_issuer.issue(Principal(account.id, ("customer",)))
    for token in (reset, access):
        assert confirm(client, f"/account/verify-email?token={token}").status_code == 400
    assert account_of(coop).email_verified_at is None


def test_a_link_sent_to_an_address_the_account_no_longer_has_is_refused(client, coop):
    register(client)
    link = sent_link(coop)
    with coop.runtime.db.transaction() as session:
        session.execute(update(Account).where(Account.email == EMAIL).values(email="changed@example.org"))
    response = confirm(client, link)
    assert response.status_code == 400 and "no longer" in response.get_data(as_text=True)
    assert account_of(coop, "changed@example.org").email_verified_at is None


def test_a_link_token_is_no_access_token(client, coop):
    register(client)
    response = client.get("/accounts/me", headers={"Authorization": f"Bearer {token_of(sent_link(coop))}"})
    assert response.status_code == 401


def test_she_can_ask_for_the_link_again_once_signed_in(client, coop):
    register(client)
    token = client.post("/tokens", json={"email": EMAIL, "password": "long enough password"}).json["access_token"]
    response = client.post("/accounts/me/verification", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 202
    assert len(published(coop, "account.verification_requested")) == 2
    assert confirm(client, sent_link(coop)).status_code == 200


def test_asking_again_too_often_is_refused_with_a_wait_and_sends_nothing_more(client, coop):
    register(client)
    token = client.post("/tokens", json={"email": EMAIL, "password": "long enough password"}).json["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    allowed = coop.runtime.collaborators.settings.password_reset_max_per_email
    assert [client.post("/accounts/me/verification", headers=headers).status_code
            for _ in range(allowed)] == [202] * allowed
    refused = client.post("/accounts/me/verification", headers=headers)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.content_type == "application/problem+json"
    assert len(published(coop, "account.verification_requested")) == 1 + allowed


def test_asking_again_needs_a_sign_in(client):
    assert client.post("/accounts/me/verification").status_code == 401


def test_asking_again_with_a_verified_address_is_a_conflict(client, coop):
    person = coop.account("customer")
    assert client.post("/accounts/me/verification", headers=person.headers).status_code == 409
    assert published(coop, "account.verification_requested") == []


def test_her_account_says_whether_its_address_is_verified(client, coop):
    register(client)
    token = client.post("/tokens", json={"email": EMAIL, "password": "long enough password"}).json["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/accounts/me", headers=headers).json["email_verified"] is False
    confirm(client, sent_link(coop))
    assert client.get("/accounts/me", headers=headers).json["email_verified"] is True


def test_the_confirmation_without_the_forms_token_is_refused(client, coop):
    register(client)
    response = client.post("/account/verify-email", data={"token": token_of(sent_link(coop)), "csrf": "x"})
    assert response.status_code == 403 and account_of(coop).email_verified_at is None


def test_verifying_in_the_use_case_twice_verifies_once(coop, client):
    register(client)
    token = token_of(sent_link(coop))
    with coop.runtime.db.transaction() as session:
        first = email_verification.verify(session, coop.runtime.collaborators.link_signer, token)
    with coop.runtime.db.transaction() as session:
        second = email_verification.verify(session, coop.runtime.collaborators.link_signer, token)
    assert (first.verified_now, second.verified_now) == (True, False)

