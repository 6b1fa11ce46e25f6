"""A buyer's cart: lines from any number of sellers, kept until checkout."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.marketplace import shops
from services.marketplace.listings import clashing_booking, visible_listing
from services.marketplace.models import CartLine
from shared.auth import Principal
from shared.db import hold_lock
from shared.errors import Conflict, NotFound, Unprocessable

MAX_QUANTITY = 100
FEW_LEFT = 3  # at most this many in stock: the cart says "Only 2 left"


def add_to_cart(session: Session, by: Principal, listing_id: int, quantity: int = 1,
                variant_id: int | None = None, slot_id: int | None = None) -> CartLine:
    """Put a variant of goods (with a quantity) or a service slot into the caller's cart."""
    # One change at a time to one cart: two adds of the same item at once must add up, not overwrite.
    hold_lock(session, f"cart:{by.account_id}")
    listing = visible_listing(session, listing_id)
    own = shops.shop_of(session, by)
    if own is not None and own.member_id == listing.seller_id:
        raise Conflict("You cannot buy from your own shop.")
    if listing.kind == "goods":
        if slot_id is not None:
            raise Unprocessable("Goods are bought by variant, not by time slot.")
        variant_id = _pick_variant(listing, variant_id)
    else:
        if slot_id is None or variant_id is not None:
            raise Unprocessable("A service is booked by choosing one of its time slots (slot_id).")
        slot = next((s for s in listing.slots if s.id == slot_id), None)
        if slot is None:
            raise NotFound(f"Listing {listing_id} has no slot {slot_id}.")
        if slot.booked_by_order_id is not None:
            raise Conflict("That time is already booked.")
        if clashing_booking(session, listing, slot_id):
            raise Conflict("That time overlaps another booking of this member's; choose another time.")
        quantity = 1
    same_item = CartLine.variant_id == variant_id if variant_id is not None else CartLine.slot_id == slot_id
    line = session.scalar(select(CartLine).where(CartLine.account_id == by.account_id, same_item))
    if line is None:
        line = CartLine(account_id=by.account_id, listing_id=listing.id, variant_id=variant_id, slot_id=slot_id,
                        quantity=0)
        session.add(line)
    line.quantity = quantity if slot_id else line.quantity + quantity
    if line.quantity > MAX_QUANTITY:
        raise Unprocessable(f"At most {MAX_QUANTITY} of one item in a cart.")
    session.flush()
    return line


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


def _pick_variant(listing, variant_id: int | None) -> int:
    if variant_id is None:
        if len(listing.variants) != 1:
            raise Unprocessable("Choose a variant (variant_id): this listing comes in several.")
        return listing.variants[0].id
    if not any(variant.id == variant_id for variant in listing.variants):
        raise NotFound(f"Listing {listing.id} has no variant {variant_id}.")
    return variant_id


def cart_lines(session: Session, by: Principal) -> list[CartLine]:
    return list(session.scalars(select(CartLine).where(CartLine.account_id == by.account_id)
                                .order_by(CartLine.id)))


def remove_from_cart(session: Session, by: Principal, line_id: int) -> None:
    """Take a line out of the caller's cart; another's line is not found."""
    removed = session.execute(delete(CartLine).where(CartLine.id == line_id, CartLine.account_id == by.account_id))
    if removed.rowcount == 0:
        raise NotFound(f"Your cart has no line {line_id}.")


def empty_cart(session: Session, by: Principal) -> None:
    session.execute(delete(CartLine).where(CartLine.account_id == by.account_id))


def _in_stock(listing, variant_id: int | None) -> int | None:
    """How many of a line's variant are in stock now (what open orders reserved is already out); None for a time."""
    if variant_id is None:
        return None
    return next((variant.stock for variant in listing.variants if variant.id == variant_id), 0)


def priced_cart(session: Session, by: Principal) -> dict:
    """Return the cart with what the caller would pay: member prices for an active member."""
    member = shops.buying_member_id(session, by)
    lines = []
    for line in cart_lines(session, by):
        listing = line.listing
        unit = listing.price_pence - (listing.member_discount_pence if member else 0)
        left = _in_stock(listing, line.variant_id)
        lines.append({"id": line.id, "listing_id": listing.id, "variant_id": line.variant_id, "slot_id": line.slot_id,
                      "quantity": line.quantity, "title": listing.title, "seller_id": listing.seller_id,
                      "unit_price_pence": unit, "left": left,
                      "few_left": left is not None and left <= FEW_LEFT,
                      "short": left is not None and line.quantity > left})
    total = sum(line["unit_price_pence"] * line["quantity"] for line in lines)
    return {"lines": lines, "total_pence": total, "member_prices": member is not None}
