"""The coordinators' marketplace desk (under /store/desk): every order and one order, refunding it, the refunds
made, payout runs, and sellers' VAT registration.

A thin door over the use cases the JSON API calls for the same coordinator actions (orders, refunds,
payouts); only coordinators come in (``coordinators_only``), and each use case checks again.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets

from flask import redirect, render_template, request, url_for

from services.marketplace import orders, payouts, refunds, schemas, shops
from services.marketplace.rules.order_status import TRANSITIONS
from services.marketplace.web.pages.site import pages_blp
from shared.errors import DomainError, Forbidden, Unprocessable
from shared.pages import needs_sign_in, pence_from, signed_in, validated
from shared.service import collaborators, db_session

LISTED = 50  # orders on one page of the desk's list
REFUND_DONE = {"refunded": "The refund is made."}
PAYOUT_DONE = {"run": "The payout run is made."}
VAT_DONE = {"vat": "The VAT registration is saved."}


def coordinators_only(view):
    """Let only coordinators in (after the sign-in check), as the API's ``requires("coordinator")`` does."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not signed_in().has_any("coordinator"):
            raise Forbidden("The marketplace desk is for the co-op's coordinators.")
        return view(*args, **kwargs)
    return needs_sign_in(wrapper)


@pages_blp.get("/desk/")
@coordinators_only
def desk_home():
    """The desk's front: where each of its jobs is."""
    return render_template("market_desk_home.html")


@pages_blp.get("/desk/orders")
@coordinators_only
def desk_orders():
    """List every order, newest first, or those of one status."""
    session = db_session()
    status = request.args.get("status") or None
    if status is not None and status not in TRANSITIONS:
        status = None  # an unknown status: the whole list, as the form offers only the known ones
    found = session.scalars(orders.all_orders(signed_in(), status).limit(LISTED)).all()
    names = shops.shop_names(session, [share.seller_id for order in found for share in order.shares])
    return render_template("market_desk_orders.html", found=found, status=status, statuses=list(TRANSITIONS),
                           names=names)


@pages_blp.get("/desk/orders/<int:order_id>")
@coordinators_only
def desk_order(order_id):
    """Show one order whole: its lines, each seller's share, its payment, refunds and history; a refund form."""
    done = REFUND_DONE.get(request.args.get("done", ""))
    return _order_page(order_id, done=done)


def _order_page(order_id: int, done: str | None = None, problem: str | None = None, typed: dict | None = None,
                status: int = 200):
    session = db_session()
    money = refunds.order_money(session, order_id, signed_in())
    names = shops.shop_names(session, [share.seller_id for share in money.order.shares])
    # A fresh key each time the form is shown: sending it twice (a double click, a retry) refunds once.
    return render_template("market_desk_order.html", money=money, order=money.order, names=names, done=done,
                           problem=problem, typed=typed or {}, key=secrets.token_urlsafe(24)), status


@pages_blp.post("/desk/orders/<int:order_id>/refund")
@coordinators_only
def desk_refund(order_id):
    """Refund a paid order in full, or part of one seller's share, once for the form's key."""
    session, form = db_session(), request.form
    typed = {name: form.get(name, "") for name in ("seller_id", "amount", "reason")}
    try:
        body = validated(schemas.RefundIn(), {
            **({"seller_id": _whole(typed["seller_id"])} if typed["seller_id"] else {}),
            **({"amount_pence": pence_from(typed["amount"], "amount")} if typed["amount"].strip() else {}),
            "reason": typed["reason"].strip(),
        })
        refunds.refund_order(session, order_id, signed_in(), collaborators().provider,
                             form.get("idempotency_key") or None, **body)
        session.commit()
    except DomainError as refusal:
        if refusal.status in (403, 404):
            raise
        session.rollback()
        return _order_page(order_id, problem=refusal.message, typed=typed, status=refusal.status)
    return redirect(url_for(".desk_order", order_id=order_id, done="refunded"), 303)


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise Unprocessable("Choose whose share to refund from the list.") from None


