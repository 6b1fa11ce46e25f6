"""Carts, checkout, payment, refunds and orders: the buyer's, a seller's part, a coordinator's."""

from __future__ import annotations

from flask import jsonify
from flask.views import MethodView
from flask_smorest import Blueprint

from services.marketplace import cart, orders, payments, refunds, schemas
from shared.auth import current_principal, requires
from shared.http import paginate
from shared.service import collaborators, db_session

orders_blp = Blueprint("orders", __name__, description="Carts, checkout, payment and orders")


def _stored_answer(status: int, body: dict):
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
        _line_id, priced = cart.add_to_cart(session, current_principal(), **body)
        session.commit()
        return priced


@orders_blp.route("/cart/lines/<int:line_id>")
class CartLine(MethodView):
    @requires()
    @orders_blp.arguments(schemas.CartQuantityIn)
    @orders_blp.response(200, schemas.Cart)
    def patch(self, body, line_id):
        """Change how many of an item your cart holds (goods; a booked time stays one)."""
        session = db_session()
        cart.change_quantity(session, current_principal(), line_id, body["quantity"])
        session.commit()
        return cart.priced_cart(session, current_principal())

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
        session = db_session()
        answer = orders.place_order(session, current_principal(), collaborators().settings,
                                    body["delivery_address"], headers.get("idempotency_key"))
        session.commit()
        return _stored_answer(*answer)


@orders_blp.route("/orders")
class Orders(MethodView):
    @requires()
    @orders_blp.response(200, schemas.Order(many=True))
    @orders_blp.paginate()
    def get(self, pagination_parameters):
        """List your orders, newest first."""
        return paginate(db_session(), orders.my_orders(current_principal()), pagination_parameters)


@orders_blp.route("/orders/<int:order_id>")
class OrderDetail(MethodView):
    @requires()
    @orders_blp.response(200, schemas.Order)
    def get(self, order_id):
        """Show an order: to its buyer and coordinators whole, to each of its sellers only her own lines and share."""
        return orders.order_for(db_session(), order_id, current_principal())


@orders_blp.route("/orders/<int:order_id>/payment")
class OrderPayment(MethodView):
    @requires()
    @orders_blp.arguments(schemas.RequiredIdempotencyHeader, location="headers")
    @orders_blp.arguments(schemas.PaymentIn)
    @orders_blp.response(200, schemas.Order)
    @orders_blp.alt_response(402, description="The card was declined; the order waits for another card.")
    def post(self, headers, body, order_id):
        """Pay for your order by card (test mode: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 fails)."""
        session = db_session()
        answer = payments.pay_for_order(session, order_id, current_principal(), body["card"],
                                        collaborators().provider, headers.get("idempotency_key"))
        session.commit()
        return _stored_answer(*answer)


@orders_blp.route("/orders/<int:order_id>/refund")
class OrderRefund(MethodView):
    @requires("coordinator")
    @orders_blp.arguments(schemas.RequiredIdempotencyHeader, location="headers")
    @orders_blp.arguments(schemas.RefundIn)
    @orders_blp.response(200, schemas.Order)
    def post(self, headers, body, order_id):
        """Refund a paid order in full, or part of one seller's share; the commission is reversed in step."""
        session = db_session()
        answer = refunds.refund_order(session, order_id, current_principal(), collaborators().provider,
                                       headers.get("idempotency_key"), **body)
        session.commit()
        return _stored_answer(*answer)


@orders_blp.route("/orders/<int:order_id>/cancel")
class OrderCancel(MethodView):
    @requires()
    @orders_blp.response(200, schemas.Order)
    def post(self, order_id):
        """Cancel an unpaid order (its buyer or a coordinator); its items go back on sale."""
        session = db_session()
        order = orders.cancel(session, order_id, current_principal())
        session.commit()
        return order


@orders_blp.route("/orders/<int:order_id>/confirm")
class OrderConfirm(MethodView):
    @requires()
    @orders_blp.response(200, schemas.Order)
    def post(self, order_id):
        """Confirm a paid order is dispatched or booked (a seller in it, or a coordinator)."""
        session = db_session()
        order = orders.confirm(session, order_id, current_principal())
        session.commit()
        return order


@orders_blp.route("/orders/<int:order_id>/fulfil")
class OrderFulfil(MethodView):
    @requires()
    @orders_blp.response(200, schemas.Order)
    def post(self, order_id):
        """Record that the order arrived or the service was given (its buyer or a coordinator)."""
        session = db_session()
        order = orders.fulfil(session, order_id, current_principal())
        session.commit()
        return order


@orders_blp.route("/shop/orders")
class ShopOrders(MethodView):
    @requires("member")
    @orders_blp.response(200, schemas.Order(many=True))
    @orders_blp.paginate()
    def get(self, pagination_parameters):
        """List the orders with something from your shop in them, newest first: your lines and share of each."""
        session = db_session()
        seller, statement = orders.shop_orders(session, current_principal())
        return [orders.SellersPart(order, seller.member_id)
                for order in paginate(session, statement, pagination_parameters)]
