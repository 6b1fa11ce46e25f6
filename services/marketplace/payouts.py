"""Sellers' statements, receipts, VAT registration and payout runs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.marketplace import orders, shops
from services.marketplace.events import OUTBOX, STATEMENT_PAGE
from services.marketplace.models import Order, Payout, PayoutRun, Seller, SellerShare, ShareRefund
from services.marketplace.rules import statements
from services.marketplace.rules.commission import RefundShare
from services.marketplace.rules.commission import SellerShare as ShareAmounts
from services.marketplace.rules.order_status import WERE_PAID
from services.marketplace.rules.periods import check_period
from services.marketplace.rules.vat import vat_breakdown
from shared.auth import Principal
from shared.db import hold_lock, utcnow
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def statement(session: Session, seller_id: int, start: dt.date, end: dt.date) -> statements.Statement:
    """Build a seller's statement for the days start..end (UTC), with the balance brought forward."""
    check_period(start, end)
    begin, finish = _midnight(start), _midnight(end + dt.timedelta(days=1))
    earlier = _statement(session, seller_id, None, begin, 0)
    return _statement(session, seller_id, begin, finish, earlier.balance_owed_pence)


def _statement(session, seller_id, begin, finish, brought_forward) -> statements.Statement:
    def within(column):
        return (column < finish) if begin is None else column.between(begin, finish - dt.timedelta(microseconds=1))

    sales = [
        statements.Sale(f"order {order.id}", order.paid_at.date(),
                   ShareAmounts(share.seller_id, share.gross_pence, share.commission_pence, share.net_pence))
        for share, order in session.execute(
            select(SellerShare, Order).join(Order, Order.id == SellerShare.order_id)
            .where(SellerShare.seller_id == seller_id, Order.status.in_(WERE_PAID), within(Order.paid_at)))
    ]
    refunds = [
        statements.SaleRefund(f"order {row.order_id}", row.refunded_at.date(),
                         RefundShare(row.gross_pence, row.commission_pence, row.net_pence))
        for row in session.scalars(select(ShareRefund).where(ShareRefund.seller_id == seller_id,
                                                             within(ShareRefund.refunded_at)))
    ]
    payouts = [
        statements.Payout(f"payout {row.id}", row.paid_at.date(), row.amount_pence)
        for row in session.scalars(select(Payout).where(Payout.seller_id == seller_id, within(Payout.paid_at)))
    ]
    return statements.Statement.build(seller_id, sales, refunds, payouts, brought_forward)


def statement_for(session: Session, seller_id: int, by: Principal, start: dt.date, end: dt.date):
    """Return a statement to the seller themselves or a coordinator."""
    seller = session.get(Seller, seller_id)
    if seller is None:
        raise NotFound(f"There is no seller {seller_id}.")
    if not shops.is_own(seller, by) and not by.has_any("coordinator"):
        raise Forbidden("A statement is for its seller and coordinators only.")
    return statement(session, seller_id, start, end)


def run_payouts(session: Session, by: Principal, start: dt.date, end: dt.date) -> PayoutRun:
    """Pay every seller what is owed at the end of the period, once; a second run for it pays nothing.

    Runs are single however many workers serve the marketplace: a run holds a lock that makes any
    other wait until it has committed; there is one run per period (a unique key too); and each run
    pays only what no run before it paid (``owed_at``), so runs for overlapping periods never pay
    anything twice either.
    """
    if not by.has_any("coordinator"):
        raise Forbidden("Payouts are run by a coordinator.")
    check_period(start, end)
    if end >= utcnow().date():
        raise Unprocessable("A payout covers days that have ended: the period must end before today.")
    # One run at a time, whichever worker runs it: each then sees every payout the others made.
    hold_lock(session, "payout-run")
    existing = session.scalar(select(PayoutRun).where(PayoutRun.period_start == start, PayoutRun.period_end == end))
    if existing is not None:
        return existing
    run = PayoutRun(period_start=start, period_end=end, run_by=by.account_id)
    try:
        with session.begin_nested():
            session.add(run)
    except IntegrityError as error:
        raise Conflict("This payout is being run at this moment; look at it again shortly.") from error
    for seller_id, account_id in session.execute(select(Seller.member_id, Seller.account_id)
                                                 .order_by(Seller.member_id)).tuples():
        owed = owed_at(session, seller_id, end)
        if owed > 0:
            payout = Payout(run_id=run.id, seller_id=seller_id, amount_pence=owed)
            run.payouts.append(payout)
            session.flush()
            OUTBOX.add(session, "payout.paid", {
                "payout_id": payout.id, "seller_id": seller_id, "account_id": account_id, "amount_pence": owed,
                "currency": "GBP", "period_start": start, "period_end": end, "occurred_at": utcnow(),
                # From the period's start to the day of the payout: its sales and the payout itself (a
                # statement lists a payout on the day it was made, after the period).
                "statement_path": STATEMENT_PAGE.format(start=start.isoformat(),
                                                        end=payout.paid_at.date().isoformat())})
    session.flush()
    return run


