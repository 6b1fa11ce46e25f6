"""Demo listings for the embedded run, so that a newcomer can buy something at once, and one paid order.

Sellers only ever come from member events, so the listings wait until the demo members' admissions
have arrived from the members service. The paid order (``DEMO_ORDER``) gives Paper Birds Cards an order
to confirm in My shop, and its ``order.paid`` is what tells her of a new order.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from sqlalchemy import func, select

from services.marketplace import cart, listings, orders, payments
from services.marketplace.models import Listing, Seller
from shared.auth import Principal
from shared.db import utcnow

log = logging.getLogger(__name__)

# shop name -> listings (kind, title, category, price, member discount, stock or slots, description)
DEMO_LISTINGS = {
    "Paper Birds Cards": [
        ("goods", "Robin Christmas card", "cards", 350, 50, 40, "Hand-printed linocut robin, blank inside."),
        ("goods", "Wedding stationery set", "cards", 2400, 300, 8, "Invitation, RSVP and thank-you cards."),
    ],
    "Silver Lining Jewellery": [
        ("goods", "Recycled silver ring", "jewellery", 2800, 400, 6, "Hammered band made from reclaimed silver."),
        ("goods", "Leaf pendant", "jewellery", 1900, 200, 10, "Silver leaf on an 18-inch chain."),
    ],
    "Wagtails Dog Grooming": [
        ("service", "Full groom, small dog", "grooming", 3500, 500, 4, "Bath, cut, nails and ears, at your door."),
    ],
    "Second Helpings Catering": [
        ("goods", "Meeting lunch for ten", "catering", 9500, 1000, 5, "Sandwiches, salads, fruit and cake."),
    ],
    "Threadbare Fashion": [
        ("goods", "Upcycled denim jacket", "fashion", 4500, 500, 3, "One of a kind, patched and embroidered."),
    ],
}

# (buying shop, selling shop, listing title, quantity): a member buying from another at member prices.
DEMO_ORDER = ("Second Helpings Catering", "Paper Birds Cards", "Robin Christmas card", 12)
DEMO_ADDRESS = "Second Helpings Catering, 4 Mill Yard, Leeds"


def load_demo_listings(runtime, wait_seconds: float = 180.0) -> int:
    """Create and publish the demo listings once the demo sellers exist, then place and pay the demo order;
    return how many listings were made."""
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        with runtime.db.transaction() as session:
            if session.scalar(select(func.count()).select_from(Listing)):
                return 0
            sellers = {seller.shop_name: seller for seller in session.scalars(select(Seller))}
            made = _create(session, sellers) if all(name in sellers for name in DEMO_LISTINGS) else None
        if made is not None:
            _place_demo_order(runtime)
            return made
        time.sleep(0.2)
    log.warning("demo sellers did not arrive in time; no demo listings loaded")
    return 0


def _create(session, sellers) -> int:
    made = 0
    for shop, items in DEMO_LISTINGS.items():
        seller = sellers[shop]
        owner = Principal(seller.account_id, ("member",), seller.member_id)
        for kind, title, category, price, discount, amount, description in items:
            data = {"kind": kind, "title": title, "category": category, "price_pence": price,
                    "member_discount_pence": discount, "description": description}
            if kind == "goods":
                data["stock"] = amount
            else:
                data["duration_minutes"] = 90
                first = (utcnow() + dt.timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
                data["slots"] = [first + dt.timedelta(days=day) for day in range(amount)]
            listing = listings.create_listing(session, owner, data)
            listings.change_status(session, listing.id, owner, "publish")
            made += 1
    return made


def _place_demo_order(runtime) -> None:
    """Buy and pay for DEMO_ORDER with the test card, as a customer would (through the same use cases)."""
    buying, selling, title, quantity = DEMO_ORDER
    collaborators = runtime.collaborators
    with runtime.db.sessionmaker() as session:
        buyer_shop = session.scalar(select(Seller).where(Seller.shop_name == buying))
        listing = session.scalar(select(Listing).join(Seller).where(Seller.shop_name == selling,
                                                                    Listing.title == title))
        buyer = Principal(buyer_shop.account_id, ("member",), buyer_shop.member_id)
        cart.add_to_cart(session, buyer, listing.id, quantity)
        _status, order = orders.place_order(session, buyer, collaborators.settings, DEMO_ADDRESS)
        session.commit()
        card = {"number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": utcnow().year + 3, "cvc": "123",
                "holder_name": "Priya"}
        try:
            payments.pay_for_order(session, order["id"], buyer, card, collaborators.provider, "demo-order")
            session.commit()
        except payments.PaymentRefused:  # the test card is not refused; were it, the order would wait unpaid
            session.rollback()
            log.warning("the demo order %s could not be paid", order["id"])
