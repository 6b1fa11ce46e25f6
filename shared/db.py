"""One database per service: engine, sessions and the tables every service has."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import itertools
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import JSON, DateTime, Integer, MetaData, String, Text, create_engine, event, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.cache_key import CacheKey
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Return the current time in UTC, timezone-aware."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given; use timezone-aware UTC")
            value = value.astimezone(dt.UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


class MessagingBase(DeclarativeBase):
    """The outbox, inbox and dead-letter tables, created in every service's own database."""

    metadata = new_metadata()


class OutboxMessage(MessagingBase):
    """An event written in the same transaction as the change that caused it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    event_type: Mapped[str] = mapped_column(String(100), index=True)
    envelope: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Kept after sending: the outbox is also the service's record of what it published.
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)


class InboxEntry(MessagingBase):
    """An event this service has handled; written in the handler's own transaction."""

    __tablename__ = "inbox"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(100))
    handled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeadLetter(MessagingBase):
    """A message that could not be handled, parked for an operator to look at and replay."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str | None] = mapped_column(String(64), index=True)
    event_type: Mapped[str | None] = mapped_column(String(100))
    # The raw body as received, so that even a message that is not JSON can be inspected.
    body: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    parked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    replayed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Counter(MessagingBase):
    """A named counter for numbers that must be unique and without gaps (member numbers, invoices)."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


def dialect_insert(session: Session):
    """Return the ``insert`` of the session's database, which has ``on_conflict_do_update`` (an upsert)."""
    return insert_of(session.get_bind().dialect.name)


def insert_of(dialect_name: str):
    """Return the ``insert`` of the database named (``postgresql`` or ``sqlite``), which has ``on_conflict_*``."""
    if dialect_name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


_reusable_ids = itertools.count(1)


def reusable(statement):
    """Let SQLAlchemy keep the compiled form of a statement that is built once and kept, and reused.

    SQLAlchemy never caches the dialects' ``INSERT … ON CONFLICT`` (their clause has no cache key), so each
    execution compiled it again: about a millisecond, more than the statement's own round trip. A statement
    given here gets a key of its own, unique for the life of the process; the values bound in it are kept
    with its compiled form, so it may hold constants (``value + 1``) but takes what varies as parameters
    given when it is executed.
    """
    key = CacheKey(("coop-reusable", next(_reusable_ids)), [])
    statement._generate_cache_key = lambda: key
    return statement


def next_number(session, name: str) -> int:
    """Return the next value of a counter, safely under concurrent transactions.

    The upsert takes a row lock that lasts until the caller's transaction ends, so two transactions
    never get the same number, and a rolled-back one gives its number back.
    """
    statement = _next_number(session.get_bind().dialect.name)
    return session.execute(statement, {"name": name, "value": 1}).scalar_one()


@functools.cache
def _next_number(dialect_name: str):
    counters = Counter.__table__
    return reusable(insert_of(dialect_name)(counters).on_conflict_do_update(
        index_elements=[counters.c.name], set_={"value": counters.c.value + 1}).returning(counters.c.value))


def locked(session, model, ident):
    """Return the row with this primary key, read afresh and locked until the transaction ends.

    ``SELECT ... FOR UPDATE OF`` its table on PostgreSQL, so a read-decide-write on one thing is
    serialised on that thing; SQLite ignores FOR UPDATE, and its write lock already serialises writers.
    None if there is no such row.
    """
    return session.get(model, ident, with_for_update={"of": model}, populate_existing=True)


# PostgreSQL's deadlock_detected and serialization_failure: the transaction lost a race and may be run again.
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})


def is_transient_conflict(error: BaseException) -> bool:
    """Tell whether a database error means "run the whole transaction again" (a deadlock, a serialisation failure)."""
    return getattr(getattr(error, "orig", None), "sqlstate", None) in TRANSIENT_SQLSTATES


def is_unique_violation(error: BaseException) -> bool:
    """Tell whether an IntegrityError is a unique or primary-key constraint that another writer got to first."""
    original = getattr(error, "orig", None)
    if getattr(original, "sqlstate", None) == "23505":
        return True
    return "UNIQUE constraint failed" in str(original)


def hold_lock(session, name: str) -> None:
    """Make every other transaction that asks for the same name wait until this one ends.

    It is the counter's row lock (see next_number): the same on PostgreSQL and SQLite, and across
    any number of processes.
    """
    next_number(session, f"lock:{name}")


class Database:
    """A service's engine and session factory."""

    def __init__(self, url: str, *metadatas: MetaData):
        self.url = url
        self.metadatas = (*metadatas, MessagingBase.metadata)
        self.engine = make_engine(url)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        # For work that only reads: on SQLite it does not take the write lock, so readers never queue
        # behind each other or behind a writer (WAL gives each its snapshot). Elsewhere it is the same.
        self.reader = sessionmaker(self.engine.execution_options(coop_reading=True), expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def create_all(self) -> None:
        """Create the service's tables if they do not exist yet."""
        for metadata in self.metadatas:
            metadata.create_all(self.engine)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """Give a session whose work is committed at the end, or rolled back on error."""
        with self.sessionmaker() as session:
            with session.begin():
                yield session

    def ping(self) -> None:
        """Raise if the database cannot be reached."""
        with self.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        self.engine.dispose()


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and write-ahead locking."""
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            # Only the service's own user may read its data (password hashes, confidential records).
            Path(database).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Connections are kept and reused (opening one, with its PRAGMAs, cost a tenth of a catalogue
        # page); an in-memory database would be one per connection, so it gets none kept.
        pooling = {"poolclass": NullPool} if database in (None, "", ":memory:") else {"pool_size": 8, "max_overflow": 8}
        engine = create_engine(url, connect_args={"timeout": 30}, **pooling)
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, pool_size=5, max_overflow=10)
    _ping_when_idle(engine)
    return engine


# A connection back in the pool for less than this is taken to be alive; one idle longer is pinged first.
PING_AFTER_IDLE_SECONDS = 1.0


def _ping_when_idle(engine: Engine) -> None:
    # SQLAlchemy's pool_pre_ping pings at every checkout: a round trip added to every transaction. A database
    # that went away fails the first statement on the connections it cut, and SQLAlchemy then invalidates the
    # whole pool, so only a connection idle across an outage needs asking; it is the documented
    # pessimistic-disconnect pattern, with a condition (docs.sqlalchemy.org, "Disconnect Handling").
    @event.listens_for(engine, "connect")
    def on_connect(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def on_checkin(_dbapi_connection, record):
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection, record, _proxy):
        if time.monotonic() - record.info.get("idle_since", 0.0) < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # noqa: BLE001 - any failure means: not this connection
            raise DisconnectionError("the pooled connection is gone") from error


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, decide when transactions begin (see on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # A deferred transaction that later writes fails at once with "database is locked" when
        # another writer got there first; taking the write lock up front makes it wait instead.
        # Only a session that promised to read alone (Database.reader) begins deferred.
        reading = connection.get_execution_options().get("coop_reading", False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")
