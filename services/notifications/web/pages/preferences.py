"""The preferences page: for each kind, email, the site only, or the weekly digest (a chatty kind)."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from services.notifications import preferences
from services.notifications.web.pages.site import notifications_blp
from shared.pages import needs_sign_in, signed_in
from shared.service import db_session

FIELD = "kind-"  # each kind's radio buttons are named kind-<kind>


@notifications_blp.get("/preferences")
@needs_sign_in
def preferences_page():
    """Show every kind with her setting, as radio buttons (an essential kind: always emailed)."""
    shown = preferences.own(db_session(), signed_in().account_id)
    return render_template("notifications/preferences.html", preferences=shown, field=FIELD,
                           saved=request.args.get("saved") == "1")


@notifications_blp.post("/preferences")
@needs_sign_in
def save_preferences():
    """Save what the form says (a refusal changes nothing and says why), then show the page again."""
    session = db_session()
    chosen = {name.removeprefix(FIELD): value for name, value in request.form.items() if name.startswith(FIELD)}
    preferences.change(session, signed_in().account_id, chosen)
    session.commit()
    return redirect(url_for(".preferences_page", saved=1), code=303)
