"""The test-mode provider's cards, with an expiry always in the future (a fixed year fails once it passes)."""

from __future__ import annotations

import datetime as dt

GOOD_NUMBER = "4242 4242 4242 4242"
DECLINED_NUMBER = "4000 0000 0000 0002"


def expiry_year(years_ahead: int = 4) -> int:
    """Return a card expiry year this many years after today's."""
    return dt.date.today().year + years_ahead


def card(number: str = GOOD_NUMBER, holder_name: str = "Ada Baker", **changes) -> dict:
    """Return a card as the payment endpoints take it: the good test card unless told otherwise."""
    return {"number": number, "exp_month": 12, "exp_year": expiry_year(), "cvc": "123",
            "holder_name": holder_name, **changes}


GOOD_CARD = card()
DECLINED_CARD = card(DECLINED_NUMBER)