@pages_blp.get("/desk/refunds")
@coordinators_only
def desk_refunds():
    """List the refunds made, newest first, with the order and the seller each came from."""
    session = db_session()
    made = refunds.recent_refunds(session, signed_in())
    return render_template("market_desk_refunds.html", made=made,
                           names=shops.shop_names(session, [row.seller_id for row in made]))


@pages_blp.get("/desk/payouts")
@coordinators_only
def desk_payouts():
    """List the payout runs, newest first, and a form to run one for a period that has ended."""
    return _payouts_page()


def _payouts_page(problem: str | None = None, typed: dict | None = None, status: int = 200):
    session = db_session()
    runs = payouts.payout_runs(session, signed_in())
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    typed = typed or {"start": yesterday.replace(day=1).isoformat(), "end": yesterday.isoformat()}
    return render_template("market_desk_payouts.html", runs=runs, problem=problem, typed=typed,
                           names=shops.shop_names(session, [p.seller_id for run in runs for p in run.payouts])), status


@pages_blp.post("/desk/payouts")
@coordinators_only
def desk_run_payouts():
    """Pay every seller what is owed up to the end of a period; running it again pays nothing twice."""
    session, form = db_session(), request.form
    typed = {"start": form.get("start", ""), "end": form.get("end", "")}
    try:
        period = validated(schemas.Period(), typed)
        run = payouts.run_payouts(session, signed_in(), period["start"], period["end"])
        session.commit()
    except DomainError as refusal:
        if refusal.status == 403:
            raise
        session.rollback()
        return _payouts_page(problem=refusal.message, typed=typed, status=refusal.status)
    return redirect(url_for(".desk_payout_run", run_id=run.id, done="run"), 303)


@pages_blp.get("/desk/payouts/<int:run_id>")
@coordinators_only
def desk_payout_run(run_id):
    """Show one payout run: what each seller was paid."""
    session = db_session()
    run = payouts.payout_run(session, run_id, signed_in())
    return render_template("market_desk_payout_run.html", run=run, done=PAYOUT_DONE.get(request.args.get("done", "")),
                           names=shops.shop_names(session, [payout.seller_id for payout in run.payouts]))


@pages_blp.get("/desk/sellers")
@coordinators_only
def desk_sellers():
    """List every seller with her VAT registration, each with a form to change it."""
    return _sellers_page(done=VAT_DONE.get(request.args.get("done", "")))


def _sellers_page(done: str | None = None, problem: str | None = None, typed: dict | None = None,
                  status: int = 200):
    sellers = payouts.vat_statuses(db_session(), signed_in())
    return render_template("market_desk_sellers.html", sellers=sellers, done=done, problem=problem,
                           typed=typed or {}), status


@pages_blp.post("/desk/sellers/<int:seller_id>/vat")
@coordinators_only
def desk_set_vat(seller_id):
    """Record whether a seller is VAT-registered, and her VAT number (GB and nine digits) if she is."""
    session, form = db_session(), request.form
    registered = form.get("vat_registered") == "yes"
    number = form.get("vat_number", "").replace(" ", "").upper()
    typed = {"seller_id": seller_id, "vat_registered": registered, "vat_number": form.get("vat_number", "")}
    try:
        body = validated(schemas.VatRegistration(), {"vat_registered": registered,
                                                     "vat_number": (number or None) if registered else None})
        payouts.register_vat(session, seller_id, body["vat_registered"], body["vat_number"])
        session.commit()
    except DomainError as refusal:
        if refusal.status in (403, 404):
            raise
        session.rollback()
        return _sellers_page(problem=refusal.message, typed=typed, status=refusal.status)
    return redirect(url_for(".desk_sellers", done="vat", _anchor=f"seller-{seller_id}"), 303)
