"""HTTP endpoints of the marketplace: the catalogue for customers and the shop for member businesses."""

from __future__ import annotations

import functools
from pathlib import Path

from flask import request, send_file
from flask.views import MethodView
from flask_smorest import Blueprint

from services.marketplace import images, listings, schemas
from services.marketplace.models import Seller
from shared.auth import current_principal, requires
from shared.errors import NotFound
from shared.http import paginate
from shared.service import action_endpoint, db_session, runtime

catalogue_blp = Blueprint("catalogue", __name__, description="What customers can browse and buy")
shop_blp = Blueprint("shop", __name__, url_prefix="/shop", description="A member business's own listings")


@catalogue_blp.route("/listings")
class Catalogue(MethodView):
    @catalogue_blp.arguments(schemas.CatalogueQuery, location="query")
    @catalogue_blp.response(200, schemas.Listing(many=True))
    @catalogue_blp.paginate()
    def get(self, query, pagination_parameters):
        """Browse listings on sale: by category or seller, searched by words, sorted. Anyone may.

        At most the first 1,000 matches are counted and shown; narrow the search to find others.
        """
        statement = listings.catalogue_query(query.get("category"), query.get("seller_id"), query.get("q"),
                                             query["sort"])
        return paginate(db_session(), statement, pagination_parameters, at_most=listings.MOST_MATCHES)


@catalogue_blp.route("/listings/<int:listing_id>")
class CatalogueListing(MethodView):
    @catalogue_blp.response(200, schemas.Listing)
    def get(self, listing_id):
        """Show one listing on sale, with its variants or bookable slots. Anyone may."""
        return listings.visible_listing(db_session(), listing_id)


@catalogue_blp.route("/sellers/<int:member_id>")
class SellerPage(MethodView):
    @catalogue_blp.response(200, schemas.Seller)
    def get(self, member_id):
        """Show a member business's shop. Anyone may."""
        seller = db_session().get(Seller, member_id)
        if seller is None or not seller.can_sell:
            raise NotFound(f"There is no shop {member_id}.")
        return seller


@catalogue_blp.route("/images/<name>")
class Image(MethodView):
    @catalogue_blp.response(200, {"format": "binary", "type": "string"},
                            content_type="application/octet-stream", description="The image (JPEG, PNG or WebP).")
    def get(self, name):
        """Show an image uploaded for a listing (listings name it ``images/<name>``). Anyone may."""
        path = images.image_path(uploads_folder(), name)
        if not path.is_file():
            raise NotFound("There is no such image.")
        response = send_file(path, mimetype=images.content_type(name), max_age=86400)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def uploads_folder() -> Path:
    return runtime().settings.data_dir / "uploads"


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
    @_allows_body_of(images.MAX_UPLOAD_BYTES)
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
        session = db_session()
        upload = files["image"]
        listing, name = images.add_image(session, listing_id, current_principal(), upload.read(), upload.mimetype,
                                         uploads_folder(), runtime().settings.max_image_pixels)
        try:
            session.commit()
        except Exception:
            images.discard_image(uploads_folder(), name)
            raise
        return listing


def _status_view(action: str, summary: str) -> None:
    def change(session, caller, listing_id):
        return listings.change_status(session, listing_id, caller, action)

    action_endpoint(shop_blp, f"/listings/<int:listing_id>/{action}", change, summary, schemas.Listing, ("member",))


_status_view("publish", "Put one of your listings on sale.")
_status_view("withdraw", "Take one of your listings off sale.")


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


from services.marketplace.orders_api import orders_blp  # noqa: E402 - kept beside the list it joins
from services.marketplace.payouts_api import payouts_blp  # noqa: E402

BLUEPRINTS = [catalogue_blp, shop_blp, orders_blp, payouts_blp]
