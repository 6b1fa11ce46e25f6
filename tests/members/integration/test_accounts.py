"""Accounts, signing in and tokens, through the members API."""

import datetime as dt

import jwt
import pytest
from sqlalchemy import select

from services.members.models import Account
from shared.auth import Principal, TokenIssuer
from shared.db import utcnow
from tests.support.factories import PASSWORD


def register(client, email="new@example.org", password="long enough password", **extra):
    return client.post("/accounts", json={"email": email, "password": password,
                                          "display_name": "New Person", **extra})


def sign_in(client, email, password):
    return client.post("/tokens", json={"email": email, "password": password})


def registered_account(coop, email="new@example.org"):
    with coop.runtime.db.sessionmaker() as session:
        return session.scalar(select(Account).where(Account.email == email))


def test_anyone_can_open_a_customer_account(client, coop):
    response = register(client)
    assert response.status_code == 202 and response.json == {"status": "check your email"}
    assert registered_account(coop).roles == ["customer"]


def test_an_account_opened_by_anyone_can_sign_in_before_its_address_is_verified(client):
    register(client)
    assert sign_in(client, "new@example.org", "long enough password").status_code == 201


def test_an_employer_can_open_their_own_account(client, coop):
    register(client, role="employer")
    assert registered_account(coop).roles == ["employer"]


def test_nobody_can_give_themselves_the_coordinator_role_at_registration(client):
    response = register(client, role="coordinator")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "role" in response.json["errors"]


def test_an_email_can_hold_one_account_only(client, coop):
    register(client, email="Twice@Example.org")
    register(client, email="twice@example.org", password="another long password")
    from services.members.accounts import count_accounts
    with coop.runtime.db.sessionmaker() as session:
        assert count_accounts(session) == 1
    assert sign_in(client, "twice@example.org", "another long password").status_code == 401


def test_a_body_that_is_not_json_is_a_400_problem_with_a_detail_not_a_list_of_errors(client):
    # The Problem schema documents ``errors`` as an object of fields; a body that is no JSON at all had
    # it as a list, ["Invalid JSON body."] (found by tests/fuzz).
    response = client.post("/accounts", data="\x00{", content_type="application/json")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert "errors" not in response.json
    assert response.json["detail"] == "Invalid JSON body."


@pytest.mark.parametrize("body, field", [
    ({"password": "long enough password", "display_name": "x"}, "email"),
    ({"email": "not-an-email", "password": "long enough password", "display_name": "x"}, "email"),
    ({"email": "a@example.org", "password": "short", "display_name": "x"}, "password"),
    ({"email": "a@example.org", "password": "long enough password", "display_name": "x" * 121}, "display_name"),
    ({"email": "a@example.org", "password": 12345678901, "display_name": "x"}, "password"),
    ({"email": "a@example.org", "password": "long enough password", "display_name": "x", "admin": True},
     "admin"),
])
def test_bad_registrations_are_refused_field_by_field_and_create_nothing(client, coop, body, field):
    response = client.post("/accounts", json=body)
    assert response.status_code == 422
    assert field in response.json["errors"]
    from services.members.accounts import count_accounts
    with coop.runtime.db.sessionmaker() as session:
        assert count_accounts(session) == 0


def test_a_body_that_is_not_json_is_refused(client):
    response = client.post("/accounts", data="email=a", content_type="application/x-www-form-urlencoded")
    assert 400 <= response.status_code < 500


def test_signing_in_returns_an_rs256_token_naming_the_roles(client, coop):
    person = coop.account("coordinator")
    response = sign_in(client, person.email, PASSWORD)
    assert response.status_code == 201
    token = response.json["access_token"]
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["roles"] == ["coordinator"] and claims["sub"] == str(person.account_id)


def test_the_token_verifies_with_the_published_jwks(client, coop):
    person = coop.account("customer")
    token = sign_in(client, person.email, PASSWORD).json["access_token"]
    keys = client.get("/.well-known/jwks.json").json["keys"]
    key = jwt.PyJWK(keys[0]).key
    claims = jwt.decode(token, key, algorithms=["RS256"], audience="coop")
    assert claims["sub"] == str(person.account_id)


