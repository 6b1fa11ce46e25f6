"""The baseline for ``bench/http_throughput.py``: a bare Flask app, served by the same gunicorn settings.

``GET /json`` answers a small JSON document; ``GET /items/<id>`` does one primary-key SELECT on a tiny
SQLite table (the stdlib driver, one connection per gunicorn thread) and answers the row as JSON.
The database file is ``$BENCH_BARE_DB`` (created and filled on first use).

    python -m gunicorn -w 2 --threads 4 -b 127.0.0.1:8001 bench.bare_app:app
"""

from __future__ import annotations

import os
import sqlite3
import threading

from flask import Flask, abort, jsonify

ROWS = 100
DB_PATH = os.environ.get("BENCH_BARE_DB", "bare.db")

app = Flask(__name__)
_local = threading.local()


def create_db(path: str) -> None:
    """Create and fill the tiny table (idempotent)."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE IF NOT EXISTS item (id INTEGER PRIMARY KEY, name TEXT, price_pence INTEGER)")
        connection.executemany("INSERT OR IGNORE INTO item VALUES (?, ?, ?)",
                               [(i, f"Item {i}", 100 + i) for i in range(1, ROWS + 1)])
    connection.close()


def _connection() -> sqlite3.Connection:
    if getattr(_local, "connection", None) is None:
        _local.connection = sqlite3.connect(DB_PATH)
    return _local.connection


@app.get("/json")
def hello():
    return jsonify({"status": "ok", "service": "bare"})


@app.get("/items/<int:item_id>")
def item(item_id: int):
    row = _connection().execute("SELECT id, name, price_pence FROM item WHERE id = ?", (item_id,)).fetchone()
    if row is None:
        abort(404)
    return jsonify({"id": row[0], "name": row[1], "price_pence": row[2]})


create_db(DB_PATH)
