"""The terms of a contract as plain data: their total, and what changed between two rounds.

A round's terms are a dict (the ``Terms`` schema checks their shape): ``line_items`` (description,
quantity, unit, unit_price_pence), ``milestones`` (title, due_on), ``payment_terms_days``,
``start_on``, ``end_on``, ``clauses`` and ``member_ids`` (the member businesses proposed for the work).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

_MISSING = object()


def line_total(line: dict) -> int:
    """Return what one line item is worth, in pence."""
    return line["quantity"] * line["unit_price_pence"]


def total_pence(terms: dict) -> int:
    """Return what the terms are worth in all, in pence."""
    return sum(line_total(line) for line in terms.get("line_items", []))


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    """Map each leaf of nested dicts and lists to its path, e.g. ``line_items[0].quantity``."""
    if isinstance(value, dict):
        leaves: dict[str, Any] = {}
        for key in value:
            leaves.update(flatten(value[key], f"{path}.{key}" if path else key))
        return leaves
    if isinstance(value, list):
        # An empty list has no leaves, so emptying one reads as its items removed, not as a new field.
        leaves = {}
        for index, item in enumerate(value):
            leaves.update(flatten(item, f"{path}[{index}]"))
        return leaves
    return {path: value}


def differences(before: dict, after: dict) -> list[dict]:
    """List what changed from one round's terms to another's, field by field, in a stable order.

    Each change is ``{"field", "change", "before", "after"}`` where change is added, removed or
    changed; a field that exists in only one round has None on the other side.
    """
    old, new = flatten(before), flatten(after)
    changes = []
    for field in sorted(old.keys() | new.keys(), key=natural_order):
        was, now = old.get(field, _MISSING), new.get(field, _MISSING)
        if was == now:
            continue
        kind = "added" if was is _MISSING else "removed" if now is _MISSING else "changed"
        changes.append({
            "field": field, "change": kind,
            "before": None if was is _MISSING else was, "after": None if now is _MISSING else now,
        })
    return changes


def natural_order(field: str) -> list:
    # line_items[10] sorts after line_items[9], not after line_items[1].
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", field)]


def stored(terms: Any) -> Any:
    """Return terms as they are stored (JSON): dates become ISO strings, exactly as the API shows them."""
    if isinstance(terms, dict):
        return {key: stored(value) for key, value in terms.items()}
    if isinstance(terms, list):
        return [stored(item) for item in terms]
    if isinstance(terms, dt.date):
        return terms.isoformat()
    return terms
