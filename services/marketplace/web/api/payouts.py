"""Statements, receipts, VAT registration and payout runs."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from services.marketplace import payouts, schemas
from services.marketplace.models import PayoutRun
from shared.auth import current_principal, requires
from shared.http import paginate
from shared.service import db_session

payouts_blp = Blueprint("payouts", __name__, description="Statements, receipts and payouts")


@payouts_blp.route("/sellers/<int:seller_id>/statement")
class SellerStatement(MethodView):
    @requires("member", "coordinator")
    @payouts_blp.arguments(schemas.Period, location="query")
    @payouts_blp.response(200, schemas.Statement)
    def get(self, period, seller_id):
        """Show a seller's sales, refunds, commission and what is owed for a period (the seller or a coordinator)."""
        return payouts.statement_for(db_session(), seller_id, current_principal(), period["start"], period["end"])


@payouts_blp.route("/sellers/<int:seller_id>/vat")
class SellerVat(MethodView):
    @requires("coordinator")
    @payouts_blp.arguments(schemas.VatRegistration)
    @payouts_blp.response(200, schemas.Seller)
    def put(self, body, seller_id):
        """Record whether a trader is VAT-registered (their receipts then show VAT)."""
        session = db_session()
        seller = payouts.register_vat(session, seller_id, body["vat_registered"], body["vat_number"])
        session.commit()
        return seller


@payouts_blp.route("/orders/<int:order_id>/receipts")
class Receipts(MethodView):
    @requires()
    @payouts_blp.response(200, schemas.Receipt(many=True))
    def get(self, order_id):
        """Give a paid order's receipts: one per seller's part, in that trader's name (a seller gets only hers)."""
        return payouts.receipts_for(db_session(), order_id, current_principal())


@payouts_blp.route("/payouts")
class PayoutRuns(MethodView):
    @requires("coordinator")
    @payouts_blp.arguments(schemas.Period)
    @payouts_blp.response(200, schemas.PayoutRun)
    def post(self, period):
        """Pay every seller what is owed up to the end of a period; running it again pays nothing twice."""
        session = db_session()
        run = payouts.run_payouts(session, current_principal(), period["start"], period["end"])
        session.commit()
        return run

    @requires("coordinator")
    @payouts_blp.response(200, schemas.PayoutRun(many=True))
    @payouts_blp.paginate()
    def get(self, pagination_parameters):
        """List the payout runs, newest first."""
        return paginate(db_session(), select(PayoutRun).order_by(PayoutRun.id.desc()), pagination_parameters)
