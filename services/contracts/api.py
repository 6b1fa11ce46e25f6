"""HTTP endpoints of the contracts service: buyers, contracts and their rounds, approval and signature.

Only coordinators negotiate. Every change to a contract names the version it was made on (If-Match);
the answer carries the new version as its ETag.
"""

from __future__ import annotations

from collections.abc import Callable

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from services.contracts import allocation, delivery, lifecycle, negotiation, schemas
from services.contracts import terms as terms_rules
from services.contracts.allocations_api import allocations_blp
from services.contracts.models import Buyer, Invoice
from shared.auth import current_principal, requires
from shared.errors import NotFound
from shared.http import IF_MATCH_DOC, if_match_version, paginate
from shared.service import db_session, runtime

contracts_blp = Blueprint("contracts", __name__, description="Buyers, contracts, negotiation rounds and approval")


@contracts_blp.route("/buyers")
class Buyers(MethodView):
    @requires("coordinator")
    @contracts_blp.response(200, schemas.Buyer(many=True))
    @contracts_blp.paginate()
    def get(self, pagination_parameters):
        """List the buyers, by name."""
        return paginate(db_session(), select(Buyer).order_by(Buyer.name, Buyer.id), pagination_parameters)

    @requires("coordinator")
    @contracts_blp.arguments(schemas.BuyerIn)
    @contracts_blp.response(201, schemas.Buyer)
    def post(self, body):
        """Record an organisation the co-op sells to."""
        session = db_session()
        buyer = negotiation.create_buyer(session, current_principal(), body)
        session.commit()
        return buyer


@contracts_blp.route("/buyers/<int:buyer_id>")
class BuyerItem(MethodView):
    @requires("coordinator")
    @contracts_blp.response(200, schemas.Buyer)
    def get(self, buyer_id):
        """Show a buyer."""
        return negotiation.get_buyer(db_session(), buyer_id)

    @requires("coordinator")
    @contracts_blp.arguments(schemas.BuyerUpdate)
    @contracts_blp.response(200, schemas.Buyer)
    def patch(self, body, buyer_id):
        """Change a buyer's details (invoices already issued keep the old ones)."""
        session = db_session()
        buyer = negotiation.get_buyer(session, buyer_id)
        for name, value in body.items():
            setattr(buyer, name, value)
        session.commit()
        return buyer


@contracts_blp.route("/contracts")
class Contracts(MethodView):
    @requires("coordinator")
    @contracts_blp.arguments(schemas.ContractQuery, location="query")
    @contracts_blp.response(200, schemas.ContractSummary(many=True))
    @contracts_blp.paginate()
    def get(self, query, pagination_parameters):
        """List contracts, newest first, by state or buyer."""
        return paginate(db_session(), negotiation.contracts_query(**query), pagination_parameters)

    @requires("coordinator")
    @contracts_blp.arguments(schemas.ContractIn)
    @contracts_blp.response(201, schemas.Contract)
    def post(self, body):
        """Start a contract in draft with the co-op's opening terms (round 1)."""
        session = db_session()
        contract = negotiation.create_contract(
            session, current_principal(), buyer_id=body["buyer_id"], title=body["title"], sector=body["sector"],
            terms=_stored(body["terms"]), comment=body["comment"])
        session.commit()
        return _answer(session, contract, 201)


@contracts_blp.route("/contracts/<int:contract_id>")
class ContractItem(MethodView):
    @requires("coordinator")
    @contracts_blp.response(200, schemas.Contract)
    def get(self, contract_id):
        """Show a contract: its rounds, history, milestones and how its work is allocated; ETag is its version."""
        session = db_session()
        return _answer(session, negotiation.get_contract(session, contract_id))


@contracts_blp.route("/contracts/<int:contract_id>/rounds")
class Rounds(MethodView):
    @requires("coordinator")
    @contracts_blp.response(200, schemas.Round(many=True))
    def get(self, contract_id):
        """Give every round of the negotiation, oldest first; earlier rounds are never changed."""
        return negotiation.get_contract(db_session(), contract_id).rounds

    @requires("coordinator")
    @contracts_blp.arguments(schemas.RoundIn)
    @contracts_blp.response(201, schemas.Contract)
    @contracts_blp.doc(**IF_MATCH_DOC)
    def post(self, body, contract_id):
        """Record new terms: a revised draft, or a counter-offer from the co-op or the buyer."""
        session = db_session()
        contract = negotiation.contract_for_change(session, contract_id)
        negotiation.add_round(session, current_principal(), contract, if_match_version(), party=body["party"],
                              terms=_stored(body["terms"]), comment=body["comment"], respond_by=body["respond_by"])
        session.commit()
        return _answer(session, contract, 201)


@contracts_blp.route("/contracts/<int:contract_id>/rounds/<int:number>")
class RoundItem(MethodView):
    @requires("coordinator")
    @contracts_blp.response(200, schemas.Round)
    def get(self, contract_id, number):
        """Give one round of the negotiation."""
        contract = negotiation.get_contract(db_session(), contract_id)
        return negotiation.round_pair(contract, number, number)[0]


