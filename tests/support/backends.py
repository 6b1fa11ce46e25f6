"""The two backends the suite runs on, and the unique, cleaned-up resources each test gets."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

from coop.services import SERVICES, app_module
from shared import bus
from shared.settings import Settings

AMQP_URL = os.environ.get("COOP_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
# The four services, and the stand-in consumer the backbone tests use.
TEST_SERVICES = (*SERVICES, "listener")
POSTGRES_URL = os.environ.get("COOP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")

# Quick enough for tests, and the same code paths as in production.
FAST = {
    "handler_max_attempts": 3,
    "handler_backoff_seconds": 0.01,
    "relay_poll_seconds": 0.2,
    "scheduler_seconds": 0.2,
    "confirm_timeout_seconds": 5.0,
    "delivery_limit": 3,
    "log_json": False,
}


class Backend:
    """Embedded (SQLite + memory://) or real (PostgreSQL + RabbitMQ on 127.0.0.1)."""

    def __init__(self, name: str, skip_reason: str | None = None):
        self.name = name
        self.skip_reason = skip_reason
        self.key_dir = Path(tempfile.mkdtemp(prefix="coop-test-keys-"))
        self.run_tag = uuid.uuid4().hex[:8]
        self.database_urls: dict[str, str] = {}
        self._engines = {}
        self._templates: dict[str, Path] = {}

    @property
    def is_real(self) -> bool:
        return self.name == "real"

    def settings_for_test(self, tmp_path: Path, tag: str) -> Settings:
        """Return settings whose exchange, queues and data folder belong to one test."""
        common = dict(
            data_dir=tmp_path,
            exchange=f"coop.test.{tag}",
            queue_prefix=f"test.{tag}.",
            jwt_private_key_file=self.key_dir / "jwt-private.pem",
            **FAST,
        )
        if self.is_real:
            return Settings(broker_url=AMQP_URL, database_urls=dict(self.database_urls), **common)
        return Settings(broker_url="memory://", **common)

    def seed_schema(self, settings: Settings, service: str) -> None:
        """Give a test's new SQLite database of one service its schema, copied from one migrated once.

        Running a service's migrations on each test's new database cost about a quarter of a second a
        service, thousands of times a run; a copy of the same file costs a millisecond. The real pass
        keeps one database per service for the run (``start``), so it needs none of this; tests that
        check migrating itself open their own databases (``new_database``).
        """
        target = settings.data_dir / f"{service}.db"
        if self.is_real or service in settings.database_urls or target.exists():
            return
        template = self._templates.get(service)
        if template is None:
            template = self.key_dir / f"{service}-template.db"
            runtime = app_module(service).build_runtime(
                settings.replace(database_urls={service: f"sqlite:///{template}"}))
            runtime.prepare_schema()
            runtime.db.dispose()
            self._templates[service] = template
        shutil.copyfile(template, target)

    def start(self) -> None:
        """Create this run's PostgreSQL databases, one per service, with unique names."""
        from sqlalchemy import create_engine, make_url

        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for service in TEST_SERVICES:
                name = f"coop_test_{self.run_tag}_{service}"
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
                self.database_urls[service] = make_url(POSTGRES_URL).set(database=name).render_as_string(
                    hide_password=False
                )
        admin.dispose()

    def new_database(self, tmp_path: Path, name: str) -> str:
        """Return the URL of a new, empty database for one test alone (drop_database removes it)."""
        if not self.is_real:
            return f"sqlite:///{tmp_path / f'{name}.db'}"
        from sqlalchemy import create_engine, make_url

        database = f"coop_test_{self.run_tag}_{name}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{database}"')
        admin.dispose()
        return make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)

    def drop_database(self, url: str) -> None:
        """Remove a database new_database made."""
        if not self.is_real:
            return
        from sqlalchemy import create_engine, make_url

        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
        admin.dispose()

    def clean_up_test(self, settings: Settings) -> None:
        """Empty the test's tables (real) and delete its queues and exchanges."""
        if not self.is_real:
            return
        from kombu import Connection
        from sqlalchemy import create_engine

        for service, url in self.database_urls.items():
            engine = self._engines.setdefault(service, create_engine(url))
            with engine.begin() as connection:
                # The schema (and its revision) stays from test to test; only the rows go.
                tables = [row[0] for row in connection.exec_driver_sql(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename NOT LIKE 'alembic_version_%%'")]
                if tables and _was_used(connection, tables):
                    quoted = ", ".join(f'"{table}"' for table in tables)
                    connection.exec_driver_sql(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
        with Connection(AMQP_URL) as connection:
            for service in TEST_SERVICES:
                for queue in (settings.queue_name(service), bus.dead_letter_queue_name(settings, service)):
                    _ignoring_missing(connection, lambda channel, q=queue: channel.queue_delete(q))
            # The members service's ballot box has a queue and an exchange of its own (ballot_box.py).
            box = f"{settings.queue_prefix}members.ballot-box"
            _ignoring_missing(connection, lambda channel: channel.queue_delete(box))
            for exchange in (settings.exchange, settings.dead_letter_exchange, f"{settings.exchange}.ballot-box"):
                _ignoring_missing(connection, lambda channel, e=exchange: channel.exchange_delete(e))

    def close(self) -> None:
        """Drop this run's databases."""
        for engine in self._engines.values():
            engine.dispose()
        if not self.database_urls:
            return
        from sqlalchemy import create_engine

        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for service in TEST_SERVICES:
                name = f"coop_test_{self.run_tag}_{service}"
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _was_used(connection, tables: list[str]) -> bool:
    """Tell whether a test wrote to this database: a row in a table, or a sequence drawn from.

    Most tests use one or two of the services; truncating a database costs ~60 ms even when it is
    empty, and asking costs ~1 ms.
    """
    any_row = " UNION ALL ".join(f'(SELECT 1 FROM "{table}" LIMIT 1)' for table in tables)
    drawn = "SELECT 1 FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL"
    return bool(connection.exec_driver_sql(f"SELECT EXISTS ({any_row}) OR EXISTS ({drawn})").scalar())


def _ignoring_missing(connection, operation) -> None:
    channel = connection.channel()
    try:
        operation(channel)
    except connection.channel_errors:
        pass
    finally:
        try:
            channel.close()
        except Exception:  # noqa: BLE001 - the broker closes a channel after an error anyway
            pass


def choose_backend(name: str) -> Backend:
    """Return the backend named by COOP_TEST_BACKEND, with a skip reason if its servers are missing."""
    if name == "embedded":
        return Backend("embedded")
    if name != "real":
        return Backend(name, skip_reason=f"unknown COOP_TEST_BACKEND {name!r}: use embedded or real")
    missing = [problem for problem in (_rabbitmq_problem(), _postgres_problem()) if problem]
    if missing:
        return Backend("real", skip_reason="real-backend pass skipped: " + "; ".join(missing)
                       + ". Start the servers (see README, 'Running on RabbitMQ and PostgreSQL').")
    backend = Backend("real")
    backend.start()
    return backend


def _rabbitmq_problem() -> str | None:
    from kombu import Connection

    try:
        with Connection(AMQP_URL, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1, timeout=3)
    except Exception as error:  # noqa: BLE001 - any failure means the server is not usable
        return f"RabbitMQ is not reachable at {AMQP_URL} ({type(error).__name__})"
    return None


def _postgres_problem() -> str | None:
    from sqlalchemy import create_engine

    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - any failure means the server is not usable
        return f"PostgreSQL is not reachable at {POSTGRES_URL} ({type(error).__name__})"
    return None
