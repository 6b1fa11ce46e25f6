"""Logs are JSON lines that carry the correlation id of the work in hand."""

import json
import logging

from shared.correlation import correlation
from shared.logs import JsonFormatter


def format_record(message: str, **extra) -> dict:
    record = logging.makeLogRecord({"name": "test", "levelname": "INFO", "msg": message, **extra})
    return json.loads(JsonFormatter().format(record))


def test_a_log_line_is_one_json_object_with_the_message():
    entry = format_record("member admitted")
    assert entry["message"] == "member admitted" and entry["level"] == "INFO"


def test_a_log_line_carries_the_correlation_id():
    with correlation("req-7"):
        assert format_record("hello")["correlation_id"] == "req-7"


def test_extra_fields_are_kept():
    assert format_record("event unroutable", event_type="member.left")["event_type"] == "member.left"
