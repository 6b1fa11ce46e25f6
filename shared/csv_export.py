"""The one way the project writes CSV: every text cell that a spreadsheet would run as a formula is
neutralised (OWASP's CSV injection advice: a single quote in front makes it text).

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and some run one that starts
with a tab or a carriage return, or with the full-width forms of those signs, or with spaces before
them when it trims cells on import). Such a text cell gets a ``'`` in front. A number the project holds
as a number (``int``, ``float``, ``Decimal``) is written as a number, a negative one too: it is ours, not
typed by anyone, and ``-1980`` is a number to a spreadsheet, not a formula. Text is always treated as
text, so a business named ``-5`` or ``+44 20 ...`` comes out as ``'-5`` and ``'+44 20 ...``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal

# What a spreadsheet may take as the start of a formula.
FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")


def safe_cell(value: object) -> object:
    """Return the value as the CSV cell to write: numbers as they are, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    text = str(value)
    if text[:1] in FORMULA_STARTS or text.lstrip()[:1] in FORMULA_STARTS:
        return "'" + text
    return text


def write_rows(rows: Iterable[Iterable[object]]) -> str:
    """Return the rows as CSV text, every cell made safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()
