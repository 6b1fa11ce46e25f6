"""Registering cannot tell anyone whether an email has an account: the same answer, new or taken."""

from __future__ import annotations

from services.members.accounts import count_accounts
from tests.support.outbox import published, published_types

BODY = {"password": "long enough password", "display_name": "Someone"}
SAME_HEADERS = ("Content-Type", "Content-Length", "Location", "Set-Cookie", "Retry-After")


def register(client, email):
    return client.post("/accounts", json={"email": email, **BODY})


def test_a_taken_email_gets_exactly_the_answer_of_a_new_one(client, coop):
    taken = coop.account("customer")
    new, repeated = register(client, "brand.new@example.org"), register(client, taken.email)
    assert (repeated.status_code, repeated.get_data()) == (new.status_code, new.get_data())
    assert {name: repeated.headers.get(name) for name in SAME_HEADERS} == {
        name: new.headers.get(name) for name in SAME_HEADERS}
    assert set(repeated.headers.keys()) == set(new.headers.keys())


def test_the_answer_names_no_account(client, coop):
    taken = coop.account("customer")
    body = register(client, taken.email).json
    assert body == {"status": "check your email"} and str(taken.account_id) not in str(body)


def test_a_taken_email_creates_nothing_and_tells_its_owner(client, coop):
    taken = coop.account("customer")
    with coop.runtime.db.sessionmaker() as session:
        before = count_accounts(session)
    register(client, taken.email.upper())
    with coop.runtime.db.sessionmaker() as session:
        assert count_accounts(session) == before
    [repeated] = published(coop, "account.registration_repeated")
    assert repeated["account_id"] == taken.account_id
    assert repeated["forgot_password_path"] == "/members/account/forgot-password"
    assert published_types(coop).count("account.registered") == 1  # the factory's, none for the repeat
    assert published(coop, "account.verification_requested") == []


def test_the_forgot_password_path_is_a_page_of_the_service(client, coop):
    taken = coop.account("customer")
    register(client, taken.email)
    path = published(coop, "account.registration_repeated")[0]["forgot_password_path"]
    assert client.get(path.removeprefix("/members")).status_code == 200


def test_a_weak_password_is_refused_alike_for_a_new_and_a_taken_email(client, coop):
    taken = coop.account("customer")
    answers = [client.post("/accounts", json={"email": email, "password": "password12345678", "display_name": "X"})
               for email in ("brand.new@example.org", taken.email)]
    assert answers[0].status_code == answers[1].status_code == 422
    assert answers[0].json == answers[1].json
    assert published(coop, "account.registration_repeated") == []
