"""Pages for member businesses ("My shop"): their listings, the orders to fulfil, their statement."""

from __future__ import annotations

import datetime as dt

from flask import redirect, render_template, request, url_for
from sqlalchemy import select

from services.marketplace import listings, orders, payouts, schemas
from services.marketplace.models import Order, Seller, SellerShare
from services.marketplace.pages import needs_sign_in, pages_blp, pence_from, signed_in, validated, whole_number
from shared.errors import Forbidden, Unprocessable
from shared.service import db_session


def _own_shop() -> Seller:
    seller = db_session().scalar(select(Seller).where(Seller.account_id == signed_in().account_id))
    if seller is None or not signed_in().has_any("member"):
        raise Forbidden("My shop is for member businesses; sign in as a member.")
    return seller


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
        "category": form.get("category", ""), "price_pence": pence_from(form.get("price", ""), "price"),
        "member_discount_pence": pence_from(form.get("member_discount") or "0", "member discount"),
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


@pages_blp.get("/my-shop/orders")
@needs_sign_in
def shop_orders():
    """List the orders with something from the member's shop in them, newest first."""
    seller = _own_shop()
    found = db_session().scalars(
        select(Order).join(SellerShare, SellerShare.order_id == Order.id)
        .where(SellerShare.seller_id == seller.member_id).order_by(Order.id.desc()).limit(50)).all()
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
