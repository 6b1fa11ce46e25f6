"""VAT on a receipt: a VAT-inclusive price split into net and VAT, only for a VAT-registered trader. Pure."""

from __future__ import annotations

from typing import NamedTuple

from shared.money import FULL_RATE_BP, UK_STANDARD_VAT_BP, check_pence, check_rate, round_half_up


class VatBreakdown(NamedTuple):
    net_pence: int
    vat_pence: int


def vat_breakdown(gross_pence: int, vat_registered: bool, rate_bp: int = UK_STANDARD_VAT_BP) -> VatBreakdown:
    """Split a VAT-inclusive price into net and VAT for a receipt; no VAT unless the seller is registered."""
    check_pence("gross", gross_pence)
    check_rate(rate_bp)
    if not vat_registered:
        return VatBreakdown(gross_pence, 0)
    # The VAT fraction of an inclusive price is rate / (100 % + rate): 1/6 of the price at 20 %.
    vat = round_half_up(gross_pence * rate_bp, FULL_RATE_BP + rate_bp)
    return VatBreakdown(gross_pence - vat, vat)
