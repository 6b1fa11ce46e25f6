"""Request and response schemas of the marketplace API."""

import functools
import re

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.marketplace.listings import CATEGORIES, SORTS
from services.marketplace.rules.periods import EARLIEST_DAY, LATEST_DAY
from shared.http import MAX_ID, NOT_BLANK

MAX_PRICE_PENCE = 10_000_000  # £100,000: far above anything a member business sells in one item
MAX_STOCK = 100_000
Pence = functools.partial(fields.Integer, strict=True)
# At least 1p: the card provider takes no payment of 0p, so a £0 listing could never be paid for.
PRICE = validate.Range(min=1, max=MAX_PRICE_PENCE,
                       error="A price is at least 1p (nobody can pay £0) and at most £100,000 ({min} to {max} pence).")
_WEB_URL = validate.URL(schemes={"https", "http"})
UPLOADED_IMAGE = re.compile(r"^images/[0-9a-f]{32}\.(jpg|png|webp)$")  # added by POST /shop/listings/<id>/images


def _image_reference(value: str) -> None:
    """Accept a web address, or the relative URL of an image uploaded to the marketplace."""
    if not UPLOADED_IMAGE.fullmatch(value):
        _WEB_URL(value)


# What _image_reference accepts, as the API document says it (a web address of a usual form, or an upload).
IMAGE_REFERENCE = (r"^(https?://([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,6}(/[!-~]*)?"
                   r"|images/[0-9a-f]{32}\.(jpg|png|webp))$")
ImageRef = functools.partial(fields.String, validate=[validate.Length(max=500), _image_reference], metadata={
    "pattern": IMAGE_REFERENCE, "description": "A web address, or an image uploaded here (images/<name>)."})


class VariantIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    stock = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_STOCK))


class ListingCreate(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(("goods", "service")))
    title = fields.String(required=True, validate=[validate.Length(min=1, max=120), NOT_BLANK])
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    price_pence = Pence(required=True, validate=PRICE)
    member_discount_pence = Pence(load_default=0, validate=validate.Range(min=0, max=MAX_PRICE_PENCE),
                                  metadata={"description": "Off the price for members buying from members; less than "
                                                           "the price, so that members pay at least 1p."})
    stock = fields.Integer(strict=True, validate=validate.Range(min=0, max=MAX_STOCK),
                           metadata={"description": "Goods without variants: how many are in stock."})
    variants = fields.List(fields.Nested(VariantIn), validate=validate.Length(max=20))
    duration_minutes = fields.Integer(validate=validate.Range(min=5, max=24 * 60))
    slots = fields.List(fields.AwareDateTime(), validate=validate.Length(max=200))
    images = fields.List(ImageRef(), load_default=list, validate=validate.Length(max=8))

    @validates_schema
    def fits_its_kind(self, data, **kwargs):
        if data["kind"] == "goods" and ("duration_minutes" in data or "slots" in data):
            raise ValidationError("Goods have stock, not a duration or slots.", "kind")
        if data["kind"] == "service" and ("stock" in data or "variants" in data):
            raise ValidationError("A service has slots, not stock or variants.", "kind")
        if "stock" in data and "variants" in data:
            raise ValidationError("Give the stock of each variant, or one stock without variants.", "stock")
        names = [variant["name"] for variant in data.get("variants", [])]
        if len(names) != len(set(names)):
            raise ValidationError("Each variant needs its own name.", "variants")


class ListingUpdate(Schema):
    title = fields.String(validate=[validate.Length(min=1, max=120), NOT_BLANK])
    description = fields.String(validate=validate.Length(max=5000))
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    price_pence = Pence(validate=PRICE)
    member_discount_pence = Pence(validate=validate.Range(min=0, max=MAX_PRICE_PENCE))
    duration_minutes = fields.Integer(validate=validate.Range(min=5, max=24 * 60))
    images = fields.List(ImageRef(), validate=validate.Length(max=8))


class ImageUpload(Schema):
    image = Upload(required=True, metadata={"description": "A JPEG, PNG or WebP image of at most 2 MiB."})


class Variant(Schema):
    id = fields.Integer()
    name = fields.String()
    stock = fields.Integer()


class Slot(Schema):
    id = fields.Integer()
    starts_at = fields.AwareDateTime()
    available = fields.Function(lambda slot: slot.booked_by_order_id is None)


class Listing(Schema):
    id = fields.Integer()
    seller_id = fields.Integer()
    shop_name = fields.String(attribute="seller.shop_name")
    kind = fields.String()
    title = fields.String()
    description = fields.String()
    category = fields.String()
    price_pence = Pence()
    member_price_pence = fields.Function(lambda listing: listing.price_pence - listing.member_discount_pence)
    currency = fields.Constant("GBP")
    status = fields.String()
    images = fields.List(fields.String())
    duration_minutes = fields.Integer(allow_none=True)
    variants = fields.List(fields.Nested(Variant))
    slots = fields.List(fields.Nested(Slot))
    created_at = fields.AwareDateTime()


class CatalogueQuery(Schema):
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    seller_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    q = fields.String(validate=validate.Length(max=100), metadata={"description": "Words in title or description."})
    sort = fields.String(load_default="newest", validate=validate.OneOf(tuple(SORTS)))


class StockUpdate(Schema):
    stock = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_STOCK))


class SlotsAdd(Schema):
    starts = fields.List(fields.AwareDateTime(), required=True, validate=validate.Length(min=1, max=100))


class Seller(Schema):
    """A member business as customers see it: its shop, never the person's story."""

    member_id = fields.Integer()
    shop_name = fields.String()
    sectors = fields.List(fields.String())
    vat_registered = fields.Boolean()


