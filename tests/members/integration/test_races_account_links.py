"""Two confirmations of one verification link at once, and two uses of one reset link: one wins each.

On PostgreSQL a real race (the conditional update decides); on SQLite the write lock serialises them,
and the same must come out.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from services.members import email_verification, password_resets
from shared.errors import DomainError
from tests.support.concurrency import at_once
from tests.support.outbox import published

EMAIL = "racer@example.org"


def token_in(path: str) -> str:
    return parse_qs(urlsplit(path).query)["token"][0]


def test_two_confirmations_of_one_link_at_once_publish_email_verified_once(coop):
    coop.client.post("/accounts", json={"email": EMAIL, "password": "long enough password", "display_name": "R"})
    token = token_in(published(coop, "account.verification_requested")[0]["verify_path"])
    signer = coop.runtime.collaborators.link_signer

    def confirm():
        with coop.runtime.db.transaction() as session:
            return email_verification.verify(session, signer, token).verified_now

    for _ in range(5):  # several rounds of two, to give the race its chances
        results = at_once([confirm, confirm])
        if results[0] or results[1]:
            assert sorted(results) == [False, True]
        assert len(published(coop, "account.email_verified")) == 1


def test_two_uses_of_one_reset_link_at_once_set_one_password(coop):
    person = coop.account("customer")
    coop.client.post("/accounts/password-reset", json={"email": person.email})
    token = token_in(published(coop, "account.password_reset_requested")[0]["reset_path"])

    def use(password):
        def call():
            try:
                password_resets.reset(coop.runtime.db, coop.runtime.collaborators.link_signer, token, password)
                return password
            except DomainError as refused:
                return refused.status
        return call

    results = at_once([use("first racer long password"), use("second racer long password")])
    assert sorted(map(str, results)).count("400") == 1
    [winner] = [result for result in results if isinstance(result, str)]
    assert coop.client.post("/tokens", json={"email": person.email, "password": winner}).status_code == 201
