"""Orders: checkout that never oversells, payment, each state change checked and published."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, and_, exists, select, update
from sqlalchemy.orm import Session, joinedload, lazyload

from services.marketplace import schemas, shops
from services.marketplace.cart import buying_member, empty_cart
from services.marketplace.events import ORDER_PAGE, OUTBOX
from services.marketplace.idempotency import once
from services.marketplace.listings import clashing_booking
from services.marketplace.models import (
    CartLine,
    Listing,
    Order,
    OrderEvent,
    OrderLine,
    PaymentAttempt,
    Seller,
    SellerShare,
    Slot,
    Variant,
)
from services.marketplace.rules import commission
from services.marketplace.rules.order_status import HOLDS_STOCK, TRANSITIONS
from services.marketplace.rules.prices import LEAST_PRICE_PENCE
from services.marketplace.settings import MarketplaceSettings
from shared.auth import Principal
from shared.db import hold_lock, locked, utcnow
from shared.errors import Conflict, Forbidden, NotFound

ORDER = schemas.Order()  # an order as the API shows it: what an idempotent request's answer stores
# An order with its lines, shares (and their sellers) and history in one query. The collections are joined
# side by side, so the rows are lines x shares x history: a few dozen for an order of a few lines.
WHOLE_ORDER = (joinedload(Order.lines), joinedload(Order.shares).joinedload(SellerShare.seller),
               joinedload(Order.history))


def commission_rates(settings: MarketplaceSettings) -> commission.CommissionRates:
    """Return the co-op's commission rates from the settings (percent there, basis points here)."""
    return commission.rates_from_percent(settings.commission_rate_percent, settings.commission_by_category)


def place_order(session: Session, by: Principal, settings: MarketplaceSettings, delivery_address: str = "",
                idempotency_key: str | None = None) -> tuple[int, dict]:
    """Check out the caller's cart (``checkout``), once per Idempotency-Key; return the status and the order.

    The answer is the order as the API shows it, stored for a retry with the same key, which gets it again.
    """
    def place():
        order = checkout(session, by, commission_rates(settings), dt.timedelta(minutes=settings.order_pay_minutes),
                         delivery_address)
        return 201, ORDER.dump(order)

    return once(session, by.account_id, idempotency_key, "checkout", {"delivery_address": delivery_address}, place)


def checkout(session: Session, by: Principal, rates: commission.CommissionRates, pay_within: dt.timedelta,
             delivery_address: str = "") -> Order:
    """Turn the caller's cart into one order, reserving stock and slots; all or nothing.

    The cart is locked first, so the same cart checked out twice at once makes one order: the second
    finds the cart emptied. Then, in one order (sellers, then variants and slots by id) so that
    two checkouts never wait for each other in a circle, the sellers whose times are booked and the
    stock of each line. The order is built here and written once, never read back.
    """
    hold_lock(session, f"cart:{by.account_id}")  # as adding to the cart does: nothing slips in meanwhile
    lines = session.execute(_cart_to_buy(by)).all()
    if not lines:
        raise Conflict("Your cart is empty.")
    for seller_id in sorted({line.seller_id for line in lines if line.slot_id is not None}):
        locked(session, Seller, seller_id)  # one booking at a time for one person's hours
    lines.sort(key=lambda line: (line.slot_id is None, line.slot_id or 0, line.variant_id or 0))
    buyer_member_id = lines[0].buyer
    bought = [_order_line(line, buyer_member_id) for line in lines]
    # Every collection is given before the first flush, so none of them is loaded from the database later.
    order = Order(buyer_account_id=by.account_id, buyer_member_id=buyer_member_id, status="placed",
                  total_pence=sum(line.unit_price_pence * line.quantity for line in bought),
                  pay_by=utcnow() + pay_within, delivery_address=delivery_address, lines=[], shares=[], history=[])
    session.add(order)
    session.flush()
    for line, order_line in zip(lines, bought, strict=True):
        if line.status != "published" or not (line.active and line.seller_kind == "producer"):
            raise Conflict(f"'{line.title}' is no longer on sale; remove it from your cart.")
        if order_line.unit_price_pence < LEAST_PRICE_PENCE:  # listed before 1p was the least: unpayable
            raise Conflict(f"'{line.title}' cannot be bought at £0; remove it from your cart.")
        _reserve(session, line, order.id)
    order.lines = bought
    shares = commission.split_order(
        [commission.OrderLine(line.seller_id, line.category, line.unit_price_pence, line.quantity)
         for line in order.lines], rates)
    order.shares = [SellerShare(seller_id=s.seller_id, gross_pence=s.gross_pence, commission_pence=s.commission_pence,
                                net_pence=s.net_pence) for s in shares.values()]
    empty_cart(session, by)
    # The sellers came with the cart's listings: their accounts cost checkout no query of its own.
    _record(session, order, None, "placed", by.account_id,
            seller_accounts={line.seller_id: line.seller_account_id for line in lines})
    return order


