"""The pages' blueprint, shared by the storefront (``store``) and My shop (``my_shop``): its templates,
filters, error page and the sign-in routes.

Signing in, the session cookie and CSRF are shared with the other services' pages: see ``shared/pages.py``.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, url_for

from services.marketplace import listings
from services.marketplace.adapters.image_store import URL_PREFIX
from shared.errors import DomainError
from shared.money import pounds
from shared.pages import add_session_routes, csrf_token, signed_in

UK = ZoneInfo("Europe/London")

pages_blp = Blueprint("pages", __name__, url_prefix="/store", template_folder="templates")


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
    if reference.startswith(URL_PREFIX):  # relative to the service, not to the page that shows it
        return url_for("catalogue.Image", name=reference.removeprefix(URL_PREFIX))
    return reference


@pages_blp.app_template_filter("uk_time")
def _uk_time_filter(moment: dt.datetime) -> str:
    return moment.astimezone(UK).strftime("%a %d %b %Y, %H:%M")


@pages_blp.app_template_filter("pounds_plain")
def _pounds_plain_filter(pence: int) -> str:
    """Show pence as pounds for a form field to edit: 350 -> 3.50."""
    return f"{pence // 100}.{pence % 100:02d}"


@pages_blp.errorhandler(DomainError)
def refused(error: DomainError):
    return render_template("error.html", error=error), error.status


add_session_routes(pages_blp, "pages.home")
