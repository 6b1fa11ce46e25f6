"""HTTP endpoints for carts, checkout, payment and orders."""

from __future__ import annotations

import datetime as dt

from flask import jsonify
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from services.marketplace import cart, orders, paying, schemas
from services.marketplace.idempotency import once
from services.marketplace.models import Order, Seller, SellerShare
from services.marketplace.payments import CardDetails, PaymentDeclined, PaymentError
from shared.auth import current_principal, requires
from shared.errors import Conflict, DomainError, Forbidden, Unprocessable
from shared.http import paginate
from shared.service import action_endpoint, db_session, runtime

orders_blp = Blueprint("orders", __name__, description="Carts, checkout, payment and orders")
ORDER = schemas.Order()


class PaymentRefused(DomainError):
    status = 402
    title = "Payment Required"


def _idempotency_key(headers: dict) -> str | None:
    return headers.get("idempotency_key")


def _stored_answer(body: dict, status: int):
    # Already serialised when it was first made (and stored for retries): send it as it is.
    response = jsonify(body)
    response.status_code = status
    return response


@orders_blp.route("/cart")
class Cart(MethodView):
    @requires()
    @orders_blp.response(200, schemas.Cart)
    def get(self):
        """Show your cart, priced as you would pay (member prices for members)."""
        return cart.priced_cart(db_session(), current_principal())


@orders_blp.route("/cart/lines")
class CartLines(MethodView):
    @requires()
    @orders_blp.arguments(schemas.CartLineIn)
    @orders_blp.response(201, schemas.Cart)
    def post(self, body):
        """Put an item (goods: a variant and a quantity; a service: a time slot) into your cart."""
        session = db_session()
        cart.add_to_cart(session, current_principal(), **body)
        session.commit()
        return cart.priced_cart(session, current_principal())


@orders_blp.route("/cart/lines/<int:line_id>")
class CartLine(MethodView):
    @requires()
    @orders_blp.response(200, schemas.Cart)
    def delete(self, line_id):
        """Take a line out of your cart."""
        session = db_session()
        cart.remove_from_cart(session, current_principal(), line_id)
        session.commit()
        return cart.priced_cart(session, current_principal())


@orders_blp.route("/checkout")
class Checkout(MethodView):
    @requires()
    @orders_blp.arguments(schemas.IdempotencyHeader, location="headers")
    @orders_blp.arguments(schemas.CheckoutIn)
    @orders_blp.response(201, schemas.Order)
    def post(self, headers, body):
        """Turn your cart into an order, reserving the stock and slots; pay within the time given."""
        session, principal, settings = db_session(), current_principal(), runtime().settings

        def place():
            order = orders.checkout(session, principal, orders.commission_rates(settings),
                                    dt.timedelta(minutes=settings.order_pay_minutes), body["delivery_address"])
            return 201, ORDER.dump(order)

        status, answer = once(session, principal.account_id, _idempotency_key(headers), "checkout", body, place)
        session.commit()
        return _stored_answer(answer, status)


@orders_blp.route("/orders")
class Orders(MethodView):
    @requires()
    @orders_blp.response(200, schemas.Order(many=True))
    @orders_blp.paginate()
    def get(self, pagination_parameters):
        """List your orders, newest first."""
        statement = (select(Order).where(Order.buyer_account_id == current_principal().account_id)
                     .order_by(Order.id.desc()))
        return paginate(db_session(), statement, pagination_parameters)


@orders_blp.route("/orders/<int:order_id>")
class OrderDetail(MethodView):
    @requires()
    @orders_blp.response(200, schemas.Order)
    def get(self, order_id):
        """Show an order: to its buyer and coordinators whole, to each of its sellers only her own lines and share."""
        session, principal = db_session(), current_principal()
        return orders.seen_by(session, orders.get_order(session, order_id, principal), principal)


