"""The storefront customers browse and buy from: catalogue, cart, checkout, payment and their orders."""

from __future__ import annotations

import uuid

from flask import redirect, render_template, request, url_for

from services.marketplace import cart, listings, orders, payments, schemas, shops
from services.marketplace.web.pages.site import pages_blp
from shared.errors import Conflict, Unprocessable
from shared.pages import needs_sign_in, signed_in, validated, whole_number
from shared.service import collaborators, db_session

PAGE_SIZE = 24
CARD_FIELDS = ("number", "exp_month", "exp_year", "cvc", "holder_name")


@pages_blp.get("/")
def home():
    """Show the categories, the featured makers and the newest listings."""
    session = db_session()
    newest = session.scalars(listings.catalogue_query().limit(8)).unique().all()
    return render_template("home.html", makers=shops.featured_makers(session), newest=newest)


@pages_blp.get("/search")
def search():
    """Search the catalogue by words and category, sorted as asked."""
    q, category = request.args.get("q", "")[:200], request.args.get("category") or None
    sort = request.args.get("sort", "newest")
    if category and category not in listings.CATEGORIES:
        raise Unprocessable(f"There is no category {category!r}.")
    if sort not in listings.SORTS:
        raise Unprocessable(f"Sort by one of: {', '.join(listings.SORTS)}.")
    statement = listings.catalogue_query(category, None, q, sort).limit(PAGE_SIZE)
    found = db_session().scalars(statement).unique().all()
    return render_template("search.html", found=found, q=q, category=category, sort=sort)


@pages_blp.get("/listings/<int:listing_id>")
def listing_page(listing_id):
    """Show one listing with its variants or free slots and an add-to-cart form."""
    listing = listings.visible_listing(db_session(), listing_id)
    free_slots = [slot for slot in listing.slots if slot.booked_by_order_id is None]
    return render_template("listing.html", listing=listing, free_slots=free_slots)


@pages_blp.get("/sellers/<int:member_id>")
def seller_page(member_id):
    """Show a member business's shop: its name and what it sells, never the person's history."""
    session = db_session()
    seller = shops.open_shop(session, member_id)
    on_sale = session.scalars(listings.catalogue_query(seller_id=member_id).limit(100)).unique().all()
    return render_template("seller.html", seller=seller, on_sale=on_sale)


@pages_blp.route("/cart", methods=["GET", "POST"])
@needs_sign_in
def cart_page():
    """Show the cart, or (POST) put an item in it."""
    session, principal = db_session(), signed_in()
    if request.method == "POST":
        fields = {name: whole_number(request.form[name], name.replace("_", " "))
                  for name in ("listing_id", "variant_id", "slot_id", "quantity") if request.form.get(name)}
        cart.add_to_cart(session, principal, **validated(schemas.CartLineIn(), fields))
        session.commit()
        return redirect(url_for(".cart_page"))
    return render_template("cart.html", priced=cart.priced_cart(session, principal))


@pages_blp.post("/cart/<int:line_id>/remove")
@needs_sign_in
def remove_line(line_id):
    session = db_session()
    cart.remove_from_cart(session, signed_in(), line_id)
    session.commit()
    return redirect(url_for(".cart_page"))


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
    key = request.form.get("idempotency_key", "")
    body = validated(schemas.CheckoutIn(), {"delivery_address": request.form.get("delivery_address", "")})
    _status, placed = orders.place_order(session, principal, collaborators().settings, body["delivery_address"], key)
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
    return redirect(url_for(".order_page", order_id=order_id, paid=1))


@pages_blp.get("/orders")
@needs_sign_in
def my_orders():
    """List the signed-in customer's orders, newest first."""
    mine = db_session().scalars(orders.my_orders(signed_in()).limit(50)).all()
    return render_template("orders.html", mine=mine)


@pages_blp.get("/orders/<int:order_id>")
@needs_sign_in
def order_page(order_id, problem: str | None = None, status: int = 200):
    """Show an order's status and lines; a placed one can be paid here."""
    order = orders.order_for(db_session(), order_id, signed_in())
    return render_template("order.html", order=order, problem=problem, key=uuid.uuid4().hex,
                           just_paid=request.args.get("paid") == "1"), status
