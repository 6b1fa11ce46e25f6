"""The one ``notifications`` blueprint every notifications page hangs on (under /notifications): the
templates, the stylesheet, the sign-in routes, the refusal page, and the home (her notices)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, redirect, render_template, url_for

from shared.errors import DomainError
from shared.pages import add_session_routes, csrf_token, needs_sign_in, signed_in

notifications_blp = Blueprint("notifications", __name__, url_prefix="/inbox", template_folder="templates")
add_session_routes(notifications_blp, "notifications.home")
UK = ZoneInfo("Europe/London")


@notifications_blp.app_template_filter("uk_time")
def _uk_time_filter(moment: dt.datetime) -> str:
    return moment.astimezone(UK).strftime("%a %d %b %Y, %H:%M")


@notifications_blp.context_processor
def page_globals():
    return {"principal": signed_in, "csrf_token": csrf_token}


@notifications_blp.errorhandler(DomainError)
def refused(error: DomainError):
    return render_template("notifications/error.html", error=error), error.status


@notifications_blp.get("/")
@needs_sign_in
def home():
    """Send each person to her notices."""
    return redirect(url_for(".notices_page"))
