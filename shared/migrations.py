"""Each service's schema under Alembic: its own history and its own version table.

Each service declares its ``History``: its name and the folder of its migration scripts. The one Alembic
environment they share is ``shared/alembic``. Each service keeps its revision in
``alembic_version_<name>``, so that two services can even share a database without mistaking each other's history.

``upgrade`` is what ``coop migrate SERVICE`` runs. ``prepare`` is what every process of a service runs
at start: a new, empty database is migrated to the head revision at once (so a first run, and every
test, needs no separate step), and any other database must already be at the head revision, or the
process refuses to start and says to migrate: starting a process never changes a schema that holds
data. A database made before migrations existed is adopted: stamped at the head revision when its
tables are exactly the code's.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from shared.db import Database

ENVIRONMENT = Path(__file__).with_name("alembic")
# Taken for the whole of a migration, so that two processes starting at once migrate one after the other.
ADVISORY_LOCK_KEY = 0x636F6F706D6967  # "coopmig" in ASCII


class SchemaNotCurrent(Exception):
    """The database's schema is not the one this code needs."""


@dataclasses.dataclass(frozen=True)
class History:
    """One service's migrations: its name (which names its version table) and the folder of its scripts."""

    service: str
    folder: Path

    def __str__(self) -> str:
        return self.service


def version_table(service: str | History) -> str:
    """Return the name of the table holding a service's schema revision."""
    return f"alembic_version_{service}"


def config(service: History, connection: Connection | None = None, db: Database | None = None) -> Config:
    """Return the Alembic configuration of one service (its history, and what env.py needs)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(ENVIRONMENT))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(service.folder))
    cfg.attributes.update(service=service.service, connection=connection,
                          metadata=list(db.metadatas) if db else None)
    return cfg


@functools.cache
def _scripts(service: History) -> ScriptDirectory:
    return ScriptDirectory.from_config(config(service))


def head(service: History) -> str:
    """Return the newest revision of a service's history."""
    return _scripts(service).get_current_head()


def current(connection: Connection, service: History) -> str | None:
    """Return the revision a database is at (None before its first migration)."""
    return _context(connection, service).get_current_revision()


def current_of(db: Database, service: History) -> str | None:
    """Return the revision a service's database is at."""
    with db.engine.connect() as connection:
        return current(connection, service)


def upgrade(db: Database, service: History, revision: str = "head") -> None:
    """Bring a service's database up to a revision (the newest by default); a new one is created."""
    with _migrating(db) as connection:
        _adopt(connection, db, service)
        command.upgrade(config(service, connection, db), revision)


def downgrade(db: Database, service: History, revision: str) -> None:
    """Take a service's database back down to a revision (``base``: no tables at all)."""
    with _migrating(db) as connection:
        command.downgrade(config(service, connection, db), revision)


def prepare(db: Database, service: History) -> None:
    """Migrate an empty database to the newest schema; refuse one that holds data at another revision."""
    with _migrating(db) as connection:
        if not _our_tables(connection, db):
            command.upgrade(config(service, connection, db), "head")
            return
        _adopt(connection, db, service)
        found, needed = current(connection, service), head(service)
        if found != needed:
            raise SchemaNotCurrent(
                f"The {service} database is at revision {found}, but this code needs {needed}: "
                f"run `coop migrate {service}` first.")


def new_revision(db: Database, service: History, message: str) -> Path:
    """Write the next migration of a service, generated from how its models differ from the head.

    ``db`` must be a scratch database: it is first brought up to the head revision.
    """
    upgrade(db, service)
    number = len(list(_scripts(service).walk_revisions())) + 1
    with db.engine.begin() as connection:
        script = command.revision(config(service, connection, db), message, autogenerate=True,
                                  rev_id=f"{number:04d}")
    _scripts.cache_clear()
    return Path(script.path)


def differences(db: Database, service: History) -> list:
    """Return how a database's tables differ from the code's models (empty when they agree)."""
    with db.engine.connect() as connection:
        return _differences(connection, db, service)


def _differences(connection: Connection, db: Database, service: History) -> list:
    context = _context(connection, service, compare_type=True)
    ignored = {version_table(service)}
    return [change for change in compare_metadata(context, list(db.metadatas))
            if not (change[0] == "remove_table" and change[1].name in ignored)]


def _adopt(connection: Connection, db: Database, service: History) -> None:
    # Databases made before the migrations existed hold the tables but no version table.
    if current(connection, service) is not None or not _our_tables(connection, db):
        return
    found = _differences(connection, db, service)
    if found:
        raise SchemaNotCurrent(
            f"The {service} database was made before its migrations and differs from the code "
            f"({len(found)} differences, first {found[0]!r}); it cannot be adopted automatically.")
    _context(connection, service).stamp(_scripts(service), "head")


def _our_tables(connection: Connection, db: Database) -> set[str]:
    ours = {table for metadata in db.metadatas for table in metadata.tables}
    return ours & set(inspect(connection).get_table_names())


def _context(connection: Connection, service: History, **options) -> MigrationContext:
    return MigrationContext.configure(connection, opts={"version_table": version_table(service),
                                                        "include_object": for_this_database(connection), **options})


def for_this_database(connection: Connection):
    """Alembic's include_object: leave out what the models create on other databases only
    (``Index(...).ddl_if(dialect="postgresql")``), which Alembic would otherwise think is missing."""
    def include(item, _name, _type, _reflected, _compare_to) -> bool:
        condition = getattr(item, "_ddl_if", None)
        return condition is None or condition.dialect in (None, connection.dialect.name)
    return include


@contextlib.contextmanager
def _migrating(db: Database) -> Iterator[Connection]:
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY})")
        yield connection
