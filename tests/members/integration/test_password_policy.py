"""Weak passwords are refused when set (registration, change, reset), never when signing in."""

import pytest
from sqlalchemy import select

from services.members import accounts
from services.members.models import Account
from shared.errors import Unprocessable
from tests.support.cli import run_coop
from tests.support.factories import PASSWORD

WEAK = {
    "ten letters (the attack)": "aaaaaaaaaa",
    "ten spaces (the attack)": " " * 10,
    "too short for a password used on its own": "trombone lante",
    "only spaces": " " * 20,
    "a common password": "password12345678",
    "a keyboard walk": "qwertyuiopasdfgh",
    "one's own email": "ada.lovelace@example.org",
    "one's own name": "adalovelace12345",
}


def register(client, password, email="ada.lovelace@example.org", display_name="Ada Lovelace"):
    return client.post("/accounts", json={"email": email, "password": password, "display_name": display_name})


def sign_in(client, email, password):
    return client.post("/tokens", json={"email": email, "password": password})


@pytest.mark.parametrize("password", WEAK.values(), ids=WEAK.keys())
def test_registration_refuses_a_weak_password_with_a_422_problem_saying_why(client, coop, password):
    response = register(client, password)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "password" in str(response.json).lower()
    with coop.runtime.db.sessionmaker() as session:
        assert accounts.count_accounts(session) == 0


def test_the_refusal_of_a_common_password_says_what_to_do_instead(client):
    detail = register(client, "password12345678").json["detail"]
    assert "too easy to guess" in detail and "Add another word or two" in detail


def test_the_refusal_of_ones_own_name_says_so(client):
    assert "your own name or email" in register(client, "adalovelace12345").json["detail"]


def test_registration_accepts_a_strong_password(client):
    assert register(client, "trombone lantern quietly").status_code == 202


@pytest.mark.parametrize("password", WEAK.values(), ids=WEAK.keys())
def test_a_password_change_refuses_a_weak_new_password_and_keeps_the_old_one(client, coop, password):
    person = coop.account("customer", email="ada.lovelace@example.org")
    response = client.post("/accounts/me/password", headers=person.headers,
                           json={"current_password": PASSWORD, "new_password": password})
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert sign_in(client, person.email, PASSWORD).status_code == 201


def test_trying_weak_new_passwords_uses_up_no_sign_in_attempts(client, coop, settings):
    person = coop.account("customer")
    for _ in range(coop.settings.login_max_failures + 2):
        client.post("/accounts/me/password", headers=person.headers,
                    json={"current_password": PASSWORD, "new_password": "aaaaaaaaaaaaaaaa"})
    assert sign_in(client, person.email, PASSWORD).status_code == 201


def test_a_password_change_accepts_a_strong_new_password(client, coop):
    person = coop.account("customer")
    response = client.post("/accounts/me/password", headers=person.headers,
                           json={"current_password": PASSWORD, "new_password": "trombone lantern quietly"})
    assert response.status_code == 204
    assert sign_in(client, person.email, "trombone lantern quietly").status_code == 201


def test_an_operators_reset_refuses_a_weak_password(coop):
    person = coop.account("customer")
    with pytest.raises(Unprocessable), coop.runtime.db.transaction() as session:
        accounts.reset_password(session, person.email, "aaaaaaaaaaaaaaa")


def test_an_administrator_cannot_create_an_account_with_a_weak_password(coop):
    with pytest.raises(Unprocessable), coop.runtime.db.transaction() as session:
        accounts.create_account(session, "cora@example.org", "password12345678", "Cora", ["coordinator"])


@pytest.mark.parametrize("command", [
    ("create-account", "--email", "cora@example.org", "--name", "Cora", "--role", "coordinator"),
    ("reset-password", "--email", "{email}"),
])
def test_the_operators_commands_refuse_a_weak_password_saying_why(coop, settings, command):
    person = coop.account("customer")
    result = run_coop(settings, *[part.format(email=person.email) for part in command],
                      "--password", "password12345678")
    assert result.exit_code == 1 and "too easy to guess" in result.output
    assert sign_in(coop.client, person.email, PASSWORD).status_code == 201


def test_an_account_made_before_the_policy_still_signs_in_with_its_weak_password(client, coop):
    person = coop.account("customer")
    with coop.runtime.db.transaction() as session:
        account = session.scalar(select(Account).where(Account.email == person.email))
        account.password_hash = accounts.hash_password("aaaaaaaaaa")
    assert sign_in(client, person.email, "aaaaaaaaaa").status_code == 201


def test_the_api_document_says_a_new_password_needs_15_characters_and_not_blank(client):
    schemas = client.get("/openapi.json").json["components"]["schemas"]
    for schema, field in (("AccountCreate", "password"), ("PasswordChange", "new_password")):
        documented = schemas[schema]["properties"][field]
        assert documented["minLength"] == 15 and documented["maxLength"] >= 64 and documented["pattern"]
