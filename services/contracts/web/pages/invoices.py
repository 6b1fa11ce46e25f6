"""The desk's invoices: the list of those issued to buyers, and one ready to print."""

from __future__ import annotations

from flask import render_template

from services.contracts import invoices
from services.contracts.web.pages.site import coordinators_only, desk_blp
from shared.service import db_session


@desk_blp.get("/invoices")
@coordinators_only
def invoices_page():
    """List the invoices issued to buyers."""
    return render_template("desk/invoices.html", invoices=invoices.latest_invoices(db_session()))


@desk_blp.get("/invoices/<int:invoice_id>")
@coordinators_only
def invoice_page(invoice_id):
    """Show one invoice, ready to print."""
    return render_template("desk/invoice.html", invoice=invoices.get_invoice(db_session(), invoice_id))
