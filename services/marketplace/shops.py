"""Shops: a member business's shop as customers see it, and the caller's own shop.

Which shop is the caller's is asked here and nowhere else (``shop_of``); every use case that needs it,
in either door, calls ``own_shop`` and so refuses with the same words.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.marketplace.models import Listing, Seller
from shared.auth import Principal
from shared.errors import Forbidden, NotFound

NO_SHOP = "Only active producer members have a shop in the marketplace; sign in as one."


def shop_of(session: Session, caller: Principal) -> Seller | None:
    """Return the caller's own shop (the member business her account is), or None if she has none."""
    return session.scalar(select(Seller).where(Seller.account_id == caller.account_id))


def is_own(seller: Seller, caller: Principal) -> bool:
    """Tell whether this shop is the caller's own."""
    return seller.account_id == caller.account_id


def own_shop(session: Session, caller: Principal, even_if_closed: bool = False) -> Seller:
    """Return the caller's own shop, or refuse (403) a caller who has none or may not sell now.

    ``even_if_closed``: a member business suspended or gone may still look at its own listings and
    orders (not change them, nor sell). Her token may still say "member" for a few minutes; this
    service's own copy of her status rules.
    """
    seller = shop_of(session, caller)
    if seller is None or not caller.has_any("member") or not (seller.can_sell or even_if_closed):
        raise Forbidden(NO_SHOP)
    return seller


def buying_member_id(session: Session, caller: Principal) -> int | None:
    """Return the caller's member id if an active member is buying (member prices), else None."""
    seller = shop_of(session, caller)
    return seller.member_id if seller is not None and seller.active else None


def open_shop(session: Session, member_id: int) -> Seller:
    """Return a member business's shop as customers see it; one that may not sell is not found."""
    seller = session.get(Seller, member_id)
    if seller is None or not seller.can_sell:
        raise NotFound(f"There is no shop {member_id}.")
    return seller


def featured_makers(session: Session, limit: int = 6) -> list:
    """Return (seller, how many listings on sale) for the producers with the most listings on sale."""
    return session.execute(
        select(Seller, func.count(Listing.id)).join(Listing, Listing.seller_id == Seller.member_id)
        .where(Listing.status == "published", Seller.active.is_(True), Seller.kind == "producer")
        .group_by(Seller.member_id).order_by(func.count(Listing.id).desc(), Seller.shop_name).limit(limit)).all()


def shop_names(session: Session, member_ids) -> dict[int, str]:
    """Return each seller's shop name by member id, in one query."""
    ids = sorted(set(member_ids))
    if not ids:
        return {}
    return dict(session.execute(select(Seller.member_id, Seller.shop_name).where(Seller.member_id.in_(ids)))
                .tuples().all())
