"""A pooled connection is pinged before use only after it has been idle; one cut meanwhile is replaced.

SQLAlchemy's own pre-ping asked the database at every checkout (shared/db.py, ``_ping_when_idle``). On
PostgreSQL only: SQLite's connections are files, not sockets that a server can cut.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from shared import db as db_module
from shared.db import Database
from tests.support.statements import counting


@pytest.fixture
def database(backend, tmp_path):
    if not backend.is_real:
        pytest.skip("SQLite's connections are files: nothing can cut them while they are idle")
    url = backend.new_database(tmp_path, "pings")
    database = Database(url)
    yield database
    database.dispose()
    backend.drop_database(url)


def backend_pid(database) -> int:
    with database.engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def pings(database, monkeypatch) -> list[int]:
    """Record each ping the pool makes from now on."""
    made = []
    dialect = database.engine.dialect
    original = dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda connection: made.append(1) or original(connection))
    return made


def test_a_connection_used_just_now_is_not_pinged(database, monkeypatch):
    backend_pid(database)
    made = pings(database, monkeypatch)
    with counting(database.engine) as tally:
        backend_pid(database)
    assert made == [] and len(tally.statements) == 1


def test_a_connection_idle_for_a_while_is_pinged_before_use(database, monkeypatch):
    backend_pid(database)
    made = pings(database, monkeypatch)
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 0.0)
    backend_pid(database)
    assert made == [1]


def test_a_connection_cut_while_idle_is_replaced_without_an_error(database, monkeypatch):
    cut = backend_pid(database)
    other = create_engine(database.url, poolclass=NullPool)
    with other.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": cut})
    other.dispose()
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 0.0)
    assert backend_pid(database) != cut
