"""Listings: what member businesses offer (their goods, services, stock, slots and images), and the catalogue."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Row, Select, String, cast, or_, select
from sqlalchemy.orm import Session, joinedload

from services.marketplace import shops
from services.marketplace.adapters.image_store import URL_PREFIX, ImageStore
from services.marketplace.events import OUTBOX
from services.marketplace.models import Listing, Order, Seller, Slot, Variant
from services.marketplace.rules.images import MAX_IMAGES
from services.marketplace.rules.prices import check_prices
from shared.auth import Principal
from shared.db import locked, utcnow
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable

CATEGORIES = ("cards", "jewellery", "catering", "fashion", "crafts", "grooming", "home", "other")
TRANSITIONS = {"publish": ({"draft", "withdrawn"}, "published"), "withdraw": ({"draft", "published"}, "withdrawn")}
SORTS = {
    "newest": (Listing.created_at.desc(), Listing.id.desc()),
    "price_asc": (Listing.price_pence.asc(), Listing.id.asc()),
    "price_desc": (Listing.price_pence.desc(), Listing.id.desc()),
}


def own_listing(session: Session, listing_id: int, by: Principal) -> Listing:
    """Return one of the caller's listings to change, locked until the transaction ends; another's is refused."""
    listing = locked(session, Listing, listing_id)
    if listing is None:
        raise NotFound(f"There is no listing {listing_id}.")
    seller = shops.own_shop(session, by)
    if listing.seller_id != seller.member_id:
        raise Forbidden("This listing belongs to another member.")
    return listing


def create_listing(session: Session, by: Principal, data: dict) -> Listing:
    """Add a draft listing to the caller's shop: goods with variants and stock, or a service with slots."""
    seller = shops.own_shop(session, by)
    check_prices(data["price_pence"], data.get("member_discount_pence", 0))
    listing = Listing(
        seller_id=seller.member_id, kind=data["kind"], title=data["title"], description=data.get("description", ""),
        category=data["category"], price_pence=data["price_pence"],
        member_discount_pence=data.get("member_discount_pence", 0), images=data.get("images", []),
        status="draft",
    )
    if listing.kind == "goods":
        variants = data.get("variants") or [{"name": "", "stock": data.get("stock", 0)}]
        listing.variants = [Variant(name=v["name"], stock=v["stock"]) for v in variants]
    else:
        if not data.get("duration_minutes"):
            raise Unprocessable("A service needs its duration in minutes.")
        listing.duration_minutes = data["duration_minutes"]
        listing.slots = [Slot(starts_at=starts_at) for starts_at in _future(data.get("slots", []))]
    session.add(listing)
    session.flush()
    return listing


def update_listing(session: Session, listing_id: int, by: Principal, changes: dict) -> Listing:
    """Change a listing's details; stock is set per variant."""
    listing = own_listing(session, listing_id, by)
    if listing.kind == "goods" and "duration_minutes" in changes:
        raise Unprocessable("Goods have stock, not a duration.")
    check_prices(changes.get("price_pence", listing.price_pence),
                  changes.get("member_discount_pence", listing.member_discount_pence))
    for field in ("title", "description", "category", "price_pence", "member_discount_pence", "images",
                  "duration_minutes"):
        if field in changes:
            setattr(listing, field, changes[field])
    listing.updated_at = utcnow()
    return listing


def set_stock(session: Session, listing_id: int, variant_id: int, stock: int, by: Principal) -> Variant:
    """Set how many of one variant are in stock (what was reserved by open orders is already out)."""
    listing = own_listing(session, listing_id, by)
    variant = next((v for v in listing.variants if v.id == variant_id), None)
    if variant is None:
        raise NotFound(f"Listing {listing_id} has no variant {variant_id}.")
    variant.stock = stock
    return variant


def add_variant(session: Session, listing_id: int, by: Principal, name: str, stock: int) -> Variant:
    listing = own_listing(session, listing_id, by)
    if listing.kind != "goods":
        raise Conflict("Only goods have variants; a service has time slots.")
    if any(v.name == name for v in listing.variants):
        raise Conflict(f"This listing already has a variant called {name!r}.")
    variant = Variant(name=name, stock=stock)
    listing.variants.append(variant)
    session.flush()
    return variant


