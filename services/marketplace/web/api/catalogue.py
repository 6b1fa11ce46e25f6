"""The catalogue for customers: listings on sale, one listing, a shop, an uploaded image."""

from __future__ import annotations

from flask import send_file
from flask.views import MethodView
from flask_smorest import Blueprint

from services.marketplace import listings, schemas, shops
from services.marketplace.adapters.image_store import content_type
from shared.errors import NotFound
from shared.http import paginate
from shared.service import collaborators, db_session

catalogue_blp = Blueprint("catalogue", __name__, description="What customers can browse and buy")


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
        return shops.open_shop(db_session(), member_id)


@catalogue_blp.route("/images/<name>")
class Image(MethodView):
    @catalogue_blp.response(200, {"format": "binary", "type": "string"},
                            content_type="application/octet-stream", description="The image (JPEG, PNG or WebP).")
    def get(self, name):
        """Show an image uploaded for a listing (listings name it ``images/<name>``). Anyone may."""
        path = collaborators().images.path(name)
        if not path.is_file():
            raise NotFound("There is no such image.")
        response = send_file(path, mimetype=content_type(name), max_age=86400)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
