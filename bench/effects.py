"""How the event peers' effects are seen: a NOTIFY at commit, a listener, and a gate that holds consumers.

Every peer's consumer (the project's marketplace worker, Celery, nameko, the bare kombu floor) writes one
effect row per event in its own PostgreSQL transaction. A trigger on the effect table (added by the
bench, in the bench's own database: no peer's code knows of it) calls ``pg_notify``; PostgreSQL
delivers a notification only when the transaction commits, so the bench's listener sees "effect
committed" without polling and without comparing clocks across processes. The trigger costs every
peer the same.

The gate: to measure how fast a backlog is drained, the bench holds ``ACCESS EXCLUSIVE`` locks on the
effect tables while the backlog is published, so every consumer process is connected and blocked on
its first event; releasing the locks starts them all at once.
"""

from __future__ import annotations

import threading
import time

import psycopg

TRIGGER = """
CREATE OR REPLACE FUNCTION bench_notify_effect() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('bench_effect', to_jsonb(NEW) ->> TG_ARGV[0]);
    RETURN NEW;
END $$;
"""
EFFECT_TABLE = "CREATE TABLE IF NOT EXISTS {table} (key text PRIMARY KEY, done_at timestamptz NOT NULL DEFAULT now())"
INBOX_TABLE = ("CREATE TABLE IF NOT EXISTS {table} "
               "(event_id text PRIMARY KEY, handled_at timestamptz NOT NULL DEFAULT now())")


def plain_dsn(url: str) -> str:
    """psycopg's form of a SQLAlchemy URL."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def notify_on_insert(dsn: str, table: str, column: str, create: str | None = None) -> None:
    """Make ``table`` (with ``create``, if given) notify ``bench_effect`` with ``column`` of each row inserted."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        if create:
            connection.execute(create.format(table=table))
        connection.execute(TRIGGER)
        connection.execute(f"DROP TRIGGER IF EXISTS bench_effect ON {table}")
        connection.execute(f"CREATE TRIGGER bench_effect AFTER INSERT ON {table} FOR EACH ROW "
                           f"EXECUTE FUNCTION bench_notify_effect('{column}')")


class Listener:
    """LISTEN bench_effect on one database in a thread; ``seen[key]`` is when each commit was heard."""

    def __init__(self, dsn: str):
        self.dsn = dsn
        self.seen: dict[str, float] = {}
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="bench-listener", daemon=True)

    def __enter__(self) -> Listener:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the effect listener did not start")
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join(5)

    def _listen(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as connection:
            connection.execute("LISTEN bench_effect")
            self._ready.set()
            while not self._stop.is_set():
                for notice in connection.notifies(timeout=0.2):
                    self.seen.setdefault(notice.payload, time.perf_counter())

    def wait_for(self, keys, timeout: float = 120) -> bool:
        """Wait until every key was seen; False if some were not within ``timeout``."""
        wanted = [str(key) for key in keys]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(key in self.seen for key in wanted):
                return True
            time.sleep(0.002)
        return False


class Gate:
    """Hold ACCESS EXCLUSIVE locks on tables in an open transaction until ``open()``."""

    def __init__(self, dsn: str, tables: list[str]):
        self.connection = psycopg.connect(dsn)
        self.connection.execute(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE")

    def open(self) -> float:
        """Release the locks; return when (perf_counter)."""
        self.connection.rollback()
        opened = time.perf_counter()
        self.connection.close()
        return opened

    def close(self) -> None:
        if not self.connection.closed:
            self.connection.close()
