"""The storefront customers browse and buy from: catalogue, cart, checkout, payment and their orders."""

from __future__ import annotations

import uuid

from flask import make_response, redirect, render_template, request, url_for
from sqlalchemy import func, select

from services.marketplace import cart, listings, orders, payments, payouts, schemas, shops
from services.marketplace.web.pages.site import pages_blp
from shared.errors import Conflict, DomainError, Forbidden, Unprocessable
from shared.pages import needs_sign_in, optional_whole_number, signed_in, validated, whole_number
from shared.service import collaborators, db_session

PAGE_SIZE = 12
MOST_MAKERS = 200  # the makers offered in the search's "Maker" list
# A listing without a photo shows this: a soft frame with a parcel and the words, plain enough for any card.
NO_PHOTO = """<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300" viewBox="0 0 400 300">
<rect width="400" height="300" fill="#e4efe9"/>
<rect x="150" y="80" width="100" height="80" rx="6" fill="none" stroke="#1f4d3f" stroke-width="6"/>
<path d="M150 108h100M200 80v28" stroke="#1f4d3f" stroke-width="6"/>
<text x="200" y="215" font-family="sans-serif" font-size="26" fill="#1f4d3f" text-anchor="middle">No photo yet</text>
</svg>
"""
CARD_FIELDS = ("number", "exp_month", "exp_year", "cvc", "holder_name")


@pages_blp.get("/")
def home():
    """Show the categories, the featured makers and the newest listings."""
    session = db_session()
    newest = session.scalars(listings.catalogue_query().limit(8)).unique().all()
    return render_template("home.html", makers=shops.featured_makers(session), newest=newest)


