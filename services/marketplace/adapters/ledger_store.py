"""Keep the test-mode payment provider's ledger in a database, shared by every process of the service.

``SqlLedger`` has the interface ``TestModeProvider`` uses from ``TestModeLedger`` (a ``lock`` and the
``idempotency``, ``authorisations``, ``status``, ``captures``, ``refunded_pence`` and ``refunds`` mappings, and a
``secret``), but its state lives in the ``payment_ledger`` table, so a payment taken in one worker can be
refunded by another and an idempotent retry is recognised whichever worker it reaches.

It behaves like an external processor: each ``with ledger.lock:`` block runs in a transaction of its
own, on its own connection, committed at the end of the block whatever the request's transaction does
later. What a block writes is kept until its end and written in one statement (a block reads its own
writes first). On PostgreSQL the table is in the service's database and a transaction-scoped advisory lock
serialises the blocks across processes. On SQLite one writer at a time holds the whole database, and
the request's transaction already holds it when it calls the provider, so the ledger is kept in a file
of its own beside the service's database (``<name>-payment-ledger.db``); its transactions begin with
BEGIN IMMEDIATE (see ``shared.db``), which serialises them.
"""

from __future__ import annotations

import dataclasses
import functools
import secrets
import threading
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, make_url, select
from sqlalchemy.exc import SQLAlchemyError

from services.marketplace.adapters.card_processor import Authorisation, Capture, PaymentDeclined, Refund, Void
from services.marketplace.models import PaymentLedgerEntry
from shared.db import Database, insert_of, make_engine, reusable

# The advisory lock's key: any constant no other part of the service uses ("paylgr" in ASCII).
ADVISORY_LOCK_KEY = 0x7061796C6772
TABLE = PaymentLedgerEntry.__table__
_RECORDS = {cls.__name__: cls for cls in (Authorisation, Capture, Refund, Void)}


class SqlLedger:
    """A ``TestModeLedger`` kept in a database table; safe to share between threads and processes."""

    __test__ = False

    def __init__(self, database: Database | str):
        """Keep the ledger beside a service's database (a ``Database``, or its URL)."""
        self.url = database.url if isinstance(database, Database) else database
        self.engine = _ledger_engine(self.url)
        self._local = threading.local()
        self._table_ready = False
        self._secret: bytes | None = None
        self.lock = _LedgerLock(self)
        self.authorisations = _Entries(self, "authorisation")
        self.status = _Entries(self, "status")
        self.captures = _Entries(self, "capture")
        self.refunded_pence = _Entries(self, "refunded")
        self.refunds = _Entries(self, "refund")
        self.idempotency = _Entries(self, "idempotency")

    def close(self) -> None:
        """Close the ledger's connections (the runtime's stop does, as it closes the service's own)."""
        self.engine.dispose()

    @property
    def secret(self) -> bytes:
        """The key that card fingerprints are made with: made once and kept, so every process agrees."""
        if self._secret is None:
            entries = _Entries(self, "secret")
            with self.lock:
                if "hmac" not in entries:
                    entries["hmac"] = secrets.token_hex(32)
                self._secret = bytes.fromhex(entries["hmac"])
        return self._secret

    def _connection(self) -> Connection | None:
        return getattr(self._local, "connection", None)

    def _begin(self) -> None:
        connection = self.engine.connect()
        try:
            connection.begin()  # BEGIN IMMEDIATE on SQLite: the one writer until commit
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY})")
            if not self._table_ready:
                TABLE.create(connection, checkfirst=True)
                self._table_ready = True
        except BaseException:
            connection.close()
            raise
        self._local.connection = connection
        self._local.writes = {}

    def _writes(self) -> dict[tuple[str, str], Any]:
        """What the current block has written and not yet sent: (kind, key) -> encoded value."""
        return self._local.writes

    def _send_writes(self) -> None:
        """Write what the current block has kept, all in one statement."""
        writes, self._local.writes = self._local.writes, {}
        if writes:
            self._connection().execute(_upsert(self._connection()),
                                       [{"kind": kind, "key": key, "value": value}
                                        for (kind, key), value in writes.items()])

    def _end(self, error: BaseException | None) -> None:
        try:
            # Whatever was written stays written, as in the in-memory ledger and at a processor: a
            # decline is recorded and then raised through the block. Only a failure of the database
            # itself, or an interrupt, throws the block's work away.
            if error is None or (isinstance(error, Exception) and not isinstance(error, SQLAlchemyError)):
                try:
                    self._send_writes()
                except BaseException:
                    self._connection().rollback()
                    raise
                self._connection().commit()
            else:
                self._connection().rollback()
        finally:
            connection, self._local.connection, self._local.writes = self._local.connection, None, {}
            connection.close()