def test_wrong_password_and_unknown_account_get_the_same_answer(client, coop):
    person = coop.account("customer")
    wrong = sign_in(client, person.email, "not the password")
    unknown = sign_in(client, "nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json == unknown.json


def test_sign_in_is_refused_after_too_many_failures_even_with_the_right_password(client, coop):
    person = coop.account("customer")
    for _ in range(coop.settings.login_max_failures):
        assert sign_in(client, person.email, "wrong password").status_code == 401
    response = sign_in(client, person.email, PASSWORD)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0


def test_an_unknown_account_is_rate_limited_the_same_way(client, coop):
    for _ in range(coop.settings.login_max_failures):
        sign_in(client, "ghost@example.org", "wrong password")
    assert sign_in(client, "ghost@example.org", "wrong password").status_code == 429


def test_failures_on_one_account_do_not_lock_another(client, coop):
    victim, other = coop.account("customer"), coop.account("customer")
    for _ in range(coop.settings.login_max_failures):
        sign_in(client, victim.email, "wrong password")
    assert sign_in(client, other.email, PASSWORD).status_code == 201


def test_me_shows_the_signed_in_account(client, coop):
    person = coop.account("customer")
    assert client.get("/accounts/me", headers=person.headers).json["email"] == person.email


def test_me_without_a_token_is_401_problem_json(client):
    response = client.get("/accounts/me")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_an_expired_token_is_refused(client, coop):
    person = coop.account("customer")
    old = coop.issuer.issue(Principal(person.account_id, ("customer",)), now=utcnow() - dt.timedelta(days=1))[0]
    assert client.get("/accounts/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401


def test_a_token_signed_with_another_key_is_refused(client, coop, tmp_path):
    from shared.auth import load_or_create_private_key

    forger = TokenIssuer(load_or_create_private_key(tmp_path / "other.pem"), "coop-members", "coop", 5)
    token, _ = forger.issue(Principal(1, ("admin",)))
    assert client.get("/accounts/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_an_admin_can_make_someone_a_coordinator(client, coop):
    admin, person = coop.account("admin"), coop.account("customer")
    response = client.put(f"/accounts/{person.account_id}/roles", json={"roles": ["coordinator"]},
                          headers=admin.headers)
    assert response.status_code == 200 and response.json["roles"] == ["coordinator"]


@pytest.mark.parametrize("role", ["coordinator", "member", "customer"])
def test_only_an_admin_can_change_roles(client, coop, role):
    caller, person = coop.account(role), coop.account("customer")
    response = client.put(f"/accounts/{person.account_id}/roles", json={"roles": ["admin"]},
                          headers=caller.headers)
    assert response.status_code == 403


def test_unknown_roles_are_refused(client, coop):
    admin, person = coop.account("admin"), coop.account("customer")
    response = client.put(f"/accounts/{person.account_id}/roles", json={"roles": ["king"]},
                          headers=admin.headers)
    assert response.status_code == 422


def test_every_response_carries_the_request_id_it_was_given(client):
    response = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"


def test_a_request_id_is_made_when_none_is_given(client):
    assert len(client.get("/healthz").headers["X-Request-ID"]) >= 16


def test_an_admin_editing_roles_cannot_take_away_a_members_vote(client, coop):
    admin, member = coop.account("admin"), coop.member("producer", "active")
    response = client.put(f"/accounts/{member.account_id}/roles", json={"roles": ["coordinator"]},
                          headers=admin.headers)
    assert response.json["roles"] == ["coordinator", "member"]


def test_membership_roles_cannot_be_given_by_hand(client, coop):
    admin, person = coop.account("admin"), coop.account("customer")
    response = client.put(f"/accounts/{person.account_id}/roles", json={"roles": ["member"]},
                          headers=admin.headers)
    assert response.status_code == 422


def test_an_admin_cannot_take_away_their_own_admin_role(client, coop):
    admin = coop.account("admin")
    response = client.put(f"/accounts/{admin.account_id}/roles", json={"roles": []}, headers=admin.headers)
    assert response.status_code == 409


def test_a_person_can_change_their_password_and_sign_in_with_the_new_one(client, coop):
    person = coop.account("customer")
    response = client.post("/accounts/me/password", headers=person.headers,
                           json={"current_password": PASSWORD, "new_password": "a brand new password"})
    assert response.status_code == 204
    assert sign_in(client, person.email, "a brand new password").status_code == 201
    assert sign_in(client, person.email, PASSWORD).status_code == 401


def test_changing_a_password_needs_the_current_one(client, coop):
    person = coop.account("customer")
    response = client.post("/accounts/me/password", headers=person.headers,
                           json={"current_password": "a guess", "new_password": "a brand new password"})
    assert response.status_code == 403
    assert sign_in(client, person.email, PASSWORD).status_code == 201


@pytest.mark.parametrize("path", ["/accounts/9223372036854775808/roles", "/accounts/2147483648/roles"])
def test_an_id_too_large_for_any_row_is_simply_not_found(client, coop, path):
    admin = coop.account("admin")
    assert client.put(path, json={"roles": []}, headers=admin.headers).status_code == 404


def test_a_page_far_beyond_the_end_is_empty_not_an_error(client, coop):
    coordinator = coop.account("coordinator")
    response = client.get("/members?page=99999999999999999999", headers=coordinator.headers)
    assert response.status_code == 200 and response.json == []


def test_json_nested_too_deeply_is_refused(client):
    response = client.post("/tokens", data="[" * 100_000 + "]" * 100_000, content_type="application/json")
    assert response.status_code == 400 and response.mimetype == "application/problem+json"


def test_an_oversized_body_is_refused(client):
    response = client.post("/accounts", data="x" * (2 * 1024 * 1024), content_type="application/json")
    assert response.status_code == 413 and response.mimetype == "application/problem+json"


@pytest.mark.parametrize("body, named", [
    ('{"email": "a\\u0000b@example.org", "password": "x"}', "NUL"),
    ('{"email": "a@example.org", "password": "x\\u0000"}', "NUL"),
    ('{"email": "nobody@example.org", "password": "\\udc00"}', "surrogate"),
    ('{"email": "\\udc00", "password": "x"}', "surrogate"),
])
def test_text_no_database_can_store_is_refused_before_it_reaches_one(client, body, named):
    response = client.post("/tokens", data=body, content_type="application/json")
    assert response.status_code == 400 and named in response.json["detail"]


def test_an_emoji_written_as_a_surrogate_pair_is_welcome(client):
    response = register(client, display_name=b"Jo \\ud83d\\ude00".decode("unicode_escape"))
    assert response.status_code == 202


def test_errors_are_documented_as_problem_json(client):
    document = client.get("/openapi.json").json
    assert "application/problem+json" in document["components"]["responses"]["DEFAULT_ERROR"]["content"]
