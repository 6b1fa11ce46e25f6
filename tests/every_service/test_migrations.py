"""Each service's schema comes from its own migrations: from empty to head, down to nothing and up
again, on SQLite (embedded pass) and on PostgreSQL (real pass)."""

import json
import threading

import pytest
from click.testing import CliRunner
from kombu import Connection
from sqlalchemy import inspect, text

from coop.cli import main
from coop.services import SERVICES, app_module, history
from services.members.models import Account
from shared import migrations
from shared.settings import database_url_variable
from tests.support.cli import environment
from tests.support.listener import publish_raw
from tests.support.waiting import wait_for


@pytest.fixture
def new_database(backend, settings, tmp_path):
    """Open a new, empty database for a service; the runtime is built on it, and it is dropped after."""
    made = []

    def open_for(service):
        url = backend.new_database(tmp_path, service)
        runtime = app_module(service).build_runtime(
            settings.replace(database_urls={**settings.database_urls, service: url}))
        made.append((runtime, url))
        return runtime.db

    yield open_for
    for runtime, url in made:
        runtime.stop()
        backend.drop_database(url)


def our_tables(db):
    return {name for metadata in db.metadatas for name in metadata.tables} & set(inspect(db.engine).get_table_names())


@pytest.mark.parametrize("service", SERVICES)
def test_migrating_an_empty_database_builds_exactly_the_schema_of_the_models(new_database, service):
    db = new_database(service)
    migrations.upgrade(db, history(service))
    assert migrations.current_of(db, history(service)) == migrations.head(history(service))
    assert migrations.differences(db, service) == []


@pytest.mark.parametrize("service", SERVICES)
def test_going_down_to_base_removes_every_table_and_going_up_again_rebuilds_them(new_database, service):
    db = new_database(service)
    migrations.upgrade(db, history(service))
    migrations.downgrade(db, history(service), "base")
    assert our_tables(db) == set()
    assert migrations.current_of(db, history(service)) is None
    migrations.upgrade(db, history(service))
    assert migrations.current_of(db, history(service)) == migrations.head(history(service))
    assert migrations.differences(db, service) == []


def test_migrating_again_at_the_head_changes_nothing(new_database):
    db = new_database("members")
    migrations.upgrade(db, history("members"))
    tables = our_tables(db)
    migrations.upgrade(db, history("members"))
    members = history("members")
    assert our_tables(db) == tables and migrations.current_of(db, members) == migrations.head(members)


def test_each_service_keeps_its_revision_in_its_own_version_table(new_database):
    db = new_database("members")
    migrations.upgrade(db, history("members"))
    assert "alembic_version_members" in inspect(db.engine).get_table_names()
    assert "alembic_version" not in inspect(db.engine).get_table_names()


def test_a_process_starting_on_an_empty_database_migrates_it(new_database):
    db = new_database("contracts")
    migrations.prepare(db, history("contracts"))
    assert migrations.current_of(db, history("contracts")) == migrations.head(history("contracts"))


def test_a_process_refuses_a_database_at_another_revision_and_says_to_migrate(new_database):
    db = new_database("members")
    migrations.upgrade(db, history("members"))
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version_members SET version_num = '0000'"))
    with pytest.raises(migrations.SchemaNotCurrent, match="run `coop migrate members`"):
        migrations.prepare(db, history("members"))


def test_a_database_made_before_the_migrations_is_adopted_with_its_data(new_database):
    db = new_database("members")
    db.create_all()  # how every database was made before there were migrations
    with db.transaction() as session:
        session.add(Account(email="ada@example.org", password_hash="x", display_name="Ada", roles=["member"]))
    migrations.upgrade(db, history("members"))
    assert migrations.current_of(db, history("members")) == migrations.head(history("members"))
    with db.sessionmaker() as session:
        assert [account.email for account in session.query(Account)] == ["ada@example.org"]


def test_a_database_made_before_the_migrations_that_differs_from_the_code_is_refused(new_database):
    db = new_database("members")
    db.create_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_proposals_status"))
    with pytest.raises(migrations.SchemaNotCurrent, match="differs from the code"):
        migrations.upgrade(db, history("members"))
    assert migrations.current_of(db, history("members")) is None


def test_two_processes_migrating_at_once_both_succeed_one_after_the_other(new_database):
    db = new_database("marketplace")
    failures = []

    def migrate():
        try:
            migrations.upgrade(db, history("marketplace"))
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            failures.append(error)

    threads = [threading.Thread(target=migrate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert migrations.current_of(db, history("marketplace")) == migrations.head(history("marketplace"))


def test_coop_migrate_goes_up_to_the_head_and_down_to_base(backend, settings, tmp_path):
    url = backend.new_database(tmp_path, "members")
    env = {**environment(settings), database_url_variable("members"): url}
    try:
        up = CliRunner().invoke(main, ["migrate", "members"], env=env)
        assert up.exit_code == 0, up.output
        assert f"revision (empty) -> {migrations.head(history('members'))}" in up.output
        down = CliRunner().invoke(main, ["migrate", "members", "base", "--down"], env=env)
        assert down.exit_code == 0, down.output
        assert f"revision {migrations.head(history('members'))} -> (empty)" in down.output
    finally:
        backend.drop_database(url)


def test_coop_migrate_names_an_unknown_revision_without_a_traceback(settings):
    result = CliRunner().invoke(main, ["migrate", "members", "no-such-revision"], env=environment(settings))
    assert result.exit_code == 1
    assert "no-such-revision" in result.output and "Traceback" not in result.output


def test_coop_migrate_makes_the_services_queue_so_events_sent_before_its_worker_starts_wait_there(
        backend, settings):
    if not backend.is_real:
        pytest.skip("on the in-memory broker every queue lives in the one process of `coop run`")
    result = CliRunner().invoke(main, ["migrate", "marketplace"], env=environment(settings))
    assert result.exit_code == 0, result.output
    publish_raw(settings, json.dumps({"id": "x"}), routing_key="member.admitted")

    def waiting_in_the_queue() -> int:
        # The publish is not confirmed, so the queue may count it a moment later.
        with Connection(settings.broker_url) as connection:
            return connection.default_channel.queue_declare(settings.queue_name("marketplace"),
                                                            passive=True).message_count

    assert wait_for(waiting_in_the_queue, timeout=10) == 1
