"""Pages for people: the storefront customers browse and buy from, rendered on the server.

Signing in, the session cookie and CSRF are shared with the other services' pages: see ``shared/pages.py``.
"""

from __future__ import annotations

import datetime as dt
import uuid

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import func, select

from services.marketplace import cart, images, listings, orders, paying, schemas
from services.marketplace.idempotency import once
from services.marketplace.models import Listing, Order, Seller
from services.marketplace.payments import CardDetails, PaymentDeclined, PaymentError
from shared.errors import Conflict, DomainError, NotFound, Unprocessable
from shared.money import pounds
from shared.pages import add_session_routes, csrf_token, needs_sign_in, signed_in, validated, whole_number
from shared.service import db_session, runtime

pages_blp = Blueprint("pages", __name__, url_prefix="/store", template_folder="templates",
                      static_folder="static", static_url_path="/static")
PAGE_SIZE = 24


class PaymentRefused(DomainError):
    status = 402
    title = "Payment Required"


@pages_blp.context_processor
def page_globals():
    return {"principal": signed_in, "categories": listings.CATEGORIES}


pages_blp.add_app_template_global(csrf_token)  # a global, so that imported macros can call it too


@pages_blp.app_template_filter("pounds")
def _pounds_filter(pence):
    return pounds(pence)


@pages_blp.app_template_filter("image_url")
def _image_url_filter(reference: str) -> str:
    """Give a listing image's address: an upload's through url_for (right from any page, mounted anywhere)."""
    if reference.startswith(images.URL_PREFIX):  # relative to the service, not to the page that shows it
        return url_for("catalogue.Image", name=reference.removeprefix(images.URL_PREFIX))
    return reference


@pages_blp.errorhandler(DomainError)
def refused(error: DomainError):
    return render_template("error.html", error=error), error.status


add_session_routes(pages_blp, "pages.home")


@pages_blp.get("/")
def home():
    """Show the categories, the featured makers and the newest listings."""
    session = db_session()
    makers = session.execute(
        select(Seller, func.count(Listing.id)).join(Listing, Listing.seller_id == Seller.member_id)
        .where(Listing.status == "published", Seller.active.is_(True), Seller.kind == "producer")
        .group_by(Seller.member_id).order_by(func.count(Listing.id).desc(), Seller.shop_name).limit(6)).all()
    newest = session.scalars(listings.catalogue_query().limit(8)).unique().all()
    return render_template("home.html", makers=makers, newest=newest)


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
    seller = session.get(Seller, member_id)
    if seller is None or not seller.can_sell:
        raise NotFound(f"There is no shop {member_id}.")
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
    session, principal, settings = db_session(), signed_in(), runtime().settings
    if request.method == "GET":
        priced = cart.priced_cart(session, principal)
        if not priced["lines"]:
            raise Conflict("Your cart is empty.")
        return render_template("checkout.html", priced=priced, key=uuid.uuid4().hex)
    key = request.form.get("idempotency_key", "")
    body = validated(schemas.CheckoutIn(), {"delivery_address": request.form.get("delivery_address", "")})

    def place():
        order = orders.checkout(session, principal, orders.commission_rates(settings),
                                dt.timedelta(minutes=settings.order_pay_minutes),
                                body["delivery_address"])
        return 201, {"id": order.id}

    _status, placed = once(session, principal.account_id, key, "checkout", body, place)
    session.commit()
    return _pay(placed["id"], key)


@pages_blp.post("/orders/<int:order_id>/pay")
@needs_sign_in
def pay(order_id):
    """Pay for a placed order (again, after a declined card)."""
    return _pay(order_id, request.form.get("idempotency_key", ""))


def _pay(order_id: int, key: str):
    session, principal = db_session(), signed_in()
    card = validated(schemas.Card(), {name: request.form.get(name, "") for name in
                                      ("number", "exp_month", "exp_year", "cvc", "holder_name")})
    card = CardDetails(**card)

    def charge():
        try:
            paying.pay(session, order_id, principal, card, runtime().payment_provider,
                       f"{principal.account_id}:{key}")
        except PaymentDeclined as declined:
            raise PaymentRefused(f"The card was declined ({declined.code}). Try another card below.") from declined
        except PaymentError as error:
            raise Conflict(str(error)) from error
        return 200, {"id": order_id}

    try:
        once(session, principal.account_id, key, "payment", {"order_id": order_id, "card_last4": card.digits[-4:]},
             charge)
    except PaymentRefused as refusal:
        session.rollback()
        return order_page(order_id, problem=refusal.message, status=refusal.status)
    session.commit()
    return redirect(url_for(".order_page", order_id=order_id, paid=1))


@pages_blp.get("/orders")
@needs_sign_in
def my_orders():
    """List the signed-in customer's orders, newest first."""
    mine = db_session().scalars(select(Order).where(Order.buyer_account_id == signed_in().account_id)
                                .order_by(Order.id.desc()).limit(50)).all()
    return render_template("orders.html", mine=mine)


@pages_blp.get("/orders/<int:order_id>")
@needs_sign_in
def order_page(order_id, problem: str | None = None, status: int = 200):
    """Show an order's status and lines; a placed one can be paid here."""
    session = db_session()
    order = orders.seen_by(session, orders.get_order(session, order_id, signed_in()), signed_in())
    return render_template("order.html", order=order, problem=problem, key=uuid.uuid4().hex,
                           just_paid=request.args.get("paid") == "1"), status


from services.marketplace import shop_pages  # noqa: E402,F401 - its routes join this blueprint
