"""The desk's buyers page: the organisations the co-op sells to, and a form to add one."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from services.contracts import buyers
from services.contracts.web import schemas
from services.contracts.web.pages.site import coordinators_only, desk_blp
from shared.pages import signed_in, validated
from shared.service import db_session


@desk_blp.route("/buyers", methods=["GET", "POST"])
@coordinators_only
def buyers_page():
    """List the buyers and add one."""
    session = db_session()
    if request.method == "POST":
        fields = validated(schemas.BuyerIn(), {name: request.form.get(name, "").strip() or None
                                               for name in ("name", "contact_name", "email", "phone", "address")})
        buyers.create_buyer(session, signed_in(), fields)
        session.commit()
        return redirect(url_for(".buyers_page", saved=1))
    return render_template("desk/buyers.html", buyers=session.scalars(buyers.buyers_query()).all(),
                           saved=request.args.get("saved"))
