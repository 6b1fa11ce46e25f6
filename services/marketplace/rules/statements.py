"""A seller's statement: sales, refunds and payouts of a period as lines, and totals that are their sums. Pure.

Integer pence; a refund's amounts are negative, a payout's are in paid_out only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from services.marketplace.rules.commission import RefundShare, SellerShare
from shared.money import check_pence


@dataclass(frozen=True)
class Sale:
    reference: str  # the order
    on: dt.date
    share: SellerShare


@dataclass(frozen=True)
class SaleRefund:
    reference: str  # the order, or the refund
    on: dt.date
    refund: RefundShare


@dataclass(frozen=True)
class Payout:
    reference: str
    on: dt.date
    amount_pence: int


@dataclass(frozen=True)
class StatementLine:
    """One line of a statement: a refund's amounts are negative, a payout's are in paid_out only."""

    on: dt.date
    kind: str  # sale | refund | payout
    reference: str
    gross_pence: int = 0
    commission_pence: int = 0
    net_pence: int = 0
    paid_out_pence: int = 0


_KIND_ORDER = {"sale": 0, "refund": 1, "payout": 2}


@dataclass(frozen=True)
class Statement:
    """A seller's statement for a period: its lines, and totals that are always the sums of those lines.

    gross_sales - refunds - commission == net_owed, and brought_forward + net_owed - paid_out ==
    balance_owed (negative: the seller owes the co-op, as when a refund follows a payout). commission is
    net of the commission that refunds reversed.
    """

    seller_id: int
    lines: tuple[StatementLine, ...]
    brought_forward_pence: int = 0

    @classmethod
    def build(
        cls,
        seller_id: int,
        sales: Iterable[Sale] = (),
        refunds: Iterable[SaleRefund] = (),
        payouts: Iterable[Payout] = (),
        brought_forward_pence: int = 0,
    ) -> Statement:
        """Build a statement with its lines in date order from a period's sales, refunds and payouts."""
        lines = [_sale_line(seller_id, sale) for sale in sales]
        lines += [_refund_line(refund) for refund in refunds]
        lines += [_payout_line(payout) for payout in payouts]
        lines.sort(key=lambda line: (line.on, _KIND_ORDER[line.kind]))  # stable: same-day order is kept
        return cls(seller_id, tuple(lines), brought_forward_pence)

    # Totals are worked out from the lines, never stored beside them, so they cannot disagree.
    @property
    def gross_sales_pence(self) -> int:
        return sum(line.gross_pence for line in self.lines if line.kind == "sale")

    @property
    def refunds_pence(self) -> int:
        return -sum(line.gross_pence for line in self.lines if line.kind == "refund")

    @property
    def commission_pence(self) -> int:
        return sum(line.commission_pence for line in self.lines)

    @property
    def net_owed_pence(self) -> int:
        return sum(line.net_pence for line in self.lines)

    @property
    def paid_out_pence(self) -> int:
        return sum(line.paid_out_pence for line in self.lines)

    @property
    def balance_owed_pence(self) -> int:
        return self.brought_forward_pence + self.net_owed_pence - self.paid_out_pence


def _sale_line(seller_id: int, sale: Sale) -> StatementLine:
    share = sale.share
    if share.seller_id != seller_id:
        raise ValueError(f"sale {sale.reference} is seller {share.seller_id}'s, not {seller_id}'s")
    return StatementLine(sale.on, "sale", sale.reference, share.gross_pence, share.commission_pence, share.net_pence)


def _refund_line(sale_refund: SaleRefund) -> StatementLine:
    refund = sale_refund.refund
    amounts = (-refund.gross_pence, -refund.commission_pence, -refund.net_pence)
    return StatementLine(sale_refund.on, "refund", sale_refund.reference, *amounts)


def _payout_line(payout: Payout) -> StatementLine:
    check_pence("payout", payout.amount_pence, minimum=1)
    return StatementLine(payout.on, "payout", payout.reference, paid_out_pence=payout.amount_pence)
