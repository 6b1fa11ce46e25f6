"""Pages for member businesses ("My shop"): their listings and photos, the orders to fulfil, their statement,
their VAT status."""

from __future__ import annotations

import datetime as dt

from flask import redirect, render_template, request, url_for

from services.marketplace import listings, orders, payouts, schemas, shops
from services.marketplace.adapters.image_store import URL_PREFIX
from services.marketplace.models import Seller
from services.marketplace.rules.images import MAX_IMAGES, MAX_UPLOAD_BYTES
from services.marketplace.rules.prices import check_prices
from services.marketplace.web.api.shop import _allows_body_of
from services.marketplace.web.pages.site import UK, pages_blp
from shared.errors import DomainError, Unprocessable
from shared.pages import needs_sign_in, pence_from, signed_in, validated, whole_number
from shared.service import collaborators, db_session

NEW_SLOT_ROWS = 3  # how many date + time pairs the service forms offer at once


def _own_shop() -> Seller:
    """My shop's pages are for a member business that may sell now: asked first, as every page here does."""
    return shops.own_shop(db_session(), signed_in())


def _prices(form) -> dict:
    """Read a form's price and member discount, refusing one nobody could pay with the rule's own words."""
    price = pence_from(form.get("price", ""), "price")
    discount = pence_from(form.get("member_discount") or "0", "member discount")
    check_prices(price, discount)
    return {"price_pence": price, "member_discount_pence": discount}


@pages_blp.get("/my-shop")
@needs_sign_in
def my_shop():
    """Show the member's own listings, drafts and withdrawn ones included, and a form to add one."""
    session, seller = db_session(), _own_shop()
    own = session.scalars(listings.shop_query(session, signed_in())).unique().all()
    return render_template("my_shop.html", seller=seller, own=own)


@pages_blp.post("/my-shop/listings")
@needs_sign_in
def add_listing():
    """Add goods with their stock to the member's shop, as a draft."""
    session, form = db_session(), request.form
    _own_shop()
    data = validated(schemas.ListingCreate(), {
        "kind": "goods", "title": form.get("title", "").strip(), "description": form.get("description", ""),
        "category": form.get("category", ""), **_prices(form),
        "stock": whole_number(form.get("stock", ""), "stock"),
    })
    listings.create_listing(session, signed_in(), data)
    session.commit()
    return redirect(url_for(".my_shop"))


@pages_blp.post("/my-shop/listings/<int:listing_id>/<any(publish, withdraw):action>")
@needs_sign_in
def change_listing(listing_id, action):
    """Publish or withdraw one of the member's listings."""
    session = db_session()
    listings.change_status(session, listing_id, signed_in(), action)
    session.commit()
    return redirect(url_for(".my_shop"))


@pages_blp.post("/my-shop/listings/<int:listing_id>/variants/<int:variant_id>/stock")
@needs_sign_in
def set_stock(listing_id, variant_id):
    """Set how many of a variant the member has in stock."""
    session = db_session()
    stock = validated(schemas.StockUpdate(), {"stock": whole_number(request.form.get("stock", ""), "stock")})["stock"]
    listings.set_stock(session, listing_id, variant_id, stock, signed_in())
    session.commit()
    return redirect(url_for(".my_shop"))


@pages_blp.get("/my-shop/listings/<int:listing_id>")
@needs_sign_in
def edit_listing(listing_id):
    """Show the form to change one of the member's listings, its photos, its variants or its time slots."""
    _own_shop()
    listing = listings.own_listing(db_session(), listing_id, signed_in())
    return _edit_page(listing, saved=request.args.get("saved"))


def _edit_page(listing, saved: str | None = None, photo_problem: str | None = None, status: int = 200):
    return render_template("listing_edit.html", listing=listing, slot_rows=range(1, NEW_SLOT_ROWS + 1),
                           saved=saved, photo_problem=photo_problem, max_images=MAX_IMAGES), status


@pages_blp.app_template_filter("thumbnail_url")
def _thumbnail_url_filter(reference: str) -> str:
    """Give the address of a listing image's thumbnail: an upload's own, else the image itself."""
    if reference.startswith(URL_PREFIX):
        thumbnail = collaborators().images.thumbnail(reference.removeprefix(URL_PREFIX))
        if thumbnail is not None:
            return url_for("catalogue.Image", name=thumbnail)
        return url_for("catalogue.Image", name=reference.removeprefix(URL_PREFIX))
    return reference


