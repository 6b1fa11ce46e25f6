"""Money rules every service shares: integer pence, rates in basis points, half a penny rounds up.

No floats and no Decimal: every rounding is done in integers, so the same figures come out everywhere.
"""

from __future__ import annotations

FULL_RATE_BP = 10_000  # basis points in 100 %
UK_STANDARD_VAT_BP = 2_000


def round_half_up(numerator: int, denominator: int) -> int:
    """Divide non-negative integers, rounding a half penny up."""
    return (2 * numerator + denominator) // (2 * denominator)


def check_pence(name: str, value: int, minimum: int = 0) -> None:
    """Raise ValueError unless ``value`` is a whole number of pence of at least ``minimum``."""
    # bool is an int in Python; True pence is a bug, not a penny.
    if type(value) is not int or value < minimum:
        raise ValueError(f"{name} must be a whole number of pence >= {minimum}, not {value!r}")


def check_rate(rate_bp: int) -> None:
    """Raise ValueError unless ``rate_bp`` is whole basis points between 0 and 100 %."""
    if type(rate_bp) is not int or not 0 <= rate_bp <= FULL_RATE_BP:
        raise ValueError(f"a rate must be whole basis points from 0 to {FULL_RATE_BP}, not {rate_bp!r}")


def rate_of(amount_pence: int, rate_basis_points: int) -> int:
    """Return ``rate`` of an amount (1000 basis points = 10 %), half a penny rounding up."""
    check_pence("amount", amount_pence)
    check_rate(rate_basis_points)
    # With 0 <= rate <= 100 %, the result is between 0 and the amount itself.
    return round_half_up(amount_pence * rate_basis_points, FULL_RATE_BP)


def pounds(pence: int | None) -> str:
    """Show integer pence as pounds for people to read: 1250000 -> £12,500.00."""
    pence = pence or 0
    sign = "-" if pence < 0 else ""
    return f"{sign}£{abs(pence) // 100:,}.{abs(pence) % 100:02d}"
