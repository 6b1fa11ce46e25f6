"""What a completed contract is invoiced at and what each member business earns from it.

Pure: integer pence, no Flask, no database. Contract prices are agreed before VAT; a VAT-registered
co-op adds VAT on top, and a co-op that is not registered shows none.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from shared.money import FULL_RATE_BP, UK_STANDARD_VAT_BP, check_pence, rate_of


class InvoiceTotals(NamedTuple):
    net_pence: int
    vat_rate_percent: int | None
    vat_pence: int
    gross_pence: int


class Share(NamedTuple):
    member_id: int
    gross_pence: int
    fee_pence: int
    net_pence: int


def invoice_totals(net_pence: int, vat_registered: bool, vat_rate_bp: int = UK_STANDARD_VAT_BP) -> InvoiceTotals:
    """Return an invoice's net, VAT and gross; no VAT line at all unless the co-op is VAT-registered."""
    check_pence("net", net_pence)
    if not vat_registered:
        return InvoiceTotals(net_pence, None, 0, net_pence)
    vat = rate_of(net_pence, vat_rate_bp)
    return InvoiceTotals(net_pence, vat_rate_bp * 100 // FULL_RATE_BP, vat, net_pence + vat)


def member_shares(work: Iterable[tuple[int, int]], fee_bp: int) -> list[Share]:
    """Sum each member's work (member_id, value in pence) and take the co-op's fee from it.

    The fee is worked out on each member's total, half a penny up, so fee + net = gross for every
    member, and the shares add up to the value of the work.
    """
    totals: dict[int, int] = {}
    for member_id, value_pence in work:
        check_pence("value", value_pence)
        totals[member_id] = totals.get(member_id, 0) + value_pence
    shares = []
    for member_id in sorted(totals):
        gross = totals[member_id]
        fee = rate_of(gross, fee_bp)
        shares.append(Share(member_id, gross, fee, gross - fee))
    return shares