@pages_blp.get("/search")
def search():
    """Search the catalogue by words, category and maker, sorted as asked, a page of PAGE_SIZE at a time."""
    session = db_session()
    q, category = request.args.get("q", "")[:200], request.args.get("category") or None
    sort = request.args.get("sort", "newest")
    maker = optional_whole_number(request.args.get("maker"), "maker")
    page = optional_whole_number(request.args.get("page"), "page") or 1
    if category and category not in listings.CATEGORIES:
        raise Unprocessable(f"There is no category {category!r}.")
    if sort not in listings.SORTS:
        raise Unprocessable(f"Sort by one of: {', '.join(listings.SORTS)}.")
    makers = sorted((seller for seller, _count in shops.featured_makers(session, limit=MOST_MAKERS)),
                    key=lambda seller: seller.shop_name.lower())
    if maker is not None and maker not in {seller.member_id for seller in makers}:
        raise Unprocessable("There is no such maker with anything on sale.")
    statement = listings.catalogue_query(category, maker, q, sort)
    total = session.scalar(select(func.count()).select_from(
        statement.order_by(None).limit(listings.MOST_MATCHES).subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    found = session.scalars(statement.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).unique().all()
    shown = {"q": q, "category": category, "maker": maker, "sort": sort}
    return render_template("search.html", found=found, total=total, page=page, pages=pages, makers=makers,
                           at_most=listings.MOST_MATCHES, first=(page - 1) * PAGE_SIZE + 1,
                           link={name: value for name, value in shown.items() if value and value != "newest"}, **shown)


@pages_blp.get("/no-photo.svg")
def no_photo():
    """The picture a listing without a photo shows: a plain frame saying so."""
    response = make_response(NO_PHOTO)
    response.headers["Content-Type"] = "image/svg+xml"
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@pages_blp.get("/listings/<int:listing_id>")
def listing_page(listing_id, problem: str | None = None, status: int = 200):
    """Show one listing with its variants or free slots and an add-to-cart form (again, with a problem)."""
    listing = listings.visible_listing(db_session(), listing_id)
    free_slots = [slot for slot in listing.slots if slot.booked_by_order_id is None]
    chosen = {name: request.form.get(name, "") for name in ("variant_id", "slot_id", "quantity")} if problem else {}
    return render_template("listing.html", listing=listing, free_slots=free_slots, problem=problem,
                           chosen=chosen, few_left=cart.FEW_LEFT), status


@pages_blp.get("/sellers/<int:member_id>")
def seller_page(member_id):
    """Show a member business's shop: its name and what it sells, never the person's history."""
    session = db_session()
    seller = shops.open_shop(session, member_id)
    on_sale = session.scalars(listings.catalogue_query(seller_id=member_id).limit(100)).unique().all()
    return render_template("seller.html", seller=seller, on_sale=on_sale)


CART_DONE = {"quantity": "Quantity changed.", "removed": "Taken out of your cart."}


@pages_blp.route("/cart", methods=["GET", "POST"])
@needs_sign_in
def cart_page():
    """Show the cart, or (POST) put an item in it: refused, the listing's form again with what was chosen."""
    session, principal = db_session(), signed_in()
    if request.method == "POST":
        try:
            fields = {name: whole_number(request.form[name], name.replace("_", " "))
                      for name in ("listing_id", "variant_id", "slot_id", "quantity") if request.form.get(name)}
            line_id, _priced = cart.add_to_cart(session, principal, **validated(schemas.CartLineIn(), fields))
        except DomainError as refusal:
            session.rollback()
            if not request.form.get("listing_id", "").strip().isdigit():
                raise
            return listing_page(int(request.form["listing_id"]), problem=refusal.message, status=refusal.status)
        session.commit()
        return redirect(url_for(".cart_page", added=line_id), code=303)
    priced = cart.priced_cart(session, principal)
    added = optional_whole_number(request.args.get("added"), "added")
    return render_template("cart.html", priced=priced, done=CART_DONE.get(request.args.get("done", "")),
                           added=next((line for line in priced["lines"] if line["id"] == added), None))


@pages_blp.post("/cart/<int:line_id>/quantity")
@needs_sign_in
def change_quantity(line_id):
    """Change how many of one item the cart holds; refused, the cart again with what was typed and why."""
    session, principal = db_session(), signed_in()
    typed = request.form.get("quantity", "")
    try:
        cart.change_quantity(session, principal, line_id, whole_number(typed, "quantity"))
    except (Unprocessable, Conflict) as refusal:
        session.rollback()
        return render_template("cart.html", priced=cart.priced_cart(session, principal), problem=refusal.message,
                               problem_line=line_id, typed=typed[:10]), refusal.status
    session.commit()
    return redirect(url_for(".cart_page", done="quantity"), code=303)


@pages_blp.post("/cart/<int:line_id>/remove")
@needs_sign_in
def remove_line(line_id):
    session = db_session()
    cart.remove_from_cart(session, signed_in(), line_id)
    session.commit()
    return redirect(url_for(".cart_page", done="removed"), code=303)


@pages_blp.route("/checkout", methods=["GET", "POST"])
@needs_sign_in
def checkout():
    """Show the checkout form, or (POST) place the order and pay for it with the card given."""
    session, principal = db_session(), signed_in()
    if request.method == "GET":
        priced = cart.priced_cart(session, principal)
        if not priced["lines"]:
            raise Conflict("Your cart is empty.")
        return render_template("checkout.html", priced=priced, key=uuid.uuid4().hex)
    key, address = request.form.get("idempotency_key", ""), request.form.get("delivery_address", "")
    try:
        body = validated(schemas.CheckoutIn(), {"delivery_address": address})
        _status, placed = orders.place_order(session, principal, collaborators().settings, body["delivery_address"],
                                             key)
    except (Unprocessable, Conflict) as refusal:  # a line sold out meanwhile, an address too long: say so
        session.rollback()
        priced = cart.priced_cart(session, principal)
        if not priced["lines"]:
            raise
        return render_template("checkout.html", priced=priced, key=uuid.uuid4().hex, problem=refusal.message,
                               address=address[:500]), refusal.status
    session.commit()
    return _pay(placed["id"], key)


@pages_blp.post("/orders/<int:order_id>/pay")
@needs_sign_in
def pay(order_id):
    """Pay for a placed order (again, after a declined card)."""
    return _pay(order_id, request.form.get("idempotency_key", ""))


def _pay(order_id: int, key: str):
    session = db_session()
    card = validated(schemas.Card(), {name: request.form.get(name, "") for name in CARD_FIELDS})
    try:
        payments.pay_for_order(session, order_id, signed_in(), card, collaborators().provider, key)
    except payments.PaymentRefused as refusal:
        session.rollback()
        return order_page(order_id, problem=f"{refusal.message} Try another card below.", status=refusal.status)
    session.commit()
    return redirect(url_for(".order_page", order_id=order_id, paid=1), code=303)


ORDER_DONE = {"cancelled": "Order {id} cancelled: its items are back on sale.",
              "arrived": "Thank you: order {id} is marked as arrived."}


@pages_blp.get("/orders")
@needs_sign_in
def my_orders():
    """List the signed-in customer's orders, newest first."""
    mine = db_session().scalars(orders.my_orders(signed_in()).limit(50)).all()
    return render_template("orders.html", mine=mine)


@pages_blp.get("/orders/<int:order_id>")
@needs_sign_in
def order_page(order_id, problem: str | None = None, status: int = 200):
    """Show an order's status and lines, and once paid its receipts; a placed one can be paid or cancelled here."""
    session, principal = db_session(), signed_in()
    order = orders.order_for(session, order_id, principal)
    done = ORDER_DONE.get(request.args.get("done", ""), "").format(id=order.id)
    return render_template("order.html", order=order, problem=problem, key=uuid.uuid4().hex, done=done,
                           receipts=payouts.receipts(session, order) if order.paid_at else [],
                           just_paid=request.args.get("paid") == "1"), status


@pages_blp.post("/orders/<int:order_id>/cancel")
@needs_sign_in
def cancel_order(order_id):
    """Cancel an unpaid order (its buyer); its items go back on sale."""
    session = db_session()
    try:
        orders.cancel(session, order_id, signed_in())
    except (Conflict, Forbidden) as refusal:
        session.rollback()
        return order_page(order_id, problem=refusal.message, status=refusal.status)
    session.commit()
    return redirect(url_for(".order_page", order_id=order_id, done="cancelled"), code=303)


@pages_blp.post("/orders/<int:order_id>/arrived")
@needs_sign_in
def order_arrived(order_id):
    """Say that an order arrived (or the service was given): its buyer, once the sellers have confirmed it."""
    session = db_session()
    try:
        orders.fulfil(session, order_id, signed_in())
    except (Conflict, Forbidden) as refusal:
        session.rollback()
        return order_page(order_id, problem=refusal.message, status=refusal.status)
    session.commit()
    return redirect(url_for(".order_page", order_id=order_id, done="arrived"), code=303)