@pages_blp.post("/my-shop/listings/<int:listing_id>/photos")
@_allows_body_of(MAX_UPLOAD_BYTES)
@needs_sign_in
def add_photo(listing_id):
    """Upload a photo to one of the member's listings: decoded, encoded again and stripped as every upload is."""
    session, given = db_session(), collaborators()
    _own_shop()
    upload = request.files.get("photo")
    try:
        if upload is None or not upload.filename:
            raise Unprocessable("Choose a photo to upload (JPEG, PNG or WebP, at most 2 MiB).")
        listings.add_image(session, listing_id, signed_in(), upload.read(), upload.mimetype, given.images,
                           given.settings.max_image_pixels)
    except DomainError as refusal:
        if refusal.status in (403, 404):
            raise  # not her listing, or none: the error page, nothing of the listing shown
        session.rollback()
        listing = listings.own_listing(session, listing_id, signed_in())
        return _edit_page(listing, photo_problem=refusal.message, status=refusal.status)
    return redirect(url_for(".edit_listing", listing_id=listing_id, saved="photo-added", _anchor="photos"), 303)


@pages_blp.post("/my-shop/listings/<int:listing_id>/photos/<any(up, down, first):where>")
@needs_sign_in
def move_photo(listing_id, where):
    """Move one of a listing's photos up, down or to the front (the first is shown in the catalogue)."""
    session = db_session()
    _own_shop()
    listings.move_image(session, listing_id, signed_in(), request.form.get("image", ""), where)
    session.commit()
    return redirect(url_for(".edit_listing", listing_id=listing_id, saved="photo-moved", _anchor="photos"), 303)


@pages_blp.post("/my-shop/listings/<int:listing_id>/photos/remove")
@needs_sign_in
def remove_photo(listing_id):
    """Take a photo off one of the member's listings (its file, and its thumbnail, are deleted)."""
    session = db_session()
    _own_shop()
    listings.remove_image(session, listing_id, signed_in(), request.form.get("image", ""), collaborators().images)
    return redirect(url_for(".edit_listing", listing_id=listing_id, saved="photo-removed", _anchor="photos"), 303)


@pages_blp.post("/my-shop/listings/<int:listing_id>")
@needs_sign_in
def update_listing(listing_id):
    """Change a listing's title, description, category, prices (and a service's duration)."""
    session, form = db_session(), request.form
    _own_shop()
    listing = listings.own_listing(session, listing_id, signed_in())
    changes = {
        "title": form.get("title", "").strip(), "description": form.get("description", ""),
        "category": form.get("category", ""), **_prices(form),
    }
    if listing.kind == "service":
        changes["duration_minutes"] = whole_number(form.get("duration_minutes", ""), "duration in minutes")
    listings.update_listing(session, listing_id, signed_in(), validated(schemas.ListingUpdate(), changes))
    session.commit()
    return redirect(url_for(".edit_listing", listing_id=listing_id, saved="details"))


@pages_blp.post("/my-shop/listings/<int:listing_id>/variants")
@needs_sign_in
def add_variant(listing_id):
    """Add a variant (a size, a colour) with its stock to goods."""
    session, form = db_session(), request.form
    _own_shop()
    data = validated(schemas.VariantIn(), {"name": form.get("name", "").strip(),
                                           "stock": whole_number(form.get("stock", ""), "stock")})
    listings.add_variant(session, listing_id, signed_in(), data["name"], data["stock"])
    session.commit()
    return redirect(url_for(".edit_listing", listing_id=listing_id, saved="variant"))


@pages_blp.post("/my-shop/listings/<int:listing_id>/slots")
@needs_sign_in
def add_slots(listing_id):
    """Add more bookable times to a service; the times are typed in UK time."""
    session = db_session()
    _own_shop()
    starts = validated(schemas.SlotsAdd(), {"starts": _slots_from_form(request.form)})["starts"]
    listings.add_slots(session, listing_id, signed_in(), starts)
    session.commit()
    return redirect(url_for(".edit_listing", listing_id=listing_id, saved="slots"))


