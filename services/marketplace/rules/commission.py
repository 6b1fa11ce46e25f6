"""Commission: sellers' shares of an order, and what a refund reverses of them, in integer pence to the penny.

Every rounding here is half up to the whole penny, done in integers (no floats, no Decimal), and every
split is built so that its parts add up exactly: the last part is always a subtraction, never a
second rounding. Pure: no Flask, no database, no broker.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from shared.money import check_pence, check_rate, rate_of, round_half_up


def _check_adds_up(gross: int, commission: int, net: int) -> None:
    for name, value in (("gross", gross), ("commission", commission), ("net", net)):
        check_pence(name, value)
    if gross != commission + net:
        raise ValueError(f"gross {gross}p is not commission {commission}p + net {net}p")


def commission_pence(amount_pence: int, rate_basis_points: int) -> int:
    """Return the commission on an amount: rate in basis points (1000 = 10 %), half a penny rounds up."""
    return rate_of(amount_pence, rate_basis_points)


@dataclass(frozen=True)
class CommissionRates:
    """The co-op's commission: a default rate and, where agreed, a rate per category (basis points)."""

    default_bp: int
    per_category: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for rate in (self.default_bp, *self.per_category.values()):
            check_rate(rate)
        # Frozen all the way down: a rate cannot change under an order being split.
        object.__setattr__(self, "per_category", MappingProxyType(dict(self.per_category)))

    def rate_for(self, category: str) -> int:
        """Return the rate for a category, or the default when it has none of its own."""
        return self.per_category.get(category, self.default_bp)


@dataclass(frozen=True)
class OrderLine:
    seller_id: int
    category: str
    unit_price_pence: int
    quantity: int

    def __post_init__(self) -> None:
        check_pence("unit price", self.unit_price_pence)
        if type(self.quantity) is not int or self.quantity < 1:
            raise ValueError(f"quantity must be a whole number >= 1, not {self.quantity!r}")

    @property
    def total_pence(self) -> int:
        return self.unit_price_pence * self.quantity


@dataclass(frozen=True)
class SellerShare:
    """One seller's part of an order: gross paid by the customer = commission to the co-op + net to them."""

    seller_id: int
    gross_pence: int
    commission_pence: int
    net_pence: int

    def __post_init__(self) -> None:
        _check_adds_up(self.gross_pence, self.commission_pence, self.net_pence)


def order_total_pence(lines: Iterable[OrderLine]) -> int:
    """Return what the customer pays for these lines."""
    return sum(line.total_pence for line in lines)


def split_order(lines: Iterable[OrderLine], rates: CommissionRates) -> dict[int, SellerShare]:
    """Split an order into each seller's gross, the co-op's commission and the seller's net."""
    gross: dict[int, int] = {}
    commission: dict[int, int] = {}
    for line in lines:
        # Commission is taken on each line (its whole total, not per unit) and then summed: lines may be
        # in categories with different rates, and a line's commission then depends on that line alone,
        # not on what else is in the basket, so anyone can check it from the line. The cost is at most
        # half a penny of rounding per line.
        gross[line.seller_id] = gross.get(line.seller_id, 0) + line.total_pence
        line_commission = commission_pence(line.total_pence, rates.rate_for(line.category))
        commission[line.seller_id] = commission.get(line.seller_id, 0) + line_commission
    return {
        seller: SellerShare(seller, gross[seller], commission[seller], gross[seller] - commission[seller])
        for seller in gross
    }


@dataclass(frozen=True)
class RefundShare:
    """What a refund takes back from a seller's share: gross = commission reversed + net reversed."""

    gross_pence: int
    commission_pence: int
    net_pence: int

    def __post_init__(self) -> None:
        _check_adds_up(self.gross_pence, self.commission_pence, self.net_pence)

    def __add__(self, other: RefundShare) -> RefundShare:
        return RefundShare(
            self.gross_pence + other.gross_pence,
            self.commission_pence + other.commission_pence,
            self.net_pence + other.net_pence,
        )


NOTHING_REFUNDED = RefundShare(0, 0, 0)


def _commission_reversed_after(share: SellerShare, refunded_gross_pence: int) -> int:
    # Rounded on the running total, not on each part, so that parts summing to the whole share reverse
    # exactly its commission, and no part ever reverses more than its own gross.
    return round_half_up(share.commission_pence * refunded_gross_pence, share.gross_pence)


def refund_split(
    share: SellerShare, refund_gross_pence: int, refunded_so_far: RefundShare = NOTHING_REFUNDED
) -> RefundShare:
    """Split a refund of a seller's share into the commission and net it reverses, in proportion.

    Pass what earlier refunds of this share took back (their RefundShares added up). The proportion is
    the share's overall commission rate; to reverse exactly one line's commission, split and refund a
    share built from that line alone.
    """
    check_pence("refund", refund_gross_pence, minimum=1)
    total_refunded = refunded_so_far.gross_pence + refund_gross_pence
    if total_refunded > share.gross_pence:
        left = share.gross_pence - refunded_so_far.gross_pence
        raise ValueError(f"cannot refund {refund_gross_pence}p: {left}p of seller {share.seller_id}'s share is left")
    if refunded_so_far.commission_pence != _commission_reversed_after(share, refunded_so_far.gross_pence):
        raise ValueError("refunded_so_far was not built by refund_split from this share")
    commission = _commission_reversed_after(share, total_refunded) - refunded_so_far.commission_pence
    return RefundShare(refund_gross_pence, commission, refund_gross_pence - commission)


def rates_from_percent(default_percent: int, by_category: Mapping[str, int]) -> CommissionRates:
    """Return the commission rates from the settings' percentages (percent there, basis points here)."""
    return CommissionRates(default_percent * 100, {name: rate * 100 for name, rate in by_category.items()})
