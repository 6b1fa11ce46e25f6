"""The notices page: a person's own notices, unread first, each with a button to mark it read."""

from __future__ import annotations

from flask import jsonify, redirect, render_template, url_for

from services.notifications import notices
from services.notifications.web.pages.site import notifications_blp
from shared.pages import needs_sign_in, signed_in
from shared.service import db_session

PAGE_SIZE = 50


@notifications_blp.get("/notices")
@needs_sign_in
def notices_page():
    """Show her notices (the newest 50 of them), unread first."""
    session = db_session()
    account_id = signed_in().account_id
    shown = list(session.scalars(notices.own_notices_query(account_id).limit(PAGE_SIZE)))
    return render_template("notifications/notices.html", notices=shown,
                           unread=notices.unread_count(session, account_id))


@notifications_blp.post("/notices/<int:notice_id>/read")
@needs_sign_in
def mark_read(notice_id: int):
    """Mark one of her notices read, then show the list again."""
    session = db_session()
    notices.mark_read(session, signed_in().account_id, notice_id)
    session.commit()
    return redirect(url_for(".notices_page"), code=303)


@notifications_blp.get("/unread-count")
def unread_count():
    """Her unread count for the header of every service's pages (shared/static/coop-unread.js asks)."""
    who = signed_in()
    if who is None:  # no redirect to sign in: a script asked, not a person
        response = jsonify({"unread": None})
        response.status_code = 401
    else:
        response = jsonify({"unread": notices.unread_count(db_session(), who.account_id)})
    response.headers["Cache-Control"] = "no-store"
    return response