def _cart_to_buy(by: Principal) -> Select:
    """The caller's cart lines with their listings, sellers, variants or slots, and the buyer: one query."""
    return (select(CartLine.variant_id, CartLine.slot_id, CartLine.quantity, CartLine.listing_id, Listing.title,
                   Listing.status, Listing.category, Listing.price_pence, Listing.member_discount_pence,
                   Listing.duration_minutes, Listing.seller_id, Seller.active, Seller.kind.label("seller_kind"),
                   Seller.account_id.label("seller_account_id"), Seller.shop_name,
                   Variant.name.label("variant_name"), Slot.starts_at, buying_member(by).label("buyer"))
            .join(Listing, Listing.id == CartLine.listing_id).join(Seller, Seller.member_id == Listing.seller_id)
            .outerjoin(Variant, and_(Variant.id == CartLine.variant_id, Variant.listing_id == Listing.id))
            .outerjoin(Slot, and_(Slot.id == CartLine.slot_id, Slot.listing_id == Listing.id))
            .where(CartLine.account_id == by.account_id).order_by(CartLine.id))


def _order_line(line, buyer_member_id: int | None) -> OrderLine:
    discount = line.member_discount_pence if buyer_member_id else 0
    return OrderLine(seller_id=line.seller_id, listing_id=line.listing_id, variant_id=line.variant_id,
                     slot_id=line.slot_id, title=_title(line), category=line.category,
                     unit_price_pence=line.price_pence - discount, member_discount_pence=discount,
                     quantity=line.quantity)


def _reserve(session: Session, line, order_id: int) -> None:
    # One conditional UPDATE is the whole guard: the database checks and takes the stock in one step,
    # so concurrent buyers cannot both see the last item.
    if line.slot_id is not None:
        if clashing_booking(session, line.seller_id, line.slot_id, line.starts_at, line.duration_minutes):
            raise Conflict(f"'{line.title}' cannot be booked then: {line.shop_name} "
                           "is booked for another service at that time.")
        taken = session.execute(update(Slot).where(Slot.id == line.slot_id, Slot.booked_by_order_id.is_(None))
                                .values(booked_by_order_id=order_id))
        if taken.rowcount != 1:
            raise Conflict(f"'{line.title}' is already booked at that time.")
        return
    taken = session.execute(update(Variant).where(Variant.id == line.variant_id, Variant.stock >= line.quantity)
                            .values(stock=Variant.stock - line.quantity))
    if taken.rowcount != 1:
        left = session.scalar(select(Variant.stock).where(Variant.id == line.variant_id))
        raise Conflict(f"Only {left} of '{line.title}' left; change the quantity in your cart.")


def _release(session: Session, order: Order) -> None:
    for line in order.lines:
        if line.slot_id is not None:
            session.execute(update(Slot).where(Slot.id == line.slot_id, Slot.booked_by_order_id == order.id)
                            .values(booked_by_order_id=None))
        elif line.variant_id is not None:
            session.execute(update(Variant).where(Variant.id == line.variant_id)
                            .values(stock=Variant.stock + line.quantity))


def _title(line) -> str:
    if line.slot_id is not None:
        return f"{line.title}, {line.starts_at:%d %b %Y %H:%M} UTC"
    return f"{line.title} ({line.variant_name})" if line.variant_name else line.title


def my_orders(by: Principal) -> Select:
    """Return the caller's orders, newest first."""
    return select(Order).where(Order.buyer_account_id == by.account_id).order_by(Order.id.desc())


def shop_orders(session: Session, by: Principal) -> tuple[Seller, Select]:
    """Return the caller's shop and its orders (those with something from it in them), newest first."""
    seller = shops.own_shop(session, by, even_if_closed=True)
    return seller, (select(Order).join(SellerShare, SellerShare.order_id == Order.id)
                    .where(SellerShare.seller_id == seller.member_id).order_by(Order.id.desc()))


def order_for(session: Session, order_id: int, by: Principal) -> Order | SellersPart:
    """Return an order as the caller may see it (``get_order``, then ``seen_by``)."""
    return seen_by(session, get_order(session, order_id, by), by)


def get_order(session: Session, order_id: int, by: Principal) -> Order:
    """Return an order its buyer, one of its sellers or a coordinator may see; others get 404."""
    order = session.scalars(select(Order).where(Order.id == order_id).options(*WHOLE_ORDER)).unique().first()
    if order is None or not _may_see(session, order, by):
        raise NotFound(f"There is no order {order_id}.")
    return order


