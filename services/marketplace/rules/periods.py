"""The periods a statement or a payout may cover. Pure."""

from __future__ import annotations

import datetime as dt

from shared.errors import Unprocessable

# The days a statement or payout may name: the co-op's books start after the first and end before the
# last, and every day in between has a next day (9999-12-31 has none, and answered with a 500).
EARLIEST_DAY, LATEST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


def check_period(start: dt.date, end: dt.date) -> None:
    """Refuse a period with a day outside the books' years, or that ends before it starts."""
    for which, day in (("start", start), ("end", end)):
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            raise Unprocessable(f"The period's {which} must be a day from {EARLIEST_DAY} to {LATEST_DAY}.")
    if end < start:
        raise Unprocessable("The period must end on or after its start.")