def owed_at(session: Session, seller_id: int, end: dt.date) -> int:
    """Return what a seller earned up to the end of a day, less every payout made to them so far.

    Every payout counts, whenever it was made: a run covering an earlier period, made after this day
    ended, has paid part of what was earned by then, and must not be paid again.
    """
    earned = _statement(session, seller_id, None, _midnight(end + dt.timedelta(days=1)), 0).net_owed_pence
    paid = session.scalar(select(func.coalesce(func.sum(Payout.amount_pence), 0)).where(Payout.seller_id == seller_id))
    return earned - paid


def receipts_for(session: Session, order_id: int, by: Principal) -> list[dict]:
    """Return a paid order's receipts as the caller may see them (a seller gets only hers)."""
    order = orders.order_for(session, order_id, by)
    if order.paid_at is None:
        raise Conflict("Receipts are issued once an order is paid.")
    return receipts(session, order)


def register_vat(session: Session, seller_id: int, vat_registered: bool, vat_number: str | None) -> Seller:
    """Record whether a trader is VAT-registered (their receipts then show VAT); a coordinator's to say."""
    seller = session.get(Seller, seller_id)
    if seller is None:
        raise NotFound(f"There is no seller {seller_id}.")
    if vat_registered and not vat_number:
        raise Unprocessable("A VAT-registered trader needs a VAT number (GB and nine digits).")
    seller.vat_registered, seller.vat_number = vat_registered, vat_number
    return seller


def receipts(session: Session, order) -> list[dict]:
    """Return one receipt per seller's part of an order, in that trader's name; VAT only if registered."""
    result = []
    for share in order.shares:
        seller = session.get(Seller, share.seller_id)
        vat = vat_breakdown(share.gross_pence, seller.vat_registered)
        result.append({
            "order_id": order.id, "trader": seller.shop_name, "seller_id": seller.member_id,
            "vat_number": seller.vat_number if seller.vat_registered else None,
            "lines": [line for line in order.lines if line.seller_id == share.seller_id],
            "total_pence": share.gross_pence, "vat_pence": vat.vat_pence if seller.vat_registered else None,
            "issued_at": order.paid_at,
        })
    return result


def payout_runs(session: Session, by: Principal, limit: int = 50) -> list[PayoutRun]:
    """Return the payout runs, newest first, with their payouts (a coordinator's)."""
    if not by.has_any("coordinator"):
        raise Forbidden("Payouts are run by a coordinator.")
    return list(session.scalars(select(PayoutRun).order_by(PayoutRun.id.desc()).limit(limit)))


def payout_run(session: Session, run_id: int, by: Principal) -> PayoutRun:
    """Return one payout run with its payouts (a coordinator's)."""
    if not by.has_any("coordinator"):
        raise Forbidden("Payouts are run by a coordinator.")
    run = session.get(PayoutRun, run_id)
    if run is None:
        raise NotFound(f"There is no payout run {run_id}.")
    return run


def vat_statuses(session: Session, by: Principal) -> list[Seller]:
    """Return every seller with whether it is VAT-registered, by shop name (a coordinator's to see and change)."""
    if not by.has_any("coordinator"):
        raise Forbidden("Sellers' VAT registration is recorded by a coordinator.")
    return list(session.scalars(select(Seller).order_by(Seller.shop_name, Seller.member_id)))
