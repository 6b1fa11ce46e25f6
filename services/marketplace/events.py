"""The events the marketplace publishes, with their schemas and examples."""

from marshmallow import Schema, fields

from shared.events import EventCatalog, EventSpec
from shared.outbox import Outbox


class ListingChanged(Schema):
    listing_id = fields.Integer(required=True)
    seller_id = fields.Integer(required=True)
    title = fields.String(required=True)
    category = fields.String(required=True)
    occurred_at = fields.AwareDateTime(required=True)


# Where people see what an event is about, as reached through the site's gateway (the service's name, then
# its own path): the notifications service makes links of them. Written out, not url_for'd: the unpaid-order
# job and the payout run publish outside any request.
ORDER_PAGE = "/marketplace/store/orders/{order_id}"  # the storefront's order page: the buyer's whole order
STATEMENT_PAGE = "/marketplace/store/my-shop/statement?start={start}&end={end}"  # My shop's statement


class SellerLine(Schema):
    """One of a seller's lines: the listing's title and variant (a service: its title and time)."""

    title = fields.String(required=True)
    quantity = fields.Integer(required=True)
    amount_pence = fields.Integer(required=True)  # what the buyer pays for the line: unit price times quantity


class SellerPart(Schema):
    """One seller's part of an order: her account (to tell her), her lines only, and her share's money."""

    seller_id = fields.Integer(required=True)
    account_id = fields.Integer(required=True)
    gross_pence = fields.Integer(required=True)  # the sum of her lines' amount_pence
    commission_pence = fields.Integer(required=True)
    net_pence = fields.Integer(required=True)
    lines = fields.List(fields.Nested(SellerLine), required=True)


class OrderChanged(Schema):
    """An order's new state, with each seller's part (members keep their earnings from these)."""

    order_id = fields.Integer(required=True)
    status = fields.String(required=True)
    total_pence = fields.Integer(required=True)
    currency = fields.String(required=True)
    buyer_member_id = fields.Integer(allow_none=True, load_default=None)
    buyer_account_id = fields.Integer(required=True)
    receipt_path = fields.String(required=True)  # ORDER_PAGE: where the buyer sees the order and its lines
    sellers = fields.List(fields.Nested(SellerPart), required=True)
    occurred_at = fields.AwareDateTime(required=True)


class PayoutPaid(Schema):
    payout_id = fields.Integer(required=True)
    seller_id = fields.Integer(required=True)
    account_id = fields.Integer(required=True)  # the seller's account, to tell her
    statement_path = fields.String(required=True)  # STATEMENT_PAGE from the period's start to the payout's day
    amount_pence = fields.Integer(required=True)
    currency = fields.String(required=True)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    occurred_at = fields.AwareDateTime(required=True)


class RefundIssued(Schema):
    """Part or all of one seller's share of an order given back to the buyer."""

    order_id = fields.Integer(required=True)
    seller_id = fields.Integer(required=True)
    gross_pence = fields.Integer(required=True)
    commission_pence = fields.Integer(required=True)
    net_pence = fields.Integer(required=True)
    currency = fields.String(required=True)
    occurred_at = fields.AwareDateTime(required=True)


_WHEN = "2026-11-23T10:00:00+00:00"
_ORDER = {
    "order_id": 31, "total_pence": 6600, "currency": "GBP", "buyer_member_id": None, "buyer_account_id": 12,
    "receipt_path": "/marketplace/store/orders/31", "occurred_at": _WHEN,
    "sellers": [
        {"seller_id": 7, "account_id": 8, "gross_pence": 3100, "commission_pence": 310, "net_pence": 2790,
         "lines": [{"title": "Robin Christmas card", "quantity": 2, "amount_pence": 700},
                   {"title": "Wedding stationery set (ivory)", "quantity": 1, "amount_pence": 2400}]},
        {"seller_id": 9, "account_id": 10, "gross_pence": 3500, "commission_pence": 350, "net_pence": 3150,
         "lines": [{"title": "Full groom, small dog, 04 Dec 2026 10:00 UTC", "quantity": 1, "amount_pence": 3500}]},
    ],
}
_LISTING = {"listing_id": 5, "seller_id": 7, "title": "Robin card", "category": "cards", "occurred_at": _WHEN}

CATALOG = EventCatalog(
    "marketplace",
    [
        EventSpec("listing.published", ListingChanged, _LISTING),
        EventSpec("listing.withdrawn", ListingChanged, _LISTING),
        EventSpec("order.placed", OrderChanged, {**_ORDER, "status": "placed"}),
        EventSpec("order.paid", OrderChanged, {**_ORDER, "status": "paid"}),
        EventSpec("order.confirmed", OrderChanged, {**_ORDER, "status": "confirmed"}),
        EventSpec("order.fulfilled", OrderChanged, {**_ORDER, "status": "fulfilled"}),
        EventSpec("order.cancelled", OrderChanged, {**_ORDER, "status": "cancelled"}),
        EventSpec("order.refunded", OrderChanged, {**_ORDER, "status": "refunded"}),
        EventSpec("refund.issued", RefundIssued, {
            "order_id": 31, "seller_id": 7, "gross_pence": 1200, "commission_pence": 120, "net_pence": 1080,
            "currency": "GBP", "occurred_at": _WHEN}),
        EventSpec("payout.paid", PayoutPaid, {
            "payout_id": 3, "seller_id": 7, "account_id": 8, "amount_pence": 2160, "currency": "GBP",
            "period_start": "2026-11-01", "period_end": "2026-11-30",
            "statement_path": "/marketplace/store/my-shop/statement?start=2026-11-01&end=2026-12-01",
            "occurred_at": "2026-12-01T09:00:00+00:00"}),
    ],
)

OUTBOX = Outbox(CATALOG)
