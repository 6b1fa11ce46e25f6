"""A generated year of the co-op's life, as the other services' events, with its sums worked out apart.

The events are built with the producers' own catalogues, so they are what the services publish. The
sums are worked out here from the generated figures, not from the events, so a test can check the
member's record against them.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import itertools
import random

from services.brokering.events import CATALOG as BROKERING
from services.contracts.events import CATALOG as CONTRACTS
from services.marketplace.events import CATALOG as MARKETPLACE
from shared.events import Envelope

COMMISSION = 0.1


@dataclasses.dataclass
class Scenario:
    """The events, in the order they happened, and what each member's months must add up to."""

    events: list[Envelope]
    expected: dict[int, dict[dt.date, collections.Counter]]

    def by_source(self, source: str) -> list[Envelope]:
        return [event for event in self.events if event.source == source]


def generate(member_ids: list[int], year: int = 2026, seed: int = 7) -> Scenario:
    """Sales, refunds and payouts, contract work and job placements for the members over a year."""
    rng = random.Random(seed)
    ids = itertools.count(1)
    happened: list[tuple[dt.datetime, Envelope]] = []
    expected: dict[int, dict[dt.date, collections.Counter]] = collections.defaultdict(
        lambda: collections.defaultdict(collections.Counter))

    def at() -> dt.datetime:
        return dt.datetime(year, rng.randint(1, 12), rng.randint(1, 28), rng.randint(8, 20), rng.randint(0, 59),
                           rng.randint(0, 59), tzinfo=dt.UTC)

    def emit(catalog, event_type, when, **data):
        happened.append((when, catalog.build(event_type, {**data, "occurred_at": when})))

    def month(when: dt.datetime) -> dt.date:
        return dt.date(when.year, when.month, 1)

    for member_id in member_ids:
        for _sale in range(rng.randint(0, 6)):
            when, gross = at(), rng.randint(100, 20_000)
            commission = round(gross * COMMISSION)
            order_id = next(ids)
            emit(MARKETPLACE, "order.paid", when, order_id=order_id, status="paid", total_pence=gross,
                 currency="GBP", buyer_member_id=None, buyer_account_id=order_id,
                 receipt_path=f"/marketplace/store/orders/{order_id}", sellers=[
                     {"seller_id": member_id, "account_id": member_id, "gross_pence": gross,
                      "commission_pence": commission, "net_pence": gross - commission,
                      "lines": [{"title": "Robin card", "quantity": 1, "amount_pence": gross}]}])
            expected[member_id][month(when)].update(sales_pence=gross, earnings_pence=gross - commission)
            if rng.random() < 0.15:
                later = when + dt.timedelta(days=rng.randint(0, 20))
                back = rng.randint(1, gross)
                back_commission = round(back * COMMISSION)
                emit(MARKETPLACE, "refund.issued", later, order_id=order_id, seller_id=member_id, gross_pence=back,
                     commission_pence=back_commission, net_pence=back - back_commission, currency="GBP")
                expected[member_id][month(later)].update(refunds_pence=back,
                                                         earnings_pence=-(back - back_commission))
        for _payout in range(rng.randint(0, 2)):
            when, amount = at(), rng.randint(500, 10_000)
            emit(MARKETPLACE, "payout.paid", when, payout_id=next(ids), seller_id=member_id, account_id=member_id,
                 amount_pence=amount, currency="GBP", period_start=dt.date(year, 1, 1),
                 period_end=dt.date(year, 1, 31), statement_path="/marketplace/store/my-shop/statement")
            expected[member_id][month(when)].update(paid_out_pence=amount)
        if rng.random() < 0.3:
            when, value = at(), rng.randint(1_000, 50_000)
            emit(CONTRACTS, "contract.work_allocated", when, contract_id=next(ids), reference="C-1",
                 allocation_id=next(ids), member_id=member_id, account_id=member_id, description="Cards", quantity=100,
                 value_pence=value, respond_by=None)
            expected[member_id][month(when)].update(work_allocated_pence=value)
            done = when + dt.timedelta(days=rng.randint(1, 40))
            fee = round(value * 0.05)
            emit(CONTRACTS, "contract.completed", done, contract_id=next(ids), reference="C-1", title="Cards",
                 buyer_name="Leaf & Co", sector="cards", state="completed", total_pence=value, currency="GBP",
                 round_number=1, invoice_number="INV-000001",
                 shares=[{"member_id": member_id, "gross_pence": value, "fee_pence": fee, "net_pence": value - fee}])
            expected[member_id][month(done)].update(work_done_pence=value, earnings_pence=value - fee)
        if rng.random() < 0.2:
            seeker, registered = next(ids), at()
            emit(BROKERING, "job_seeker.registered", registered, job_seeker_id=seeker, member_id=member_id)
            placement = next(ids)
            started = registered + dt.timedelta(days=rng.randint(1, 30))
            place = {"placement_id": placement, "job_seeker_id": seeker, "employer_id": 1}
            emit(BROKERING, "placement.started", started, **place, kind="paid", start_on=started.date())
            expected[member_id][month(started)].update(placements_started=1)
            if rng.random() < 0.6:
                kept = started + dt.timedelta(weeks=13)
                emit(BROKERING, "placement.sustained", kept, **place, milestone="13w", sustained_on=kept.date())
                expected[member_id][month(kept)].update(sustained_13_weeks=1)
            else:
                ended = started + dt.timedelta(days=rng.randint(5, 80))
                emit(BROKERING, "placement.ended", ended, **place, ended_on=ended.date(), reason="moved_on")
                expected[member_id][month(ended)].update(placements_ended=1)
    happened.sort(key=lambda pair: pair[0])
    return Scenario([event for _when, event in happened], expected)
