"""Migration 0006: accounts in use are verified as of their creation, and every account whose
account.registered was never published gets it, once (the notifications service learns of them)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, text

from coop.services import history
from services.members.events import CATALOG
from services.members.models import Account
from services.members.models import Base as MembersBase
from shared import migrations
from shared.db import Database, OutboxMessage
from shared.events import Envelope

CREATED = dt.datetime(2025, 6, 1, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def members_database_at_0005(backend, tmp_path):
    url = backend.new_database(tmp_path, "members_verification")
    db = Database(url, MembersBase.metadata)
    migrations.upgrade(db, history("members"), "0005")
    yield db
    db.dispose()
    backend.drop_database(url)


def add_accounts_as_before(db, numbers):
    with db.engine.begin() as connection:
        for number in numbers:
            connection.execute(text(
                "INSERT INTO accounts (id, email, password_hash, display_name, roles, created_at) "
                "VALUES (:id, :email, 'x', :name, :roles, :created)"),
                {"id": number, "email": f"{number}@example.org", "name": f"Person {number}",
                 "roles": json.dumps(["customer"]), "created": CREATED})


def registrations(db) -> list[dict]:
    with db.sessionmaker() as session:
        return [row.envelope for row in session.scalars(
            select(OutboxMessage).where(OutboxMessage.event_type == "account.registered").order_by(OutboxMessage.id))]


def test_accounts_in_use_are_verified_as_of_their_creation(members_database_at_0005):
    db = members_database_at_0005
    add_accounts_as_before(db, (1, 2))
    migrations.upgrade(db, history("members"), "0006")
    with db.sessionmaker() as session:
        assert [account.email_verified_at for account in session.scalars(select(Account))] == [CREATED, CREATED]


def test_every_account_without_a_published_registration_gets_one_that_the_catalog_accepts(members_database_at_0005):
    db = members_database_at_0005
    add_accounts_as_before(db, (1, 2, 3))
    with db.transaction() as session:  # account 2's registration was published already
        envelope = CATALOG.build("account.registered", {
            "account_id": 2, "email": "2@example.org", "display_name": "Person 2", "roles": ["customer"],
            "email_verified": True, "occurred_at": CREATED})
        session.add(OutboxMessage(event_id=envelope.id, event_type=envelope.type, envelope=envelope.to_dict()))
    migrations.upgrade(db, history("members"), "0006")
    found = registrations(db)
    assert sorted(envelope["data"]["account_id"] for envelope in found) == [1, 2, 3]
    for envelope in found:
        loaded = Envelope.from_dict(envelope)
        CATALOG.specs["account.registered"].schema().load(loaded.data)
        assert loaded.source == "members" and loaded.data["email_verified"] is True
    with db.sessionmaker() as session:
        assert all(row.sent_at is None for row in session.scalars(select(OutboxMessage)))
