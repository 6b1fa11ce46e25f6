"""A buyer's cart: lines from any number of sellers, kept until checkout."""

from __future__ import annotations

from sqlalchemy import ScalarSelect, Select, and_, case, delete, func, insert, select, update
from sqlalchemy.orm import Session

from services.marketplace import shops
from services.marketplace.listings import clashing_booking
from services.marketplace.models import CartLine, Listing, Seller, Slot, Variant
from shared.auth import Principal
from shared.db import hold_lock
from shared.errors import Conflict, NotFound, Unprocessable

MAX_QUANTITY = 100
FEW_LEFT = 3  # at most this many in stock: the cart says "Only 2 left"


def add_to_cart(session: Session, by: Principal, listing_id: int, quantity: int = 1,
                variant_id: int | None = None, slot_id: int | None = None) -> tuple[int, dict]:
    """Put a variant of goods (with a quantity) or a service slot into the caller's cart.

    Return the line's id and the cart priced as ``priced_cart`` gives it, made from what was read and
    written here rather than read again.
    """
    # One change at a time to one cart: two adds of the same item at once must add up, not overwrite.
    hold_lock(session, f"cart:{by.account_id}")
    held = [dict(line) for line in session.execute(_cart_query(by)).mappings()]
    offer = session.execute(_offer_query(by, listing_id, slot_id)).all()
    if not offer or offer[0].status != "published" or not (offer[0].active and offer[0].seller_kind == "producer"):
        raise NotFound(f"There is no listing {listing_id} on sale.")
    listing = offer[0]
    if listing.seller_account_id == by.account_id:  # her own shop is the seller her account is
        raise Conflict("You cannot buy from your own shop.")
    if listing.kind == "goods":
        if slot_id is not None:
            raise Unprocessable("Goods are bought by variant, not by time slot.")
        variant_id = _pick_variant(listing_id, [row.variant_id for row in offer if row.variant_id], variant_id)
    else:
        if slot_id is None or variant_id is not None:
            raise Unprocessable("A service is booked by choosing one of its time slots (slot_id).")
        if listing.slot_id is None:
            raise NotFound(f"Listing {listing_id} has no slot {slot_id}.")
        if listing.booked_by_order_id is not None:
            raise Conflict("That time is already booked.")
        if clashing_booking(session, listing.seller_id, slot_id, listing.starts_at, listing.duration_minutes):
            raise Conflict("That time overlaps another booking of this member's; choose another time.")
        quantity = 1
    line = next((line for line in held if (line["variant_id"] == variant_id if variant_id is not None
                                          else line["slot_id"] == slot_id)), None)
    quantity = quantity if slot_id else (line["quantity"] if line else 0) + quantity
    if quantity > MAX_QUANTITY:
        raise Unprocessable(f"At most {MAX_QUANTITY} of one item in a cart.")
    if line is not None:
        session.execute(update(CartLine).where(CartLine.id == line["id"]).values(quantity=quantity))
        line["quantity"] = quantity
    else:
        line_id = session.execute(insert(CartLine).values(
            account_id=by.account_id, listing_id=listing_id, variant_id=variant_id, slot_id=slot_id,
            quantity=quantity).returning(CartLine.id)).scalar_one()
        left = next((row.stock for row in offer if row.variant_id == variant_id), None) if variant_id else None
        line = {"id": line_id, "listing_id": listing_id, "variant_id": variant_id, "slot_id": slot_id,
                "quantity": quantity, "title": listing.title, "seller_id": listing.seller_id,
                "price_pence": listing.price_pence, "member_discount_pence": listing.member_discount_pence,
                "left": left}
        held.append(line)  # the newest line, so the last by id
    return line["id"], _priced(held, listing.buyer)


def _offer_query(by: Principal, listing_id: int, slot_id: int | None) -> Select:
    """The listing, its seller, its variants (goods) or the slot asked for (a service), and the buyer: one query.

    A listing has variants or slots, never both, so the rows are one per variant, or one.
    """
    return (select(Listing.kind, Listing.title, Listing.status, Listing.seller_id, Listing.price_pence,
                   Listing.member_discount_pence, Listing.duration_minutes, Seller.active,
                   Seller.kind.label("seller_kind"), Seller.account_id.label("seller_account_id"),
                   Variant.id.label("variant_id"), Variant.stock, Slot.id.label("slot_id"), Slot.starts_at,
                   Slot.booked_by_order_id, buying_member(by).label("buyer"))
            .join(Seller, Seller.member_id == Listing.seller_id)
            .outerjoin(Variant, Variant.listing_id == Listing.id)
            .outerjoin(Slot, and_(Slot.listing_id == Listing.id, Slot.id == slot_id))
            .where(Listing.id == listing_id).order_by(Variant.id))