@pages_blp.get("/my-shop/services/new")
@needs_sign_in
def new_service():
    """Show the form to offer a service with a few bookable times."""
    _own_shop()
    return render_template("service_new.html", slot_rows=range(1, NEW_SLOT_ROWS + 1))


@pages_blp.post("/my-shop/services")
@needs_sign_in
def add_service():
    """Add a service with its duration and first time slots to the member's shop, as a draft."""
    session, form = db_session(), request.form
    _own_shop()
    data = validated(schemas.ListingCreate(), {
        "kind": "service", "title": form.get("title", "").strip(), "description": form.get("description", ""),
        "category": form.get("category", ""), **_prices(form),
        "duration_minutes": whole_number(form.get("duration_minutes", ""), "duration in minutes"),
        "slots": _slots_from_form(form),
    })
    listing = listings.create_listing(session, signed_in(), data)
    session.commit()
    return redirect(url_for(".edit_listing", listing_id=listing.id, saved="service"))


@pages_blp.get("/my-shop/bookings")
@needs_sign_in
def shop_bookings():
    """List the member's booked time slots, soonest first, with the order that booked each."""
    seller = _own_shop()
    return render_template("shop_bookings.html", seller=seller,
                           bookings=listings.booked_slots(db_session(), seller.member_id))


def uk_time(text_date: str, text_time: str, row: int) -> dt.datetime:
    """Read a date and a time typed in UK local time (GMT or BST) as a UTC datetime."""
    try:
        local = dt.datetime.combine(dt.date.fromisoformat(text_date.strip()),
                                    dt.time.fromisoformat(text_time.strip()), tzinfo=UK)
    except ValueError:
        raise Unprocessable(f"Give slot {row} as a date (YYYY-MM-DD) and a time (HH:MM).") from None
    in_utc = local.astimezone(dt.UTC)
    if in_utc.astimezone(UK).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise Unprocessable(f"Slot {row} falls when the clocks go forward, a time that does not exist in the UK.")
    return in_utc  # a time that happens twice (clocks going back) is taken as the first, in BST


def _slots_from_form(form) -> list[str]:
    """Read the filled-in slot rows (slot_date_N, slot_time_N) as ISO 8601 UTC times for the API schemas."""
    starts = []
    for row in range(1, NEW_SLOT_ROWS + 1):
        text_date, text_time = form.get(f"slot_date_{row}", ""), form.get(f"slot_time_{row}", "")
        if not text_date.strip() and not text_time.strip():
            continue
        if not text_date.strip() or not text_time.strip():
            raise Unprocessable(f"Give slot {row} both a date and a time.")
        starts.append(uk_time(text_date, text_time, row).isoformat())
    return starts


@pages_blp.get("/my-shop/orders")
@needs_sign_in
def shop_orders():
    """List the orders with something from the member's shop in them, newest first."""
    session, seller = db_session(), _own_shop()
    _seller, statement = orders.shop_orders(session, signed_in())
    found = session.scalars(statement.limit(50)).all()
    return render_template("shop_orders.html", seller=seller, found=found)


@pages_blp.post("/my-shop/orders/<int:order_id>/confirm")
@needs_sign_in
def confirm_order(order_id):
    """Confirm a paid order is dispatched or booked."""
    session = db_session()
    orders.confirm(session, order_id, signed_in())
    session.commit()
    return redirect(url_for(".shop_orders"))


@pages_blp.get("/my-shop/statement")
@needs_sign_in
def statement():
    """Show the member's statement for a period (this month so far unless chosen)."""
    seller, today = _own_shop(), dt.datetime.now(dt.UTC).date()
    try:
        start = dt.date.fromisoformat(request.args.get("start") or today.replace(day=1).isoformat())
        end = dt.date.fromisoformat(request.args.get("end") or today.isoformat())
    except ValueError:
        raise Unprocessable("Give the dates as YYYY-MM-DD.") from None
    found = payouts.statement_for(db_session(), seller.member_id, signed_in(), start, end)
    return render_template("statement.html", seller=seller, statement=found, start=start, end=end)
