"""One-click unsubscribe (RFC 8058), outside the API document and without signing in.

``POST /unsubscribe/<token>`` is what a mail client sends for the List-Unsubscribe-Post header: no
sign-in and no CSRF token (the signed token in the path is the proof), so it sets that kind to the
site only and answers 200. ``GET`` only shows a page with a button that makes that POST: link
scanners follow links, so a GET changes nothing. A forged token is 404 (a problem for the POST, the
error page for the GET).
"""

from __future__ import annotations

from flask import Blueprint, render_template

from services.notifications import preferences, unsubscribe
from services.notifications.web.pages.site import page_globals
from shared.errors import DomainError
from shared.service import db_session

unsubscribe_blp = Blueprint("unsubscribe", __name__, url_prefix="/unsubscribe", template_folder="templates")
unsubscribe_blp.context_processor(page_globals)


def _label(kind: str) -> str:
    if kind == preferences.DIGEST:
        return "your weekly digest"
    return preferences.LABELS.get(kind, kind.replace("_", " "))


@unsubscribe_blp.get("/<token>")
def confirm(token: str):
    """Ask her to confirm with a button (a GET changes nothing)."""
    try:
        _account_id, kind = unsubscribe.read(db_session(), token)
    except DomainError as error:
        return render_template("notifications/error.html", error=error), error.status
    return render_template("notifications/unsubscribe.html", label=_label(kind), token=token, done=False)


@unsubscribe_blp.post("/<token>")
def one_click(token: str):
    """Stop that kind of email (a notice on the site only) and say so; the same again changes nothing."""
    account_id, kind = unsubscribe.read(db_session(), token)
    session = db_session()
    preferences.unsubscribe(session, account_id, kind)
    session.commit()
    return render_template("notifications/unsubscribe.html", label=_label(kind), token=token, done=True)
