"""The baseline of the HTTP benchmarks: a bare Flask app, served by the same gunicorn settings.

``GET /json`` answers a small JSON document; ``GET /items/<id>`` does one primary-key SELECT on a
100-row table and answers the row as JSON: on SQLite (the stdlib driver, file ``$BENCH_BARE_DB``) or,
when ``$BENCH_BARE_DSN`` is set, on PostgreSQL (psycopg); one connection per gunicorn thread. The
table is created and filled on import (idempotent).

    python -m gunicorn -w 2 --threads 4 -b 127.0.0.1:8001 bench.bare_app:app
"""

from __future__ import annotations

import os
import sqlite3
import threading

from flask import Flask, abort, jsonify

ROWS = 100
DB_PATH = os.environ.get("BENCH_BARE_DB", "bare.db")
DSN = os.environ.get("BENCH_BARE_DSN")  # postgresql://... (psycopg's form, not SQLAlchemy's)

app = Flask(__name__)
_local = threading.local()


def _connect():
    if DSN:
        import psycopg

        return psycopg.connect(DSN, autocommit=True)
    return sqlite3.connect(DB_PATH)


def create_db() -> None:
    """Create and fill the tiny table (idempotent)."""
    connection = _connect()
    if not DSN:
        connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE IF NOT EXISTS item (id INTEGER PRIMARY KEY, name TEXT, price_pence INTEGER)")
    connection.execute("DELETE FROM item")
    marker = "%s" if DSN else "?"
    cursor = connection.cursor()
    cursor.executemany(f"INSERT INTO item VALUES ({marker}, {marker}, {marker})",
                       [(i, f"Item {i}", 100 + i) for i in range(1, ROWS + 1)])
    connection.commit()
    connection.close()


def _connection():
    if getattr(_local, "connection", None) is None:
        _local.connection = _connect()
    return _local.connection


@app.get("/json")
def hello():
    return jsonify({"status": "ok", "service": "bare"})


@app.get("/items/<int:item_id>")
def item(item_id: int):
    query = f"SELECT id, name, price_pence FROM item WHERE id = {'%s' if DSN else '?'}"
    row = _connection().execute(query, (item_id,)).fetchone()
    if row is None:
        abort(404)
    return jsonify({"id": row[0], "name": row[1], "price_pence": row[2]})


if os.environ.get("BENCH_BARE_CREATE", "1") == "1":
    create_db()
