"""A member business's own listings: drafts, changes, images, publishing, variants, stock and slots."""

from __future__ import annotations

import functools

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from services.marketplace import listings, schemas
from services.marketplace.rules.images import MAX_UPLOAD_BYTES
from shared.auth import current_principal, requires
from shared.http import paginate
from shared.service import collaborators, db_session

shop_blp = Blueprint("shop", __name__, url_prefix="/shop", description="A member business's own listings")


@shop_blp.route("/listings")
class ShopListings(MethodView):
    @requires("member")
    @shop_blp.arguments(schemas.ListingCreate)
    @shop_blp.response(201, schemas.Listing)
    def post(self, body):
        """Add a draft listing to your shop: goods with stock (and variants), or a service with slots."""
        session = db_session()
        listing = listings.create_listing(session, current_principal(), body)
        session.commit()
        return listing

    @requires("member")
    @shop_blp.response(200, schemas.Listing(many=True))
    @shop_blp.paginate()
    def get(self, pagination_parameters):
        """List your own listings, drafts and withdrawn ones included."""
        session = db_session()
        return paginate(session, listings.shop_query(session, current_principal()), pagination_parameters)


@shop_blp.route("/listings/<int:listing_id>")
class ShopListing(MethodView):
    @requires("member")
    @shop_blp.response(200, schemas.Listing)
    def get(self, listing_id):
        """Show one of your listings."""
        return listings.own_listing(db_session(), listing_id, current_principal())

    @requires("member")
    @shop_blp.arguments(schemas.ListingUpdate)
    @shop_blp.response(200, schemas.Listing)
    def patch(self, body, listing_id):
        """Change one of your listings: title, description, category, prices, images, duration."""
        session = db_session()
        listing = listings.update_listing(session, listing_id, current_principal(), body)
        session.commit()
        return listing


def _allows_body_of(limit: int):
    """Let one view read a larger body than the app-wide limit (an upload); above it, 413."""
    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            request.max_content_length = limit
            return view(*args, **kwargs)
        return wrapper
    return decorator


@shop_blp.route("/listings/<int:listing_id>/images")
class ListingImages(MethodView):
    @_allows_body_of(MAX_UPLOAD_BYTES)
    @requires("member")
    @shop_blp.arguments(schemas.ImageUpload, location="files")
    @shop_blp.response(201, schemas.Listing)
    def post(self, files, listing_id):
        """Upload an image (JPEG, PNG or WebP, at most 2 MiB) to one of your listings; 8 images at most.

        The image is decoded and encoded again, so what is stored and shown keeps none of the file's
        metadata (EXIF and its GPS position, XMP, comments); a file that does not decode as its type, or
        an image of more pixels than the marketplace allows, is refused with 422. The listing's ``images``
        gains ``images/<name>``, relative to the marketplace (``GET /images/<name>``).
        """
        upload, given = files["image"], collaborators()
        return listings.add_image(db_session(), listing_id, current_principal(), upload.read(), upload.mimetype,
                                  given.images, given.settings.max_image_pixels)


@shop_blp.route("/listings/<int:listing_id>/publish")
class ListingPublish(MethodView):
    @requires("member")
    @shop_blp.response(200, schemas.Listing)
    def post(self, listing_id):
        """Put one of your listings on sale."""
        session = db_session()
        listing = listings.change_status(session, listing_id, current_principal(), "publish")
        session.commit()
        return listing


@shop_blp.route("/listings/<int:listing_id>/withdraw")
class ListingWithdraw(MethodView):
    @requires("member")
    @shop_blp.response(200, schemas.Listing)
    def post(self, listing_id):
        """Take one of your listings off sale."""
        session = db_session()
        listing = listings.change_status(session, listing_id, current_principal(), "withdraw")
        session.commit()
        return listing


@shop_blp.route("/listings/<int:listing_id>/variants")
class Variants(MethodView):
    @requires("member")
    @shop_blp.arguments(schemas.VariantIn)
    @shop_blp.response(201, schemas.Variant)
    def post(self, body, listing_id):
        """Add a variant (a size, a colour) with its own stock to one of your goods."""
        session = db_session()
        variant = listings.add_variant(session, listing_id, current_principal(), body["name"], body["stock"])
        session.commit()
        return variant


@shop_blp.route("/listings/<int:listing_id>/variants/<int:variant_id>/stock")
class Stock(MethodView):
    @requires("member")
    @shop_blp.arguments(schemas.StockUpdate)
    @shop_blp.response(200, schemas.Variant)
    def put(self, body, listing_id, variant_id):
        """Set how many of a variant you have in stock."""
        session = db_session()
        variant = listings.set_stock(session, listing_id, variant_id, body["stock"], current_principal())
        session.commit()
        return variant


@shop_blp.route("/listings/<int:listing_id>/slots")
class Slots(MethodView):
    @requires("member")
    @shop_blp.arguments(schemas.SlotsAdd)
    @shop_blp.response(201, schemas.Slot(many=True))
    def post(self, body, listing_id):
        """Publish more bookable times for one of your services."""
        session = db_session()
        slots = listings.add_slots(session, listing_id, current_principal(), body["starts"])
        session.commit()
        return slots
