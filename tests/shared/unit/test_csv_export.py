"""The one CSV writer (shared/csv_export.py): no text cell runs as a formula in a spreadsheet, numbers
stay numbers, and nothing else in the project writes CSV (issue 15, item 5)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import pathlib
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import csv_export

ROOT = pathlib.Path(__file__).resolve().parents[3]


def read_back(rows) -> list[list[str]]:
    return list(csv.reader(io.StringIO(csv_export.write_rows(rows))))


@pytest.mark.parametrize("attack", ['=HYPERLINK("https://evil.example","Pay")', "+1+1", "-2+3", "@SUM(A1:A9)",
                                    "\t=1+1", "\r=1+1", "\n=1+1", "  =1+1", "＝1+1", "-5", "+44 20 7946 0000"])
def test_a_text_cell_that_a_spreadsheet_would_run_gets_a_quote_in_front(attack):
    assert read_back([[attack]]) == [["'" + attack]]


@pytest.mark.parametrize("text", ["Leaf & Co", "Cards, printed", 'Say "hello"', "5 stars", "a=b", ""])
def test_other_text_is_written_as_it_is(text):
    assert read_back([[text]]) == [[text]]


@pytest.mark.parametrize(("value", "written"), [(-1980, "-1980"), (0, "0"), (1234, "1234"), (-1.5, "-1.5"),
                                                (Decimal("-2.50"), "-2.50"), (None, ""),
                                                (dt.date(2026, 1, 1), "2026-01-01"), (True, "true")])
def test_a_number_the_project_holds_stays_a_number_even_when_negative(value, written):
    assert read_back([[value]]) == [[written]]


@given(st.lists(st.lists(st.one_of(st.text(), st.integers()), max_size=5), max_size=5))
def test_no_text_cell_ever_starts_a_formula(rows):
    for row_in, row_out in zip(rows, read_back(rows), strict=False):
        for value, cell in zip(row_in, row_out, strict=False):
            if isinstance(value, str):
                assert cell.lstrip()[:1] not in csv_export.FORMULA_STARTS or cell.startswith("'")


def test_nothing_else_in_the_project_writes_csv():
    writers = re.compile(r"\bimport csv\b|\bfrom csv import\b|csv\.(writer|DictWriter)\b")
    found = [str(path.relative_to(ROOT)) for folder in ("services", "shared")
             for path in (ROOT / folder).rglob("*.py")
             if writers.search(path.read_text()) and path != ROOT / "shared" / "csv_export.py"]
    assert found == []