@orders_blp.route("/orders/<int:order_id>/payment")
class OrderPayment(MethodView):
    @requires()
    @orders_blp.arguments(schemas.RequiredIdempotencyHeader, location="headers")
    @orders_blp.arguments(schemas.PaymentIn)
    @orders_blp.response(200, schemas.Order)
    @orders_blp.alt_response(402, description="The card was declined; the order waits for another card.")
    def post(self, headers, body, order_id):
        """Pay for your order by card (test mode: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 fails)."""
        key = _idempotency_key(headers)
        if key is None:
            raise Unprocessable("Send an Idempotency-Key header with a payment, so that a retry never pays twice.")
        session, principal = db_session(), current_principal()
        card = CardDetails(**body["card"])

        def charge():
            try:
                order = paying.pay(session, order_id, principal, card, runtime().payment_provider,
                                   f"{principal.account_id}:{key}")
            except PaymentDeclined as declined:
                raise PaymentRefused(f"The card was declined ({declined.code}).") from declined
            except PaymentError as error:
                raise Conflict(str(error)) from error
            return 200, ORDER.dump(order)

        # What identifies the request without keeping the card number, even hashed.
        request = {"order_id": order_id, "card_last4": card.digits[-4:], "expiry": [card.exp_month, card.exp_year],
                   "holder": card.holder_name}
        status, answer = once(session, principal.account_id, key, "payment", request, charge)
        session.commit()
        return _stored_answer(answer, status)


@orders_blp.route("/orders/<int:order_id>/refund")
class OrderRefund(MethodView):
    @requires("coordinator")
    @orders_blp.arguments(schemas.RequiredIdempotencyHeader, location="headers")
    @orders_blp.arguments(schemas.RefundIn)
    @orders_blp.response(200, schemas.Order)
    def post(self, headers, body, order_id):
        """Refund a paid order in full, or part of one seller's share; the commission is reversed in step."""
        key = _idempotency_key(headers)
        if key is None:
            raise Unprocessable("Send an Idempotency-Key header with a refund, so that a retry never refunds twice.")
        session, principal = db_session(), current_principal()

        def give_back():
            try:
                order = paying.refund(session, order_id, principal, runtime().payment_provider,
                                      f"refund:{principal.account_id}:{key}", **body)
            except PaymentError as error:
                raise Conflict(str(error)) from error
            return 200, ORDER.dump(order)

        status, answer = once(session, principal.account_id, key, "refund", {"order_id": order_id, **body},
                              give_back)
        session.commit()
        return _stored_answer(answer, status)


def _transition(action: str, summary: str) -> None:
    step = getattr(orders, action)

    def change(session, caller, order_id):
        return orders.seen_by(session, step(session, order_id, caller), caller)

    action_endpoint(orders_blp, f"/orders/<int:order_id>/{action}", change, summary, schemas.Order)


_transition("cancel", "Cancel an unpaid order (its buyer or a coordinator); its items go back on sale.")
_transition("confirm", "Confirm a paid order is dispatched or booked (a seller in it, or a coordinator).")
_transition("fulfil", "Record that the order arrived or the service was given (its buyer or a coordinator).")


@orders_blp.route("/shop/orders")
class ShopOrders(MethodView):
    @requires("member")
    @orders_blp.response(200, schemas.Order(many=True))
    @orders_blp.paginate()
    def get(self, pagination_parameters):
        """List the orders with something from your shop in them, newest first: your lines and share of each."""
        session = db_session()
        seller_id = session.scalar(select(Seller.member_id).where(
            Seller.account_id == current_principal().account_id))
        if seller_id is None:
            raise Forbidden("Only member businesses have a shop.")
        statement = (select(Order).join(SellerShare, SellerShare.order_id == Order.id)
                     .where(SellerShare.seller_id == seller_id).order_by(Order.id.desc()))
        return [orders.SellersPart(order, seller_id) for order in paginate(session, statement, pagination_parameters)]
