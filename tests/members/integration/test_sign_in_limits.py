"""Sign-in limits per client address, as well as per email: the address is the gateway's when behind it."""

from __future__ import annotations

import dataclasses

import pytest

from services.members.app import build_runtime, create_app
from services.members.settings import MembersSettings
from tests.support.factories import PASSWORD, Coop


def allow_per_address(coop, monkeypatch, failures: int) -> None:
    coop.change_settings(login_max_failures_per_address=failures)


def test_wrong_passwords_for_many_emails_from_one_address_are_limited(coop, monkeypatch):
    allow_per_address(coop, monkeypatch, 8)
    people = [coop.account("customer") for _ in range(4)]
    answers = [coop.client.post("/tokens", json={"email": people[i % 4].email, "password": "not it"},
                                environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code for i in range(12)]
    assert answers == [401] * 8 + [429] * 4
    elsewhere = coop.client.post("/tokens", json={"email": people[0].email, "password": PASSWORD},
                                 environ_base={"REMOTE_ADDR": "192.0.2.8"})
    assert elsewhere.status_code == 201


def test_signing_in_with_the_right_password_does_not_use_up_the_addresss_allowance(coop, monkeypatch):
    allow_per_address(coop, monkeypatch, 3)
    person = coop.account("customer")
    for _ in range(6):
        answer = coop.client.post("/tokens", json={"email": person.email, "password": PASSWORD},
                                  environ_base={"REMOTE_ADDR": "192.0.2.9"})
        assert answer.status_code == 201


@pytest.fixture
def behind_the_gateway(settings):
    """The members service told there is one proxy in front of it (COOP_PROXY_HOPS=1)."""
    proxied = dataclasses.replace(settings, proxy_hops=1)
    runtime = build_runtime(proxied, MembersSettings(login_max_failures_per_address=3))
    yield Coop(create_app(proxied, runtime=runtime, start_relay=False), runtime)
    runtime.stop()


def test_behind_the_gateway_the_forwarded_address_is_the_one_counted(behind_the_gateway):
    coop = behind_the_gateway
    people = [coop.account("customer") for _ in range(4)]

    def attempt(person, address):
        return coop.client.post("/tokens", json={"email": person.email, "password": "not it"},
                                headers={"X-Forwarded-For": address}).status_code

    assert [attempt(person, "198.51.100.4") for person in people] == [401, 401, 401, 429]
    assert attempt(people[0], "198.51.100.5") == 401  # another client behind the same gateway


def test_a_forged_forwarded_address_does_not_get_round_the_limit_without_a_gateway(coop, monkeypatch):
    allow_per_address(coop, monkeypatch, 3)
    people = [coop.account("customer") for _ in range(4)]
    answers = [coop.client.post("/tokens", json={"email": person.email, "password": "not it"},
                                headers={"X-Forwarded-For": f"203.0.113.{number}"}).status_code
               for number, person in enumerate(people)]
    assert answers == [401, 401, 401, 429]


def test_behind_the_gateway_a_forged_first_hop_does_not_get_round_the_limit(behind_the_gateway):
    # The gateway appends the address it saw; only that last entry is believed (COOP_PROXY_HOPS=1).
    coop = behind_the_gateway
    people = [coop.account("customer") for _ in range(4)]
    answers = [coop.client.post("/tokens", json={"email": person.email, "password": "not it"},
                                headers={"X-Forwarded-For": f"203.0.113.{number}, 198.51.100.4"}).status_code
               for number, person in enumerate(people)]
    assert answers == [401, 401, 401, 429]