def add_slots(session: Session, listing_id: int, by: Principal, starts: list[dt.datetime]) -> list[Slot]:
    """Publish more bookable times for a service."""
    listing = own_listing(session, listing_id, by)
    if listing.kind != "service":
        raise Conflict("Only services have time slots; goods have stock.")
    taken = {slot.starts_at for slot in listing.slots}
    slots = [Slot(starts_at=starts_at) for starts_at in _future(starts) if starts_at not in taken]
    listing.slots.extend(slots)
    session.flush()
    return slots


def change_status(session: Session, listing_id: int, by: Principal, action: str) -> Listing:
    """Publish or withdraw a listing, and say so on the bus."""
    listing = own_listing(session, listing_id, by)
    allowed_from, to_status = TRANSITIONS[action]
    if listing.status not in allowed_from:
        raise Conflict(f"A {listing.status} listing cannot be given '{action}'.")
    if action == "publish":
        check_prices(listing.price_pence, listing.member_discount_pence)  # one saved before 1p was the least
        if listing.kind == "service" and not listing.duration_minutes:
            raise Conflict("Give the service a duration before publishing it.")
    was_on_sale = listing.status == "published"
    listing.status = to_status
    if action == "withdraw" and not was_on_sale:
        return listing  # a draft nobody outside has seen: nothing to tell the other services
    OUTBOX.add(session, f"listing.{to_status}", {
        "listing_id": listing.id, "seller_id": listing.seller_id, "title": listing.title,
        "category": listing.category, "occurred_at": utcnow(),
    })
    return listing


# The schemas' longest service: a booking that began this long before a slot may still be running.
LONGEST_SERVICE = dt.timedelta(days=1)


def clashing_booking(session: Session, seller_id: int, slot_id: int, starts: dt.datetime, minutes: int) -> bool:
    """Tell whether another of the seller's booked slots overlaps this one (one person, one place at a time)."""
    ends = starts + dt.timedelta(minutes=minutes)
    booked = session.execute(
        select(Slot.starts_at, Listing.duration_minutes).join(Listing, Listing.id == Slot.listing_id)
        .where(Listing.seller_id == seller_id, Slot.id != slot_id, Slot.booked_by_order_id.is_not(None),
               Slot.starts_at < ends, Slot.starts_at > starts - LONGEST_SERVICE))
    return any(other_start + dt.timedelta(minutes=other) > starts for other_start, other in booked)


# A listing as customers see it, in one query: its seller (joined already), variants and slots.
WHOLE_LISTING = (joinedload(Listing.variants), joinedload(Listing.slots))

# The catalogue counts and pages through at most this many matches of one browse or search.
MOST_MATCHES = 1000


def catalogue_query(category: str | None = None, seller_id: int | None = None, search: str | None = None,
                    sort: str = "newest") -> Select:
    """Return the published listings of active sellers, filtered and sorted for customers."""
    # The variants and slots come in the same query as their listings (a listing has one kind or the
    # other, so the join adds no rows beyond them); the caller takes .unique() results.
    statement = (select(Listing).join(Seller, Seller.member_id == Listing.seller_id).options(*WHOLE_LISTING)
                 .where(Listing.status == "published", Seller.active.is_(True), Seller.kind == "producer"))
    if category:
        statement = statement.where(Listing.category == category)
    if seller_id:
        statement = statement.where(Listing.seller_id == seller_id)
    for word in (search or "").split():  # q is at most 100 characters, so this stays short
        pattern = f"%{_escape_like(word.lower())}%"
        statement = statement.where(or_(Listing.title.ilike(pattern, escape="\\"),
                                        Listing.description.ilike(pattern, escape="\\")))
    return statement.order_by(*SORTS[sort])