def buying_member(by: Principal) -> ScalarSelect:
    """The caller's member id if an active member is buying (member prices), else NULL: a column for a query.

    The same answer as ``shops.buying_member_id``, without a query of its own.
    """
    return (select(Seller.member_id).where(Seller.account_id == by.account_id, Seller.active.is_(True))
            .limit(1).scalar_subquery())


def change_quantity(session: Session, by: Principal, line_id: int, quantity: int) -> CartLine:
    """Set how many of one item the caller's cart holds (goods only: a booked time is one); another's is not found."""
    hold_lock(session, f"cart:{by.account_id}")
    line = session.scalar(select(CartLine).where(CartLine.id == line_id, CartLine.account_id == by.account_id))
    if line is None:
        raise NotFound(f"Your cart has no line {line_id}.")
    if line.slot_id is not None:
        raise Conflict("A booked time is one booking; remove it to choose another.")
    if not 1 <= quantity <= MAX_QUANTITY:
        raise Unprocessable(f"The quantity is a whole number from 1 to {MAX_QUANTITY}; remove the item to take it out.")
    line.quantity = quantity
    session.flush()
    return line


def _pick_variant(listing_id: int, variant_ids: list[int], variant_id: int | None) -> int:
    if variant_id is None:
        if len(variant_ids) != 1:
            raise Unprocessable("Choose a variant (variant_id): this listing comes in several.")
        return variant_ids[0]
    if variant_id not in variant_ids:
        raise NotFound(f"Listing {listing_id} has no variant {variant_id}.")
    return variant_id


def _cart_query(by: Principal) -> Select:
    """The caller's cart lines with what pricing them needs (price, discount, stock left), in one query."""
    return (select(CartLine.id, CartLine.listing_id, CartLine.variant_id, CartLine.slot_id, CartLine.quantity,
                   Listing.title, Listing.seller_id, Listing.price_pence, Listing.member_discount_pence,
                   # None for a time; 0 for a variant no longer there (what open orders reserved is already out)
                   case((CartLine.variant_id.is_(None), None), else_=func.coalesce(Variant.stock, 0)).label("left"))
            .join(Listing, Listing.id == CartLine.listing_id)
            .outerjoin(Variant, and_(Variant.id == CartLine.variant_id, Variant.listing_id == CartLine.listing_id))
            .where(CartLine.account_id == by.account_id).order_by(CartLine.id))


def remove_from_cart(session: Session, by: Principal, line_id: int) -> None:
    """Take a line out of the caller's cart; another's line is not found."""
    removed = session.execute(delete(CartLine).where(CartLine.id == line_id, CartLine.account_id == by.account_id))
    if removed.rowcount == 0:
        raise NotFound(f"Your cart has no line {line_id}.")


def empty_cart(session: Session, by: Principal) -> None:
    session.execute(delete(CartLine).where(CartLine.account_id == by.account_id))


def priced_cart(session: Session, by: Principal) -> dict:
    """Return the cart with what the caller would pay: member prices for an active member."""
    lines = [dict(line) for line in session.execute(_cart_query(by).add_columns(buying_member(by).label("buyer")))
             .mappings()]
    member = lines[0]["buyer"] if lines else shops.buying_member_id(session, by)
    return _priced(lines, member)


def _priced(lines: list[dict], member: int | None) -> dict:
    priced = []
    for line in lines:
        unit = line["price_pence"] - (line["member_discount_pence"] if member else 0)
        left = line["left"]
        priced.append({"id": line["id"], "listing_id": line["listing_id"], "variant_id": line["variant_id"],
                       "slot_id": line["slot_id"], "quantity": line["quantity"], "title": line["title"],
                       "seller_id": line["seller_id"], "unit_price_pence": unit, "left": left,
                       "few_left": left is not None and left <= FEW_LEFT,
                       "short": left is not None and line["quantity"] > left})
    total = sum(line["unit_price_pence"] * line["quantity"] for line in priced)
    return {"lines": priced, "total_pence": total, "member_prices": member is not None}