class SellersPart:
    """An order as one of its sellers sees it: only her lines and her share, and her share's gross as its total.

    The other sellers' items and takings in a shared order are theirs; everything else (status, dates,
    delivery address, history) reads through to the order. For showing only: changes go to the Order.
    """

    def __init__(self, order: Order, seller_id: int):
        self._order = order
        self.lines = [line for line in order.lines if line.seller_id == seller_id]
        self.shares = [share for share in order.shares if share.seller_id == seller_id]
        self.total_pence = sum(share.gross_pence for share in self.shares)
        self.is_sellers_part = True

    def __getattr__(self, name: str):
        return getattr(self._order, name)


def seen_by(session: Session, order: Order, by: Principal) -> Order | SellersPart:
    """Return the order as the caller may see it: whole to its buyer and coordinators, her part to a seller."""
    if order.buyer_account_id == by.account_id or by.has_any("coordinator"):
        return order
    return SellersPart(order, _own_seller_id(session, by))


def order_to_change(session: Session, order_id: int, by: Principal, whole: bool = True) -> Order:
    """Return an order to change, locked until the transaction ends and read afresh (else as get_order).

    Every change to an order starts here, so pay, cancel, confirm, refund and the expiry job each
    decide on the order one after another; its shares, payment and attempts are locked after it.
    ``whole=False``: its lines, shares and history are read only if used (paying looks at none of them).
    """
    order = locked(session, Order, order_id) if whole else session.get(
        Order, order_id, with_for_update={"of": Order}, populate_existing=True,
        options=[lazyload(Order.lines), lazyload(Order.shares), lazyload(Order.history)])
    if order is None or not _may_see(session, order, by):
        raise NotFound(f"There is no order {order_id}.")
    return order


def order_to_pay(session: Session, order_id: int) -> Order:
    """Return an order locked until the transaction ends and read whole (``WHOLE_ORDER``): one query if placed.

    Locking and reading in one statement, PostgreSQL gives the order's row as it is once the lock is
    granted, but the rows joined to it (lines, shares, history) as they were when the statement began,
    before it waited. While an order is placed nothing in it changes but its status (every change of
    the rest comes with a change of status, and none leads back to placed), so for a placed order the
    two agree. Any other order is read again, under the lock, as it is.
    """
    statement = (select(Order).where(Order.id == order_id).options(*WHOLE_ORDER).with_for_update(of=Order)
                 .execution_options(populate_existing=True))
    order = session.scalars(statement).unique().one()
    return order if order.status == "placed" else session.scalars(statement).unique().one()


def sellers_accounts(order: Order) -> dict[int, int]:
    """Return each seller's account from an order read whole (``WHOLE_ORDER``), with no query."""
    return {share.seller_id: share.seller.account_id for share in order.shares}


def _may_see(session: Session, order: Order, by: Principal) -> bool:
    if order.buyer_account_id == by.account_id or by.has_any("coordinator"):
        return True
    seller_id = _own_seller_id(session, by)
    return seller_id is not None and any(share.seller_id == seller_id for share in order.shares)


def _own_seller_id(session: Session, by: Principal) -> int | None:
    shop = shops.shop_of(session, by)
    return shop.member_id if shop is not None else None


def move(session: Session, order: Order, to_status: str, by_account_id: int | None, note: str = "",
         seller_accounts: dict[int, int] | None = None) -> Order:
    """Change an order's status if the rules allow it; record and publish the change.

    ``seller_accounts`` (seller id to account), when the caller has them, saves the event a query.
    """
    if to_status not in TRANSITIONS[order.status]:
        raise Conflict(f"A {order.status} order cannot become {to_status}.")
    from_status = order.status
    if from_status in HOLDS_STOCK and to_status == "cancelled":
        _release(session, order)
    order.status = to_status
    for share in order.shares:
        share.status = to_status
    _record(session, order, from_status, to_status, by_account_id, note, seller_accounts)
    return order


def _record(session, order: Order, from_status, to_status: str, by_account_id, note: str = "",
            seller_accounts: dict[int, int] | None = None) -> None:
    order.history.append(OrderEvent(from_status=from_status, to_status=to_status, by_account_id=by_account_id,
                                    note=note))
    session.flush()
    if seller_accounts is None:
        seller_accounts = _seller_accounts(session, [share.seller_id for share in order.shares])
    OUTBOX.add(session, f"order.{to_status}", _order_event(order, to_status, seller_accounts))


def _seller_accounts(session: Session, seller_ids: list[int]) -> dict[int, int]:
    """Return each seller's account, in one query for the whole order."""
    return dict(session.execute(select(Seller.member_id, Seller.account_id).where(Seller.member_id.in_(seller_ids)))
                .tuples().all())


