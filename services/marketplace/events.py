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


class SellerPart(Schema):
    seller_id = fields.Integer(required=True)
    gross_pence = fields.Integer(required=True)
    commission_pence = fields.Integer(required=True)
    net_pence = fields.Integer(required=True)


class OrderChanged(Schema):
    """An order's new state, with each seller's part (members keep their earnings from these)."""

    order_id = fields.Integer(required=True)
    status = fields.String(required=True)
    total_pence = fields.Integer(required=True)
    currency = fields.String(required=True)
    buyer_member_id = fields.Integer(allow_none=True, load_default=None)
    sellers = fields.List(fields.Nested(SellerPart), required=True)
    occurred_at = fields.AwareDateTime(required=True)


class PayoutPaid(Schema):
    payout_id = fields.Integer(required=True)
    seller_id = fields.Integer(required=True)
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
    "order_id": 31, "total_pence": 2400, "currency": "GBP", "buyer_member_id": None, "occurred_at": _WHEN,
    "sellers": [{"seller_id": 7, "gross_pence": 2400, "commission_pence": 240, "net_pence": 2160}],
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
            "payout_id": 3, "seller_id": 7, "amount_pence": 2160, "currency": "GBP", "period_start": "2026-11-01",
            "period_end": "2026-11-30", "occurred_at": _WHEN}),
    ],
)

OUTBOX = Outbox(CATALOG)
