"""Reading the desk's forms into the shapes the schemas check, and laying two rounds side by side."""

from __future__ import annotations

import datetime as dt

from flask import request

from services.contracts.rules import terms as terms_rules
from shared.errors import NotFound, Unprocessable
from shared.pages import pence_from, whole_number

LINE_ROWS, MILESTONE_ROWS = 3, 3


def terms_from_form() -> dict:
    """Read the terms fields of a form (prices in pounds) into the shape the Terms schema checks."""
    form = request.form
    lines = []
    for row in range(1, LINE_ROWS + 1):
        description = form.get(f"line_description_{row}", "").strip()
        if not description:
            continue
        lines.append({"description": description, "unit": form.get(f"line_unit_{row}", "").strip() or "items",
                      "quantity": whole_number(form.get(f"line_quantity_{row}", ""), f"quantity of line {row}"),
                      "unit_price_pence": pence_from(form.get(f"line_price_{row}", ""), f"price of line {row}")})
    milestones = [{"title": form.get(f"milestone_title_{row}", "").strip(),
                   "due_on": form.get(f"milestone_due_{row}")}
                  for row in range(1, MILESTONE_ROWS + 1) if form.get(f"milestone_title_{row}", "").strip()]
    return {"line_items": lines, "milestones": milestones, "start_on": form.get("start_on") or None,
            "end_on": form.get("end_on") or None,
            "payment_terms_days": whole_number(form.get("payment_terms_days", "30"), "payment terms"),
            "clauses": [line.strip() for line in form.get("clauses", "").splitlines() if line.strip()]}


def end_of(day: str | None) -> dt.datetime | None:
    """An answer-by date typed as a day means the end of that day, UTC."""
    if not day:
        return None
    try:
        return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(23, 59, 59), dt.UTC)
    except ValueError:
        raise Unprocessable("Give the answer-by date as a date.") from None


def round_number(text: str | None, count: int, default: int | None = None) -> int:
    """Read a round's number from the query string (the latest, or ``default``, when none is given)."""
    if text is None:
        return default or count
    number = whole_number(text, "round")
    if not 1 <= number <= count:
        raise NotFound(f"There is no round {number}; there are {count}.")
    return number


def side_by_side(before: dict, after: dict, changed: set[str]) -> list[dict]:
    """Lay two rounds' terms side by side, field by field, the changed ones marked."""
    old, new = terms_rules.flatten(before), terms_rules.flatten(after)
    fields = sorted(old.keys() | new.keys(), key=terms_rules.natural_order)
    return [{"field": field, "before": old.get(field, ""), "after": new.get(field, ""), "changed": field in changed}
            for field in fields]
