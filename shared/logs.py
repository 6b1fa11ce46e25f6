"""Structured JSON logs carrying the correlation id."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys

from shared.correlation import current_correlation_id

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object a line, with any ``extra`` fields kept."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": current_correlation_id(),
        }
        entry.update({key: value for key, value in vars(record).items() if key not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(json_logs: bool = True, level: int = logging.INFO) -> None:
    """Send logs to stderr, as JSON lines unless told otherwise."""
    handler = logging.StreamHandler(sys.stderr)
    if json_logs:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("kombu").setLevel(logging.WARNING)
    logging.getLogger("amqp").setLevel(logging.WARNING)
    # Alembic says "Context impl PostgresqlImpl" each time a process checks its schema; `coop migrate`
    # reports what it did itself.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # The worker's health endpoint is polled every few seconds; its requests are not news.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
