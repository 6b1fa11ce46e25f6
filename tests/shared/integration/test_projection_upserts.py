"""A projection's row written by one upsert with its clocks in the statement, held and sent together.

``shared.projection.upsert_newer``, on both backends, against a table of this test's own.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import JSON, Column, Integer, String, Table, select
from sqlalchemy.orm import Session

from shared.db import Database, UTCDateTime, new_metadata
from shared.projection import upsert_newer
from tests.support.statements import counting

METADATA = new_metadata()
SHOPS = Table("shops", METADATA, Column("member_id", Integer, primary_key=True, autoincrement=False),
              Column("kind", String(20)), Column("name", String(50)), Column("sectors", JSON),
              Column("named_at", UTCDateTime), Column("open", Integer), Column("status_at", UTCDateTime))
EARLY = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
LATE = dt.datetime(2026, 12, 1, 17, tzinfo=dt.UTC)


@pytest.fixture
def database(backend, tmp_path):
    url = backend.new_database(tmp_path, "upserts")
    database = Database(url, METADATA)
    database.create_all()
    yield database
    database.dispose()
    backend.drop_database(url)


def tell(session: Session, member_id: int, name: str, at: dt.datetime, is_open: int = 1, kind: str = "producer"):
    """What an admission says of a shop: its kind always, its name and status as of ``at``."""
    upsert_newer(session, SHOPS, {"member_id": member_id}, always={"kind": kind},
                 clocked={"named_at": (at, {"name": name, "sectors": ["cards"]}),
                          "status_at": (at, {"open": is_open})})


def shop(database, member_id: int = 1):
    with database.sessionmaker() as session:
        return session.execute(select(SHOPS).where(SHOPS.c.member_id == member_id)).mappings().first()


def test_the_first_fact_about_a_row_inserts_it(database):
    with database.transaction() as session:
        tell(session, 1, "Paper Birds", EARLY)
    assert (shop(database)["name"], shop(database)["sectors"], shop(database)["named_at"]) == (
        "Paper Birds", ["cards"], EARLY)


def test_a_newer_fact_replaces_what_an_older_one_set(database):
    with database.transaction() as session:
        tell(session, 1, "Paper Birds", EARLY)
    with database.transaction() as session:
        tell(session, 1, "Paper Robins", LATE)
    assert (shop(database)["name"], shop(database)["named_at"]) == ("Paper Robins", LATE)


def test_an_older_fact_arriving_late_changes_only_what_is_always_set(database):
    with database.transaction() as session:
        tell(session, 1, "Paper Robins", LATE, is_open=0)
    with database.transaction() as session:
        tell(session, 1, "Paper Birds", EARLY, is_open=1, kind="agency")
    found = shop(database)
    assert (found["name"], found["open"], found["named_at"], found["kind"]) == ("Paper Robins", 0, LATE, "agency")


def test_the_upserts_of_one_transaction_go_as_one_statement(database):
    with counting(database.engine) as tally, database.transaction() as session:
        for member_id in range(1, 21):
            tell(session, member_id, f"Shop {member_id}", EARLY)
    assert [sql for sql in tally.statements if sql.startswith("INSERT INTO shops")] == [tally.statements[-1]]
    with database.sessionmaker() as session:
        assert len(session.execute(select(SHOPS)).all()) == 20


def test_a_held_upsert_is_seen_by_the_next_read_in_its_transaction(database):
    with database.transaction() as session:
        tell(session, 1, "Paper Birds", EARLY)
        assert session.execute(select(SHOPS.c.name)).scalar_one() == "Paper Birds"


def test_a_held_upsert_stays_when_a_savepoint_after_it_is_rolled_back(database):
    with database.transaction() as session:
        tell(session, 1, "Paper Birds", EARLY)
        savepoint = session.begin_nested()
        session.execute(select(SHOPS.c.name)).all()
        savepoint.rollback()
    assert shop(database)["name"] == "Paper Birds"


def test_an_upsert_made_in_a_savepoint_rolled_back_is_undone(database):
    with database.transaction() as session:
        tell(session, 1, "Paper Birds", EARLY)
        savepoint = session.begin_nested()
        tell(session, 2, "Paper Robins", EARLY)
        savepoint.rollback()
    assert shop(database, 1) is not None and shop(database, 2) is None


def test_a_rolled_back_transaction_leaves_nothing_held_for_the_connection_next_used(database):
    with database.sessionmaker() as session:
        tell(session, 1, "Paper Birds", EARLY)
        session.rollback()
    with database.transaction() as session:
        session.begin_nested().commit()
    assert shop(database) is None


def test_facts_about_one_row_applied_at_once_leave_the_newest(database):
    told = threading.Barrier(8)

    def tell_at_once(minutes: int) -> None:
        with database.transaction() as session:
            told.wait(timeout=30)
            tell(session, 1, f"Name at {minutes}", EARLY + dt.timedelta(minutes=minutes))
    threads = [threading.Thread(target=tell_at_once, args=(minutes,)) for minutes in (5, 40, 15, 35, 10, 30, 20, 25)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert (shop(database)["name"], shop(database)["named_at"]) == ("Name at 40", EARLY + dt.timedelta(minutes=40))
