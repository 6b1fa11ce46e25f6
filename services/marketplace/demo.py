"""Demo listings for the embedded run, so that a newcomer can buy something at once, and one paid order.

Sellers only ever come from member events, so the listings wait until the demo members' admissions
have arrived from the members service. The paid order (``DEMO_ORDER``) gives Paper Birds Cards an order
to confirm in My shop, and its ``order.paid`` is what tells her of a new order.

Each listing gets a photo drawn here with Pillow (``product_image``: a soft background and a simple
picture of its kind of thing), stored as an upload is (``ImageStore.store``: checked, re-encoded), so
the shop looks alive on first run; drawing and storing them all takes a small part of a second.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import time

from PIL import Image, ImageDraw
from sqlalchemy import func, select

from services.marketplace import cart, listings, orders, payments
from services.marketplace.adapters.image_store import URL_PREFIX
from services.marketplace.models import Listing, Seller
from shared.auth import Principal
from shared.db import utcnow

log = logging.getLogger(__name__)

# shop name -> listings (kind, title, category, price, member discount, stock or slots, description)
DEMO_LISTINGS = {
    "Paper Birds Cards": [
        ("goods", "Robin Christmas card", "cards", 350, 50, 40, "Hand-printed linocut robin, blank inside."),
        ("goods", "Wedding stationery set", "cards", 2400, 300, 8, "Invitation, RSVP and thank-you cards."),
        ("goods", "Birthday bunting card", "cards", 295, 45, 30, "Bright bunting, printed by hand on recycled card."),
        ("goods", "Thank-you notelets, pack of six", "cards", 650, 100, 20, "Six folded notes with envelopes."),
        ("goods", "Linocut print, Yorkshire hills", "home", 1800, 200, 5, "A4 print on cotton paper, signed."),
    ],
    "Silver Lining Jewellery": [
        ("goods", "Recycled silver ring", "jewellery", 2800, 400, 6, "Hammered band made from reclaimed silver."),
        ("goods", "Leaf pendant", "jewellery", 1900, 200, 10, "Silver leaf on an 18-inch chain."),
        ("goods", "Stacking rings, set of three", "jewellery", 3600, 400, 4, "Three slim bands to wear together."),
        ("goods", "Pebble stud earrings", "jewellery", 1500, 200, 12, "Smooth silver pebbles on sterling posts."),
    ],
    "Wagtails Dog Grooming": [
        ("service", "Full groom, small dog", "grooming", 3500, 500, 4, "Bath, cut, nails and ears, at your door."),
        ("service", "Nail trim and paw balm", "grooming", 1200, 200, 4, "A quick, calm visit for nails and paws."),
    ],
    "Second Helpings Catering": [
        ("goods", "Meeting lunch for ten", "catering", 9500, 1000, 5, "Sandwiches, salads, fruit and cake."),
        ("goods", "Celebration cake", "catering", 3200, 300, 4, "Lemon sponge for twenty, decorated to order."),
        ("goods", "Breakfast box for six", "catering", 4200, 500, 6, "Pastries, fruit, yoghurt and fresh juice."),
    ],
    "Threadbare Fashion": [
        ("goods", "Upcycled denim jacket", "fashion", 4500, 500, 3, "One of a kind, patched and embroidered."),
        ("goods", "Patchwork tote bag", "fashion", 2200, 300, 8, "Sturdy tote sewn from offcuts, lined."),
        ("goods", "Hand-knitted tea cosy", "crafts", 1600, 200, 2, "Chunky wool in autumn stripes."),
    ],
}
# The hour (UK morning, in UTC) each service's slots start at, by its place among its shop's services:
# one person's services never overlap, so each can be booked.
SERVICE_HOURS = (10, 14)

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
            ready = all(name in sellers for name in DEMO_LISTINGS)
            made = _create(session, sellers, runtime.collaborators.images) if ready else None
        if made is not None:
            _place_demo_order(runtime)
            return made
        time.sleep(0.2)
    log.warning("demo sellers did not arrive in time; no demo listings loaded")
    return 0


def _create(session, sellers, images) -> int:
    made = 0
    for shop, items in DEMO_LISTINGS.items():
        seller = sellers[shop]
        owner = Principal(seller.account_id, ("member",), seller.member_id)
        services = 0
        for kind, title, category, price, discount, amount, description in items:
            photo = images.store(product_image(title, category), "image/jpeg")
            data = {"kind": kind, "title": title, "category": category, "price_pence": price,
                    "member_discount_pence": discount, "description": description, "images": [URL_PREFIX + photo]}
            if kind == "goods":
                data["stock"] = amount
            else:
                data["duration_minutes"] = 90
                hour, services = SERVICE_HOURS[services % len(SERVICE_HOURS)], services + 1
                first = (utcnow() + dt.timedelta(days=2)).replace(hour=hour, minute=0, second=0, microsecond=0)
                data["slots"] = [first + dt.timedelta(days=day) for day in range(amount)]
            listing = listings.create_listing(session, owner, data)
            listings.change_status(session, listing.id, owner, "publish")
            made += 1
    return made


# category -> (background, the thing's colour): soft, warm colours, a different pair for each kind of thing
PALETTES = {
    "cards": ((250, 236, 222), (196, 64, 52)), "jewellery": ((226, 234, 240), (150, 160, 172)),
    "catering": ((251, 240, 214), (214, 128, 62)), "fashion": ((228, 236, 246), (58, 92, 140)),
    "crafts": ((244, 230, 236), (176, 84, 120)), "grooming": ((230, 242, 232), (92, 130, 96)),
    "home": ((236, 242, 230), (70, 112, 84)), "other": ((240, 238, 232), (110, 100, 90)),
}
PHOTO_SIZE = (480, 360)


def product_image(title: str, category: str) -> bytes:
    """Draw a simple, pleasant picture of a listing (its category's thing on a soft ground) as JPEG bytes.

    Drawn at twice the size and scaled down, so the edges are smooth; the title picks the shades and
    where the thing sits, so no two listings look the same and the same listing always looks alike.
    """
    seed = hashlib.sha256(title.encode()).digest()
    ground, ink = PALETTES.get(category, PALETTES["other"])
    ink = tuple(min(255, max(0, c + (seed[i] % 41) - 20)) for i, c in enumerate(ink))
    width, height = PHOTO_SIZE[0] * 2, PHOTO_SIZE[1] * 2
    image = Image.new("RGB", (width, height), ground)
    draw = ImageDraw.Draw(image)
    for y in range(0, height, 8):  # a gentle light from above
        shade = 18 * y // height
        draw.rectangle((0, y, width, y + 8), fill=tuple(max(0, c - shade) for c in ground))
    draw.ellipse((width * .18, height * .78, width * .82, height * .92), fill=tuple(c - 28 for c in ground))
    x = width // 2 + (seed[3] % 81) - 40
    drawing = next((drawn for word, drawn in BY_WORD.items() if word in title.lower()), None)
    (drawing or DRAWINGS.get(category, _parcel))(draw, x, height // 2, height, ink, seed)
    out = io.BytesIO()
    image.resize(PHOTO_SIZE, Image.Resampling.BILINEAR).save(out, format="JPEG", quality=85)
    return out.getvalue()


def _blank_card(draw, x, y):
    draw.polygon([(x - 170, y - 240), (x + 170, y - 220), (x + 150, y + 230), (x - 190, y + 210)], fill="white",
                 outline=(200, 190, 180), width=4)


def _card(draw, x, y, h, ink, seed):
    _blank_card(draw, x, y)
    draw.ellipse((x - 80, y - 70, x + 80, y + 90), fill=(120, 84, 60))  # a robin: body,
    draw.ellipse((x - 60, y - 10, x + 50, y + 80), fill=ink)  # red breast,
    draw.ellipse((x - 30, y - 130, x + 50, y - 50), fill=(120, 84, 60))  # head,
    draw.ellipse((x + 14, y - 106, x + 28, y - 92), fill="black")  # eye
    draw.polygon([(x + 48, y - 96), (x + 84, y - 86), (x + 48, y - 76)], fill=(230, 170, 40))  # and beak
    for i in range(5):
        draw.line((x - 140 + i * 60, y + 170, x - 110 + i * 60, y + 150), fill=(90, 140, 90), width=10)


def _bunting(draw, x, y, h, ink, seed):
    _blank_card(draw, x, y)
    draw.arc((x - 160, y - 260, x + 140, y - 40), 20, 160, fill=(120, 110, 100), width=6)
    colours = (ink, (240, 190, 60), (70, 140, 190), (110, 170, 90))
    for i in range(5):
        top_x, top_y = x - 120 + i * 55, y - 128 + abs(i - 2) * -14 + 14 * 2
        draw.polygon([(top_x - 24, top_y), (top_x + 24, top_y), (top_x, top_y + 60)], fill=colours[i % 4])
    draw.rectangle((x - 90, y + 60, x + 70, y + 90), fill=(220, 210, 200))


def _hearts(draw, x, y, h, ink, seed):
    _blank_card(draw, x, y)
    for dx, dy, size in ((-40, -20, 70), (50, 30, 55)):
        cx, cy = x + dx, y + dy
        draw.ellipse((cx - size, cy - size, cx, cy), fill=ink)
        draw.ellipse((cx, cy - size, cx + size, cy), fill=ink)
        draw.polygon([(cx - size + 4, cy - size // 2 + 10), (cx + size - 4, cy - size // 2 + 10), (cx, cy + size)],
                     fill=ink)


def _notes(draw, x, y, h, ink, seed):
    for i, colour in enumerate(((250, 250, 250), (236, 244, 250), (250, 240, 232))):
        dx = (i - 1) * 60
        draw.rectangle((x - 190 + dx, y - 150 + i * 30, x + 130 + dx, y + 80 + i * 30), fill=colour,
                       outline=(200, 190, 180), width=4)
    draw.polygon([(x - 70, y - 60 + 60), (x + 70 + 60, y - 60 + 60), (x + 30, y + 50)], outline=ink, width=8)
    draw.ellipse((x + 80, y - 60, x + 130, y - 10), fill=ink)


def _ring(draw, x, y, h, ink, seed):
    draw.ellipse((x - 170, y - 120, x + 170, y + 200), outline=ink, width=44)
    draw.ellipse((x - 130, y - 80, x + 130, y + 160), outline=tuple(min(255, c + 60) for c in ink), width=8)
    gem = (seed[5] % 120 + 60, 120, 200 - seed[6] % 80)
    draw.polygon([(x, y - 210), (x + 60, y - 150), (x, y - 90), (x - 60, y - 150)], fill=gem, outline="white", width=6)


def _studs(draw, x, y, h, ink, seed):
    for dx in (-110, 110):
        draw.ellipse((x + dx - 80, y - 70, x + dx + 80, y + 80), fill=ink)
        draw.ellipse((x + dx - 50, y - 50, x + dx + 10, y), fill=tuple(min(255, c + 70) for c in ink))


def _pendant(draw, x, y, h, ink, seed):
    draw.arc((x - 220, y - 320, x + 220, y + 40), 20, 160, fill=tuple(min(255, c + 40) for c in ink), width=10)
    draw.polygon([(x, y - 10), (x + 90, y + 110), (x, y + 250), (x - 90, y + 110)], fill=ink)
    draw.line((x, y + 10, x, y + 230), fill=tuple(min(255, c + 70) for c in ink), width=8)


def _cake(draw, x, y, h, ink, seed):
    draw.ellipse((x - 260, y + 120, x + 260, y + 220), fill="white", outline=(210, 200, 190), width=6)
    draw.rectangle((x - 180, y - 40, x + 180, y + 170), fill=(246, 226, 170))
    draw.ellipse((x - 180, y - 90, x + 180, y + 10), fill=(252, 246, 236))
    draw.rectangle((x - 180, y + 50, x + 180, y + 76), fill=ink)
    for i in range(3):
        cx = x - 90 + i * 90
        draw.rectangle((cx - 8, y - 150, cx + 8, y - 60), fill=(120, 170, 210))
        draw.ellipse((cx - 14, y - 190, cx + 14, y - 150), fill=(245, 180, 40))


def _plate(draw, x, y, h, ink, seed):
    draw.ellipse((x - 250, y - 200, x + 250, y + 220), fill="white", outline=(210, 200, 190), width=6)
    draw.ellipse((x - 180, y - 140, x + 180, y + 160), outline=(230, 222, 210), width=6)
    for i in range(5):
        cx, cy = x - 110 + (seed[i] % 220), y - 80 + (seed[i + 5] % 160)
        colour = (ink, (110, 160, 80), (240, 200, 90))[i % 3]
        draw.ellipse((cx - 50, cy - 40, cx + 50, cy + 40), fill=colour)


def _jacket(draw, x, y, h, ink, seed):
    draw.polygon([(x - 110, y - 220), (x + 110, y - 220), (x + 230, y - 130), (x + 270, y + 170), (x + 190, y + 180),
                  (x + 160, y - 20), (x + 150, y + 230), (x - 150, y + 230), (x - 160, y - 20), (x - 190, y + 180),
                  (x - 270, y + 170), (x - 230, y - 130)], fill=ink)
    draw.polygon([(x - 110, y - 220), (x, y - 120), (x + 110, y - 220)], fill=tuple(min(255, c + 50) for c in ink))
    draw.line((x, y - 120, x, y + 230), fill=(230, 200, 120), width=6)
    draw.rectangle((x - 120, y + 20, x - 50, y + 90), fill=(200, 90, 110))  # a patch


def _tote(draw, x, y, h, ink, seed):
    draw.arc((x - 110, y - 260, x + 110, y - 20), 180, 360, fill=(120, 90, 60), width=22)
    draw.polygon([(x - 200, y - 130), (x + 200, y - 130), (x + 230, y + 220), (x - 230, y + 220)], fill=ink)
    for i, colour in enumerate(((230, 190, 90), (200, 90, 110), (110, 170, 130))):
        draw.rectangle((x - 150 + i * 100, y - 40 + (i % 2) * 80, x - 70 + i * 100, y + 40 + (i % 2) * 80),
                       fill=colour)


def _bundle(draw, x, y, h, ink, seed):
    y += 120
    draw.chord((x - 220, y - 220, x + 220, y + 220), 180, 360, fill=ink)
    for i, offset in enumerate(range(-160, 1, 60)):
        stripe = tuple(min(255, c + 40 * (i % 2)) for c in ink)
        draw.arc((x - 220 - offset // 2, y - 220 - offset, x + 220 + offset // 2, y + 220 + offset), 180, 360,
                 fill=stripe, width=16)
    draw.rectangle((x - 240, y, x + 240, y + 40), fill=(240, 230, 210))
    draw.ellipse((x - 40, y - 280, x + 40, y - 200), fill=tuple(min(255, c + 70) for c in ink))


def _paw(draw, x, y, h, ink, seed):
    draw.ellipse((x - 130, y - 20, x + 130, y + 190), fill=ink)
    for dx, dy in ((-170, -120), (-65, -200), (65, -200), (170, -120)):
        draw.ellipse((x + dx - 55, y + dy - 65, x + dx + 55, y + dy + 65), fill=ink)


def _picture(draw, x, y, h, ink, seed):
    draw.rectangle((x - 260, y - 200, x + 260, y + 200), fill=(120, 90, 60))
    draw.rectangle((x - 230, y - 170, x + 230, y + 170), fill=(246, 242, 230))
    draw.polygon([(x - 230, y + 170), (x - 230, y + 40), (x - 90, y - 60), (x + 40, y + 30), (x + 150, y - 90),
                  (x + 230, y - 20), (x + 230, y + 170)], fill=ink)
    draw.ellipse((x + 120, y - 150, x + 190, y - 80), fill=(240, 190, 80))


def _parcel(draw, x, y, h, ink, seed):
    draw.rectangle((x - 200, y - 150, x + 200, y + 180), fill=ink)
    draw.rectangle((x - 20, y - 150, x + 20, y + 180), fill=(240, 220, 160))
    draw.rectangle((x - 200, y - 10, x + 200, y + 30), fill=(240, 220, 160))


# A word in a listing's title that calls for its own picture, before its category's.
BY_WORD = {"bunting": _bunting, "wedding": _hearts, "notelet": _notes, "earring": _studs, "pendant": _pendant,
           "cake": _cake, "tote": _tote, "bag": _tote}
DRAWINGS = {"cards": _card, "jewellery": _ring, "catering": _plate, "fashion": _jacket, "crafts": _bundle,
            "grooming": _paw, "home": _picture}


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
