"""Reconciliation's rule: every way the card processor's statement and the marketplace's books disagree. Pure."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from services.marketplace.adapters.card_processor import ProviderStatement
from services.marketplace.rules.order_status import WERE_PAID


@dataclass(frozen=True)
class Books:
    """What the marketplace recorded: orders, their shares, payments, refunds and attempts still pending."""

    orders: dict[int, tuple[str, int]]  # order id -> (status, total pence)
    shares: dict[tuple[int, int], int]  # (order id, seller id) -> gross pence
    payments: list[tuple[int, str, int, int]]  # (order id, capture id, amount, refunded so far)
    refunds: list[tuple[int, int, str, int]]  # (order id, seller id, provider refund id, gross pence)
    stuck_attempts: list[tuple[int, str, int, int, dt.datetime]]  # (id, kind, order id, amount, since)


def differences(provider: ProviderStatement, books: Books) -> list[str]:
    """Return every way the provider's ledger and the marketplace's books disagree, one sentence each."""
    found: list[str] = []
    captures = {capture.id: capture for capture in provider.captures}
    paid_by_capture = {capture_id: (order_id, amount) for order_id, capture_id, amount, _ in books.payments}
    for capture in provider.captures:
        if capture.id not in paid_by_capture:
            found.append(f"capture {capture.id} of {capture.amount_pence}p has no payment in the marketplace")
    for order_id, capture_id, amount, _refunded in books.payments:
        capture = captures.get(capture_id)
        if capture is None:
            found.append(f"order {order_id}: payment {capture_id} of {amount}p is not in the provider's ledger")
        elif capture.amount_pence != amount:
            found.append(f"order {order_id}: the provider captured {capture.amount_pence}p, "
                         f"the marketplace recorded {amount}p")

    order_of_capture = {capture_id: order_id for order_id, capture_id, _, _ in books.payments}
    recorded = {refund_id: (order_id, gross) for order_id, _seller, refund_id, gross in books.refunds}
    given_per_order: dict[int, int] = defaultdict(int)
    for refund in provider.refunds:
        order_id = order_of_capture.get(refund.capture_id)
        where = f"order {order_id}" if order_id is not None else f"capture {refund.capture_id}"
        if refund.id not in recorded:
            found.append(f"{where}: refund {refund.id} of {refund.amount_pence}p has no refund in the marketplace")
        elif recorded[refund.id][1] != refund.amount_pence:
            found.append(f"{where}: the provider refunded {refund.amount_pence}p in {refund.id}, "
                         f"the marketplace recorded {recorded[refund.id][1]}p")
        if order_id is not None:
            given_per_order[order_id] += refund.amount_pence
    provider_refunds = {refund.id for refund in provider.refunds}
    for order_id, seller_id, refund_id, gross in books.refunds:
        if refund_id not in provider_refunds:
            found.append(f"order {order_id}: refund {refund_id} of {gross}p from seller {seller_id}'s share "
                         "is not in the provider's ledger")

    found += _order_totals(books, given_per_order)
    for attempt_id, kind, order_id, amount, since in books.stuck_attempts:
        found.append(f"order {order_id}: {kind} attempt {attempt_id} of {amount}p pending since "
                     f"{since:%Y-%m-%d %H:%M} UTC, not settled")
    return found


def _order_totals(books: Books, given_per_order: dict[int, int]) -> list[str]:
    found = []
    refunded_per_share: dict[tuple[int, int], int] = defaultdict(int)
    for order_id, seller_id, _refund_id, gross in books.refunds:
        refunded_per_share[(order_id, seller_id)] += gross
    for (order_id, seller_id), refunded in sorted(refunded_per_share.items()):
        share = books.shares.get((order_id, seller_id), 0)
        if refunded > share:
            found.append(f"order {order_id}: {refunded}p refunded from seller {seller_id}'s share of {share}p")
    paid_orders = set()
    for order_id, _capture_id, amount, refunded in books.payments:
        paid_orders.add(order_id)
        status, total = books.orders.get(order_id, ("missing", 0))
        recorded = sum(gross for (order, _seller), gross in refunded_per_share.items() if order == order_id)
        if amount != total:
            found.append(f"order {order_id}: paid {amount}p for a total of {total}p")
        if refunded != recorded:
            found.append(f"order {order_id}: the payment says {refunded}p refunded, its refunds add up to "
                         f"{recorded}p")
        if given_per_order.get(order_id, 0) != recorded:
            found.append(f"order {order_id}: the provider gave back {given_per_order.get(order_id, 0)}p, "
                         f"the marketplace's refunds add up to {recorded}p")
        if status not in WERE_PAID:
            found.append(f"order {order_id} is {status} but was paid {amount}p")
        elif (status == "refunded") != (amount > 0 and refunded == amount):
            found.append(f"order {order_id} is {status} with {refunded}p of {amount}p refunded")
    for order_id, (status, _total) in sorted(books.orders.items()):
        if status in WERE_PAID and order_id not in paid_orders:
            found.append(f"order {order_id} is {status} but has no payment")
    return found