def _order_event(order: Order, status: str, seller_accounts: dict[int, int]) -> dict:
    """Return an order.<status> event's data: the order, whom to tell, and each seller's part with her lines only.

    The one place the order events are made; it reads the order's lines and shares as loaded (no query).
    """
    return {
        "order_id": order.id, "status": status, "total_pence": order.total_pence, "currency": order.currency,
        "buyer_member_id": order.buyer_member_id, "buyer_account_id": order.buyer_account_id,
        "receipt_path": ORDER_PAGE.format(order_id=order.id), "occurred_at": utcnow(),
        "sellers": [{
            "seller_id": share.seller_id, "account_id": seller_accounts[share.seller_id],
            "gross_pence": share.gross_pence, "commission_pence": share.commission_pence,
            "net_pence": share.net_pence,
            "lines": [{"title": line.title, "quantity": line.quantity,
                       "amount_pence": line.unit_price_pence * line.quantity}
                      for line in order.lines if line.seller_id == share.seller_id],
        } for share in order.shares],
    }


def cancel(session: Session, order_id: int, by: Principal) -> Order:
    """Cancel an unpaid order (its buyer or a coordinator); its stock and slots are released."""
    order = order_to_change(session, order_id, by)
    if order.buyer_account_id != by.account_id and not by.has_any("coordinator"):
        raise Forbidden("Only the buyer or a coordinator can cancel an order.")
    if order.status != "placed":
        raise Conflict("Only an unpaid order can be cancelled; a paid one is refunded.")
    if payment_in_flight(session, order.id):
        raise Conflict("A payment for this order is being made just now; it can be refunded once paid.")
    return move(session, order, "cancelled", by.account_id)  # its buyer or a coordinator: the whole order


def payment_in_flight(session: Session, order_id: int) -> bool:
    """Tell whether a payment of the order has been asked of the provider and its answer not recorded yet."""
    return session.scalar(select(exists().where(*capture_pending(order_id))))


def capture_pending(order_id):
    """The conditions of a capture of the order asked of the provider and not yet settled."""
    return (PaymentAttempt.order_id == order_id, PaymentAttempt.kind == "capture",
            PaymentAttempt.status == "pending")


def confirm(session: Session, order_id: int, by: Principal) -> Order:
    """Confirm a seller's part of a paid order is dispatched or booked; the order is confirmed with the last.

    A seller confirms their own part; a coordinator confirms every part at once. The order's lock
    makes the sellers confirm one after another, so exactly one of them is the last.
    """
    order = order_to_change(session, order_id, by)
    if order.status != "paid":
        raise Conflict(f"A {order.status} order cannot be confirmed.")
    if by.has_any("coordinator"):
        parts = order.shares
    else:
        seller_id = _own_seller_id(session, by)
        parts = [share for share in order.shares if share.seller_id == seller_id]
        if not parts:
            raise Forbidden("The sellers or a coordinator confirm an order, not its buyer.")
        if parts[0].status == "confirmed":
            raise Conflict("You have already confirmed your part of this order.")
    for share in parts:
        share.status = "confirmed"
    if all(share.status == "confirmed" for share in order.shares):
        move(session, order, "confirmed", by.account_id)
    session.flush()
    return seen_by(session, order, by)


def fulfil(session: Session, order_id: int, by: Principal) -> Order:
    """Record that the buyer received the order (its buyer or a coordinator)."""
    order = order_to_change(session, order_id, by)
    if order.buyer_account_id != by.account_id and not by.has_any("coordinator"):
        raise Forbidden("The buyer or a coordinator says an order was received.")
    return move(session, order, "fulfilled", by.account_id)


def expire_unpaid(session: Session, now: dt.datetime | None = None) -> list[int]:
    """Cancel the orders not paid in time, giving their stock and slots back; return their ids."""
    now = now or utcnow()
    # SKIP LOCKED: an order being paid just now is locked, and is looked at again next time; one whose
    # payment is in flight waits for its answer (or for payments.settle_interrupted).
    due = session.scalars(select(Order).where(Order.status == "placed", Order.pay_by <= now,
                                              ~exists().where(*capture_pending(Order.id)))
                          .order_by(Order.id).with_for_update(of=Order, skip_locked=True)
                          .execution_options(populate_existing=True)).all()
    # Asked again once locked: a payment that committed its attempt after this statement's snapshot
    # did not change the order's row, so the lock alone would not have shown it.
    due = [order for order in due if not payment_in_flight(session, order.id)]
    for order in due:
        move(session, order, "cancelled", None, note="not paid in time")
    return [order.id for order in due]


def expire_unpaid_job(runtime) -> None:
    """Cancel unpaid orders whose time is up (a periodic job of the marketplace)."""
    with runtime.db.transaction() as session:
        expire_unpaid(session)



def all_orders(by: Principal, status: str | None = None) -> Select:
    """Return every order, newest first, or those of one status: the coordinators' list."""
    if not by.has_any("coordinator"):
        raise Forbidden("The list of every order is for coordinators.")
    statement = select(Order).order_by(Order.id.desc())
    return statement if not status else statement.where(Order.status == status)
