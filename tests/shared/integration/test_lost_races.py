"""What a request that lost a race inside the database gets: run again after a deadlock, 409 after a
unique constraint, 503 when no connection is free; never a 500."""

from __future__ import annotations

import pytest
from flask_smorest import Blueprint
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from shared.service import TRANSIENT_CONFLICT_TRIES, ServiceRuntime, create_service_app


class DatabaseSaid(Exception):
    """What a driver's exception carries: the SQLSTATE PostgreSQL answered with."""

    def __init__(self, sqlstate: str, message: str = ""):
        super().__init__(message or sqlstate)
        self.sqlstate = sqlstate


@pytest.fixture
def app_that_raises(settings):
    """A service app with one route that raises what the test tells it to, a given number of times."""
    raising = {"error": None, "times": 0, "calls": 0}
    blueprint = Blueprint("racing", __name__)

    @blueprint.route("/race", methods=["POST"])
    def race():
        raising["calls"] += 1
        if raising["calls"] <= raising["times"]:
            raise raising["error"]
        return {"done": True}

    from shared.db import new_metadata

    runtime = ServiceRuntime("listener", settings, new_metadata(), {}, migrated=False)
    app = create_service_app(runtime, "Racing", [blueprint], start_relay=False)
    yield app, raising
    runtime.stop()


def deadlock() -> OperationalError:
    return OperationalError("UPDATE orders ...", {}, DatabaseSaid("40P01", "deadlock detected"))


def test_a_request_chosen_as_a_deadlocks_victim_runs_again_and_succeeds(app_that_raises):
    app, raising = app_that_raises
    raising.update(error=deadlock(), times=2)
    response = app.test_client().post("/race")
    assert response.status_code == 200 and raising["calls"] == 3


def test_a_serialisation_failure_runs_again_too(app_that_raises):
    app, raising = app_that_raises
    raising.update(error=OperationalError("UPDATE", {}, DatabaseSaid("40001")), times=1)
    assert app.test_client().post("/race").status_code == 200


def test_a_request_that_keeps_losing_gets_a_503_after_the_last_try(app_that_raises):
    app, raising = app_that_raises
    raising.update(error=deadlock(), times=100)
    response = app.test_client().post("/race")
    assert response.status_code == 503 and raising["calls"] == TRANSIENT_CONFLICT_TRIES


def test_a_database_that_is_down_is_not_tried_again(app_that_raises):
    app, raising = app_that_raises
    raising.update(error=OperationalError("SELECT 1", {}, DatabaseSaid("08006")), times=100)
    assert app.test_client().post("/race").status_code == 503 and raising["calls"] == 1


def test_a_unique_constraint_that_another_writer_won_is_a_409_problem(app_that_raises):
    app, raising = app_that_raises
    raising.update(error=IntegrityError("INSERT", {}, DatabaseSaid("23505", "duplicate key value")), times=1)
    response = app.test_client().post("/race")
    assert response.status_code == 409 and response.mimetype == "application/problem+json"
    assert "same moment" in response.json["detail"]


def test_a_unique_constraint_on_sqlite_is_a_409_too(app_that_raises):
    import sqlite3

    app, raising = app_that_raises
    error = IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed: accounts.email"))
    raising.update(error=error, times=1)
    assert app.test_client().post("/race").status_code == 409


def test_another_integrity_error_is_still_a_bug(app_that_raises):
    app, raising = app_that_raises
    raising.update(error=IntegrityError("INSERT", {}, DatabaseSaid("23503", "foreign key")), times=1)
    assert app.test_client().post("/race").status_code == 500


def test_no_free_connection_is_a_503(app_that_raises):
    app, raising = app_that_raises
    raising.update(error=PoolTimeout("QueuePool limit reached"), times=1)
    response = app.test_client().post("/race")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