@contracts_blp.route("/contracts/<int:contract_id>/diff")
class RoundDiff(MethodView):
    @requires("coordinator")
    @contracts_blp.arguments(schemas.DiffQuery, location="query")
    @contracts_blp.response(200, schemas.RoundDiff)
    def get(self, query, contract_id):
        """Say field by field what changed between two rounds (?from=1&to=3)."""
        contract = negotiation.get_contract(db_session(), contract_id)
        before, after = negotiation.round_pair(contract, query["from_round"], query["to_round"])
        return {"from_round": before.number, "to_round": after.number,
                "changes": terms_rules.differences(before.terms, after.terms)}


def _contract_action(rule: str, summary: str, body_schema, change: Callable) -> None:
    """Register ``POST /contracts/<id>/<rule>``: one checked move, made on the version named by If-Match."""

    def post(self, body, contract_id):
        session = db_session()
        contract = negotiation.contract_for_change(session, contract_id)
        change(session, current_principal(), contract, if_match_version(), **body)
        session.commit()
        return _answer(session, contract)

    post.__doc__ = summary
    view = contracts_blp.doc(**IF_MATCH_DOC)(contracts_blp.response(200, schemas.Contract)(post))
    view = requires("coordinator")(contracts_blp.arguments(body_schema)(view))
    name = "Contract" + rule.title().replace("_", "")
    contracts_blp.route(f"/contracts/<int:contract_id>/{rule}")(type(name, (MethodView,), {"post": view}))


def _settings():
    return runtime().settings


_contract_action("propose", "Send the draft's latest terms to the buyer (optionally with a date to answer by).",
                 schemas.ProposeIn, negotiation.propose)
_contract_action(
    "agree", "Record that one side accepted the other's latest terms; over the threshold, members then vote.",
    schemas.AgreeIn, lambda session, by, contract, version, **body: negotiation.agree(
        session, by, contract, version, approval_threshold_pence=_settings().contract_approval_threshold_pence,
        **body))
_contract_action("sign", "Record the signature of agreed (and, when needed, approved) terms.",
                 schemas.SignIn, negotiation.sign)
_contract_action("reject", "Record that one side turned the offer down.", schemas.RejectIn, negotiation.reject)
_contract_action("withdraw", "Withdraw the co-op from a contract not yet signed.",
                 schemas.WithdrawIn, negotiation.withdraw)
_contract_action("start", "Start the work, once every line is allocated.", schemas.NoBody, delivery.start)
_contract_action(
    "complete", "Complete the contract: the buyer is invoiced and each member's share recorded.",
    schemas.NoBody, lambda session, by, contract, version: delivery.complete(
        session, by, contract, version, fee_bp=_settings().contract_fee_percent * 100,
        vat_registered=_settings().coop_vat_registered))


@contracts_blp.route("/contracts/<int:contract_id>/milestones/<int:number>/done")
class MilestoneDone(MethodView):
    @requires("coordinator")
    @contracts_blp.response(200, schemas.Contract)
    def post(self, contract_id, number):
        """Mark a milestone or delivery of an active contract done."""
        session = db_session()
        contract = negotiation.contract_for_change(session, contract_id)
        delivery.mark_milestone_done(session, current_principal(), contract, number)
        session.commit()
        return _answer(session, contract)


@contracts_blp.route("/invoices")
class Invoices(MethodView):
    @requires("coordinator")
    @contracts_blp.response(200, schemas.Invoice(many=True))
    @contracts_blp.paginate()
    def get(self, pagination_parameters):
        """List the invoices issued to buyers, newest first."""
        return paginate(db_session(), select(Invoice).order_by(Invoice.number.desc()), pagination_parameters)


@contracts_blp.route("/invoices/<int:invoice_id>")
class InvoiceItem(MethodView):
    @requires("coordinator")
    @contracts_blp.response(200, schemas.Invoice)
    def get(self, invoice_id):
        """Show one invoice."""
        invoice = db_session().get(Invoice, invoice_id)
        if invoice is None:
            raise NotFound(f"There is no invoice {invoice_id}.")
        return invoice


def contract_detail(session, contract) -> dict:
    """Return everything a coordinator sees of a contract."""
    history = negotiation.history(session, contract)
    signed = contract.milestones or contract.state in lifecycle.UNDER_WAY
    return {
        **{name: getattr(contract, name) for name in (
            "id", "reference", "title", "sector", "state", "version", "buyer", "total_pence", "approval",
            "offer_expires_at", "created_at", "state_changed_at", "buyer_signatory", "closing_reason",
            "rounds", "milestones")},
        "actions": lifecycle.actions_from(contract.state),
        "history": history,
        "lines": allocation.line_summary(session, contract) if signed else [],
    }


def _answer(session, contract, status: int = 200):
    return contract_detail(session, contract), status, {"ETag": f'"{contract.version}"'}


def _stored(terms: dict) -> dict:
    # Stored as JSON: dates become ISO strings, exactly as the API shows them.
    return schemas.Terms().dump(terms)


BLUEPRINTS = [contracts_blp, allocations_blp]
