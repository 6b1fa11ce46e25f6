"""The least a listing may cost: a price, or a member price after the discount, nobody could pay is refused. Pure."""

from __future__ import annotations

from shared.errors import Unprocessable

# The card provider takes no payment under a penny: a price nobody could pay is refused when it is set.
LEAST_PRICE_PENCE = 1


def check_prices(price: int, discount: int) -> None:
    """Refuse a price, or a member price after the discount, that could never be paid (under 1p)."""
    if price < LEAST_PRICE_PENCE:
        raise Unprocessable("The price must be at least 1p: a listing at £0 could never be paid for.")
    if discount > price:
        raise Unprocessable("The member discount cannot be more than the price.")
    if price - discount < LEAST_PRICE_PENCE:
        raise Unprocessable("The member discount must leave members at least 1p to pay: a discount of the "
                            "whole price could never be paid for.")
