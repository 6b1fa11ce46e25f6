"""A statement built once and kept is compiled once, and two such statements never share a compiled form."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, select
from sqlalchemy.dialects.sqlite import insert

from shared.db import reusable

METADATA = MetaData()
NAMES = Table("names", METADATA, Column("id", Integer, primary_key=True), Column("name", String(20)))


@pytest.fixture
def connection():
    engine = create_engine("sqlite://")
    METADATA.create_all(engine)
    with engine.begin() as connection:
        yield connection
    engine.dispose()


def keep_first():
    return reusable(insert(NAMES).on_conflict_do_nothing(index_elements=[NAMES.c.id]))


def keep_last():
    statement = insert(NAMES)
    return reusable(statement.on_conflict_do_update(index_elements=[NAMES.c.id],
                                                    set_={"name": statement.excluded.name}))


def test_an_upsert_sqlalchemy_cannot_cache_is_compiled_once_when_reusable(connection):
    statement = keep_first()
    first = connection.execute(statement, {"id": 1, "name": "Ada"})
    second = connection.execute(statement, {"id": 2, "name": "Bea"})
    assert first.context.compiled is second.context.compiled


def test_an_upsert_not_made_reusable_is_compiled_each_time(connection):
    statement = insert(NAMES).on_conflict_do_nothing(index_elements=[NAMES.c.id])
    first = connection.execute(statement, {"id": 1, "name": "Ada"})
    second = connection.execute(statement, {"id": 2, "name": "Bea"})
    assert first.context.compiled is not second.context.compiled


def test_two_reusable_statements_on_one_table_keep_their_own_sql(connection):
    first, last = keep_first(), keep_last()
    connection.execute(first, {"id": 1, "name": "Ada"})
    connection.execute(first, {"id": 1, "name": "Ann"})
    connection.execute(last, {"id": 2, "name": "Bea"})
    connection.execute(last, {"id": 2, "name": "Bet"})
    assert connection.execute(select(NAMES.c.name).order_by(NAMES.c.id)).scalars().all() == ["Ada", "Bet"]