class CartLineIn(Schema):
    listing_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    variant_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    slot_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    quantity = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1, max=100))


class CartLine(Schema):
    id = fields.Integer()
    listing_id = fields.Integer()
    variant_id = fields.Integer(allow_none=True)
    slot_id = fields.Integer(allow_none=True)
    quantity = fields.Integer()
    title = fields.String()
    seller_id = fields.Integer()
    unit_price_pence = Pence(metadata={"description": "What you pay each: the member price if you are a member."})
    left = fields.Integer(allow_none=True, metadata={"description": "How many are in stock now (goods only)."})
    few_left = fields.Boolean(metadata={"description": "True when only a few are left (the cart says so)."})
    short = fields.Boolean(metadata={"description": "True when the cart holds more than are left."})


class CartQuantityIn(Schema):
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100))


class Cart(Schema):
    lines = fields.List(fields.Nested(CartLine))
    total_pence = Pence()
    member_prices = fields.Boolean(metadata={"description": "True when you buy at member prices."})
    currency = fields.Constant("GBP")


class CheckoutIn(Schema):
    delivery_address = fields.String(load_default="", validate=validate.Length(max=500))


class OrderLine(Schema):
    seller_id = fields.Integer()
    listing_id = fields.Integer()
    variant_id = fields.Integer(allow_none=True)
    slot_id = fields.Integer(allow_none=True)
    title = fields.String()
    category = fields.String()
    unit_price_pence = Pence()
    member_discount_pence = Pence()
    quantity = fields.Integer()


class SellerPart(Schema):
    seller_id = fields.Integer()
    gross_pence = Pence()
    commission_pence = Pence()
    net_pence = Pence()
    status = fields.String()


class OrderChange(Schema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    at = fields.AwareDateTime()
    note = fields.String()


class Order(Schema):
    id = fields.Integer()
    status = fields.String()
    total_pence = Pence()
    currency = fields.String()
    buyer_member_id = fields.Integer(allow_none=True)
    placed_at = fields.AwareDateTime()
    pay_by = fields.AwareDateTime()
    paid_at = fields.AwareDateTime(allow_none=True)
    delivery_address = fields.String()
    lines = fields.List(fields.Nested(OrderLine))
    sellers = fields.List(fields.Nested(SellerPart), attribute="shares", data_key="sellers")
    history = fields.List(fields.Nested(OrderChange))


class Card(Schema):
    number = fields.String(required=True, validate=validate.Regexp(r"^[0-9 -]{12,23}$"))
    exp_month = fields.Integer(required=True, validate=validate.Range(min=1, max=12))
    exp_year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    cvc = fields.String(required=True, validate=validate.Regexp(r"^[0-9]{3,4}$"))
    holder_name = fields.String(required=True, validate=validate.Length(min=1, max=100))


class PaymentIn(Schema):
    card = fields.Nested(Card, required=True)


class RefundIn(Schema):
    seller_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID),
                               metadata={"description": "Refund only this seller's share (all, or amount_pence)."})
    amount_pence = Pence(validate=validate.Range(min=1, max=MAX_PRICE_PENCE * 100))
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class IdempotencyHeader(Schema):
    idempotency_key = fields.String(data_key="Idempotency-Key", validate=validate.Length(min=1, max=200),
                                    metadata={"description": "Send the same key again to retry safely."})


class RequiredIdempotencyHeader(Schema):
    """For what must never happen twice (a payment, a refund): the key is required."""

    idempotency_key = fields.String(data_key="Idempotency-Key", required=True, validate=validate.Length(min=1, max=200),
                                    metadata={"description": "Send the same key again to retry safely."})


# The days a statement or payout may name (services.marketplace.rules.periods says why).
BookDay = functools.partial(fields.Date, validate=validate.Range(
    min=EARLIEST_DAY, max=LATEST_DAY, error=f"Give a day from {EARLIEST_DAY} to {LATEST_DAY}."))


class Period(Schema):
    start = BookDay(required=True)
    end = BookDay(required=True, metadata={"description": "On or after the start."})


class StatementLine(Schema):
    on = fields.Date()
    kind = fields.String()
    reference = fields.String()
    gross_pence = Pence()
    commission_pence = Pence()
    net_pence = Pence()
    paid_out_pence = Pence()


class Statement(Schema):
    seller_id = fields.Integer()
    lines = fields.List(fields.Nested(StatementLine))
    brought_forward_pence = Pence()
    gross_sales_pence = Pence()
    refunds_pence = Pence()
    commission_pence = Pence()
    net_owed_pence = Pence()
    paid_out_pence = Pence()
    balance_owed_pence = Pence(metadata={"description": "Negative when the seller owes the co-op."})


class PayoutOut(Schema):
    seller_id = fields.Integer()
    amount_pence = Pence()
    paid_at = fields.AwareDateTime()


class PayoutRun(Schema):
    id = fields.Integer()
    period_start = fields.Date()
    period_end = fields.Date()
    run_at = fields.AwareDateTime()
    payouts = fields.List(fields.Nested(PayoutOut))


class Receipt(Schema):
    order_id = fields.Integer()
    trader = fields.String()
    seller_id = fields.Integer()
    vat_number = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(OrderLine))
    total_pence = Pence()
    vat_pence = Pence(allow_none=True, metadata={"description": "Only for a VAT-registered trader."})
    issued_at = fields.AwareDateTime(allow_none=True)


class VatRegistration(Schema):
    vat_registered = fields.Boolean(required=True)
    vat_number = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^GB[0-9]{9}$"))