def visible_listing(session: Session, listing_id: int) -> Listing:
    """Return a listing a customer may see: published, by an active seller (one query, its variants and slots in it)."""
    listing = session.scalars(select(Listing).where(Listing.id == listing_id).options(*WHOLE_LISTING)).unique().first()
    if listing is None or listing.status != "published" or not listing.seller.can_sell:
        raise NotFound(f"There is no listing {listing_id} on sale.")
    return listing


def shop_query(session: Session, by: Principal) -> Select:
    """Return the caller's own listings, whatever their status (a shop closed meanwhile still sees them)."""
    seller = shops.own_shop(session, by, even_if_closed=True)
    return select(Listing).where(Listing.seller_id == seller.member_id).order_by(Listing.id.desc())


def booked_slots(session: Session, seller_id: int, limit: int = 200) -> list[Row]:
    """Return (slot, listing, order) rows for the seller's slots booked by orders that are not cancelled."""
    return session.execute(
        select(Slot, Listing, Order).join(Listing, Listing.id == Slot.listing_id)
        .join(Order, Order.id == Slot.booked_by_order_id)
        .where(Listing.seller_id == seller_id, Order.status != "cancelled")
        .order_by(Slot.starts_at, Slot.id).limit(limit)).all()


def add_image(session: Session, listing_id: int, by: Principal, data: bytes, declared_type: str,
              images: ImageStore, max_pixels: int) -> Listing:
    """Store an image and append its URL (``images/<name>``) to one of the caller's listings; commits.

    Ownership and the limit of images are checked before anything is written; if the commit fails the
    file is discarded, so no file is left that nothing names.
    """
    listing = own_listing(session, listing_id, by)  # locked: two uploads at once cannot pass the limit together
    current = listing.images or []
    if len(current) >= MAX_IMAGES:
        raise Unprocessable(f"A listing may have at most {MAX_IMAGES} images.")
    name = images.store(data, declared_type, max_pixels)
    listing.images = [*current, URL_PREFIX + name]  # a new list, so the change is saved
    listing.updated_at = utcnow()
    try:
        session.commit()
    except Exception:
        images.discard(name)
        raise
    return listing


IMAGE_MOVES = ("up", "down", "first")


def move_image(session: Session, listing_id: int, by: Principal, reference: str, where: str) -> Listing:
    """Move one of a listing's images up, down or to the front (the first is the one shown in the catalogue)."""
    listing = own_listing(session, listing_id, by)
    current = list(listing.images or [])
    if reference not in current:
        raise NotFound(f"Listing {listing_id} has no such image.")
    if where not in IMAGE_MOVES:
        raise Unprocessable(f"An image moves {', '.join(IMAGE_MOVES)}.")
    at = current.index(reference)
    to = {"up": max(at - 1, 0), "down": min(at + 1, len(current) - 1), "first": 0}[where]
    current.insert(to, current.pop(at))
    listing.images = current  # a new list, so the change is saved
    listing.updated_at = utcnow()
    return listing


def remove_image(session: Session, listing_id: int, by: Principal, reference: str, images: ImageStore) -> Listing:
    """Take an image off one of the caller's listings; commits, then deletes its file (and thumbnail).

    The file goes only once the listing no longer names it, and only if no other listing names it
    (a listing's images may be set to any uploaded name through the API), so nothing shown is broken.
    """
    listing = own_listing(session, listing_id, by)
    current = list(listing.images or [])
    if reference not in current:
        raise NotFound(f"Listing {listing_id} has no such image.")
    listing.images = [image for image in current if image != reference]
    listing.updated_at = utcnow()
    session.commit()
    if reference.startswith(URL_PREFIX):
        name = reference.removeprefix(URL_PREFIX)
        # Names are 32 hex digits and an extension: nothing in them that LIKE reads as a wildcard.
        still_named = session.scalar(select(Listing.id).where(cast(Listing.images, String).like(f"%{name}%"))
                                     .limit(1))
        if still_named is None:
            images.discard(name)
    return listing


def _future(starts: list[dt.datetime]) -> list[dt.datetime]:
    now = utcnow()
    if any(starts_at <= now for starts_at in starts):
        raise Unprocessable("Slots must be in the future.")
    return sorted(set(starts))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