class _LedgerLock:
    """Hold one transaction for the outermost ``with`` block of a thread; re-entrant like an RLock."""

    def __init__(self, ledger: SqlLedger):
        self._ledger = ledger

    def __enter__(self) -> _LedgerLock:
        local = self._ledger._local
        depth = getattr(local, "depth", 0)
        if depth == 0:
            self._ledger._begin()
        local.depth = depth + 1
        return self

    def __exit__(self, exc_type, error, traceback) -> None:
        local = self._ledger._local
        local.depth -= 1
        if local.depth == 0:
            self._ledger._end(error)


class _Entries(MutableMapping):
    """One of the ledger's mappings: rows of one kind, read and written in the current block's transaction.

    Used outside a ``with ledger.lock:`` block, each operation runs in a block of its own.
    """

    def __init__(self, ledger: SqlLedger, kind: str):
        self._ledger = ledger
        self._kind = kind

    def _run_all(self, operation):
        """Run an operation over every row of this kind: the block's kept writes are sent first."""
        with self._ledger.lock:
            self._ledger._send_writes()
            return operation(self._ledger._connection())

    def __getitem__(self, key: str) -> Any:
        with self._ledger.lock:
            kept = self._ledger._writes()
            if (self._kind, key) in kept:
                return decode(kept[(self._kind, key)])
            found = self._ledger._connection().execute(
                select(TABLE.c.value).where(TABLE.c.kind == self._kind, TABLE.c.key == key)).first()
        if found is None:
            raise KeyError(key)
        return decode(found[0])

    def __setitem__(self, key: str, value: Any) -> None:
        encoded = encode(value)
        with self._ledger.lock:
            self._ledger._writes()[(self._kind, key)] = encoded  # sent at the block's end (SqlLedger._end)

    def __delitem__(self, key: str) -> None:
        deleted = self._run_all(lambda c: c.execute(
            delete(TABLE).where(TABLE.c.kind == self._kind, TABLE.c.key == key)).rowcount)
        if not deleted:
            raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        keys = self._run_all(lambda c: c.execute(
            select(TABLE.c.key).where(TABLE.c.kind == self._kind).order_by(TABLE.c.key)).scalars().all())
        return iter(keys)

    def values(self) -> list:
        """Every value of this kind in one query (the mapping's default asks once per key)."""
        found = self._run_all(lambda c: c.execute(
            select(TABLE.c.value).where(TABLE.c.kind == self._kind).order_by(TABLE.c.key)).scalars().all())
        return [decode(value) for value in found]

    def __len__(self) -> int:
        return self._run_all(lambda c: c.execute(
            select(func.count()).select_from(TABLE).where(TABLE.c.kind == self._kind)).scalar_one())

    def __repr__(self) -> str:
        return f"<{self._kind} entries of {self._ledger.engine.url!r}>"


def _upsert(connection: Connection):
    """An INSERT of ledger rows that replaces the value of a (kind, key) already there."""
    return _upsert_of(connection.dialect.name)


@functools.cache
def _upsert_of(dialect_name: str):
    statement = insert_of(dialect_name)(TABLE)
    return reusable(statement.on_conflict_do_update(index_elements=[TABLE.c.kind, TABLE.c.key],
                                                    set_={"value": statement.excluded.value}))


def encode(value: Any) -> Any:
    """Turn a ledger value into JSON, tagging every type that JSON would not give back as it was."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, tuple):
        return {"type": "tuple", "items": [encode(item) for item in value]}
    if isinstance(value, PaymentDeclined):
        return {"type": "PaymentDeclined", "code": value.code, "message": value.message}
    if type(value) in _RECORDS.values():
        return {"type": type(value).__name__, "fields": dataclasses.asdict(value)}
    raise TypeError(f"the payment ledger cannot keep a {type(value).__name__}")


def decode(value: Any) -> Any:
    """Undo ``encode``."""
    if not isinstance(value, dict):
        return value
    kind = value["type"]
    if kind == "tuple":
        return tuple(decode(item) for item in value["items"])
    if kind == "PaymentDeclined":
        return PaymentDeclined(value["code"], value["message"])
    return _RECORDS[kind](**value["fields"])


def _ledger_engine(database_url: str) -> Engine:
    """An engine of its own: on the service's database on PostgreSQL, on a file beside it on SQLite.

    Its own pool of connections, as a processor has its own: requests waiting for the service's pool must
    never leave the provider without a connection to finish the call they wait behind. Kept between calls
    (opening a PostgreSQL connection costs about 5 ms, two per payment), and closed when the runtime stops
    (``SqlLedger.close``).
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return make_engine(database_url)
    if not url.database or url.database == ":memory:":
        raise ValueError("the SQL payment ledger needs a database file, not an in-memory SQLite database")
    path = Path(url.database)
    ledger_path = path.with_name(f"{path.stem}-payment-ledger{path.suffix or '.db'}")
    return make_engine(url.set(database=str(ledger_path)).render_as_string(hide_password=False))
