"""The JSON door for buyers, contracts and their rounds, the moves of a contract, milestones and invoices.

Only coordinators negotiate. Every change to a contract names the version it was made on (If-Match);
the answer carries the new version as its ETag.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.contracts import allocations, buyers, contracts, delivery, invoices
from services.contracts.rules import lifecycle
from services.contracts.web import schemas
from shared.auth import current_principal, requires
from shared.http import IF_MATCH_DOC, if_match_version, paginate
from shared.service import collaborators, db_session

contracts_blp = Blueprint("contracts", __name__, description="Buyers, contracts, negotiation rounds and approval")


@contracts_blp.route("/buyers")
class Buyers(MethodView):
    @requires("coordinator")
    @contracts_blp.response(200, schemas.Buyer(many=True))
    @contracts_blp.paginate()
    def get(self, pagination_parameters):
        """List the buyers, by name."""
        return paginate(db_session(), buyers.buyers_query(), pagination_parameters)

    @requires("coordinator")
    @contracts_blp.arguments(schemas.BuyerIn)
    @contracts_blp.response(201, schemas.Buyer)
    def post(self, body):
        """Record an organisation the co-op sells to."""
        session = db_session()
        buyer = buyers.create_buyer(session, current_principal(), body)
        session.commit()
        return buyer


@contracts_blp.route("/buyers/<int:buyer_id>")
class BuyerItem(MethodView):
    @requires("coordinator")
    @contracts_blp.response(200, schemas.Buyer)
    def get(self, buyer_id):
        """Show a buyer."""
        return buyers.get_buyer(db_session(), buyer_id)

    @requires("coordinator")
    @contracts_blp.arguments(schemas.BuyerUpdate)
    @contracts_blp.response(200, schemas.Buyer)
    def patch(self, body, buyer_id):
        """Change a buyer's details (invoices already issued keep the old ones)."""
        session = db_session()
        buyer = buyers.update_buyer(session, current_principal(), buyer_id, body)
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
        return paginate(db_session(), contracts.contracts_query(**query), pagination_parameters)

    @requires("coordinator")
    @contracts_blp.arguments(schemas.ContractIn)
    @contracts_blp.response(201, schemas.Contract)
    def post(self, body):
        """Start a contract in draft with the co-op's opening terms (round 1)."""
        contract = contracts.create_contract(db_session(), current_principal(), **body)
        return _committed(contract, 201)


@contracts_blp.route("/contracts/<int:contract_id>")
class ContractItem(MethodView):
    @requires("coordinator")
    @contracts_blp.response(200, schemas.Contract)
    def get(self, contract_id):
        """Show a contract: its rounds, history, milestones and how its work is allocated; ETag is its version."""
        session = db_session()
        return _answer(session, contracts.get_contract(session, contract_id))


@contracts_blp.route("/contracts/<int:contract_id>/rounds")
class Rounds(MethodView):
    @requires("coordinator")
    @contracts_blp.response(200, schemas.Round(many=True))
    def get(self, contract_id):
        """Give every round of the negotiation, oldest first; earlier rounds are never changed."""
        return contracts.get_contract(db_session(), contract_id).rounds

    @requires("coordinator")
    @contracts_blp.arguments(schemas.RoundIn)
    @contracts_blp.response(201, schemas.Contract)
    @contracts_blp.doc(**IF_MATCH_DOC)
    def post(self, body, contract_id):
        """Record new terms: a revised draft, or a counter-offer from the co-op or the buyer."""
        contract = contracts.add_round(db_session(), current_principal(), contract_id, if_match_version(), **body)
        return _committed(contract, 201)


@contracts_blp.route("/contracts/<int:contract_id>/rounds/<int:number>")
class RoundItem(MethodView):
    @requires("coordinator")
    @contracts_blp.response(200, schemas.Round)
    def get(self, contract_id, number):
        """Give one round of the negotiation."""
        contract = contracts.get_contract(db_session(), contract_id)
        return contracts.round_pair(contract, number, number)[0]


@contracts_blp.route("/contracts/<int:contract_id>/diff")
class RoundDiff(MethodView):
    @requires("coordinator")
    @contracts_blp.arguments(schemas.DiffQuery, location="query")
    @contracts_blp.response(200, schemas.RoundDiff)
    def get(self, query, contract_id):
        """Say field by field what changed between two rounds (?from=1&to=3)."""
        contract = contracts.get_contract(db_session(), contract_id)
        before, after, changes = contracts.compare_rounds(contract, query["from_round"], query["to_round"])
        return {"from_round": before.number, "to_round": after.number, "changes": changes}


@contracts_blp.route("/contracts/<int:contract_id>/propose")
class ContractPropose(MethodView):
    @requires("coordinator")
    @contracts_blp.arguments(schemas.ProposeIn)
    @contracts_blp.doc(**IF_MATCH_DOC)
    @contracts_blp.response(200, schemas.Contract)
    def post(self, body, contract_id):
        """Send the draft's latest terms to the buyer (optionally with a date to answer by)."""
        contract = contracts.propose(db_session(), current_principal(), contract_id, if_match_version(), **body)
        return _committed(contract)


@contracts_blp.route("/contracts/<int:contract_id>/agree")
class ContractAgree(MethodView):
    @requires("coordinator")
    @contracts_blp.arguments(schemas.AgreeIn)
    @contracts_blp.doc(**IF_MATCH_DOC)
    @contracts_blp.response(200, schemas.Contract)
    def post(self, body, contract_id):
        """Record that one side accepted the other's latest terms; over the threshold, members then vote."""
        contract = contracts.agree(db_session(), current_principal(), contract_id, if_match_version(),
                                   settings=collaborators().settings, **body)
        return _committed(contract)


@contracts_blp.route("/contracts/<int:contract_id>/sign")
class ContractSign(MethodView):
    @requires("coordinator")
    @contracts_blp.arguments(schemas.SignIn)
    @contracts_blp.doc(**IF_MATCH_DOC)
    @contracts_blp.response(200, schemas.Contract)
    def post(self, body, contract_id):
        """Record the signature of agreed (and, when needed, approved) terms."""
        contract = contracts.sign(db_session(), current_principal(), contract_id, if_match_version(), **body)
        return _committed(contract)


@contracts_blp.route("/contracts/<int:contract_id>/reject")
class ContractReject(MethodView):
    @requires("coordinator")
    @contracts_blp.arguments(schemas.RejectIn)
    @contracts_blp.doc(**IF_MATCH_DOC)
    @contracts_blp.response(200, schemas.Contract)
    def post(self, body, contract_id):
        """Record that one side turned the offer down."""
        contract = contracts.reject(db_session(), current_principal(), contract_id, if_match_version(), **body)
        return _committed(contract)


@contracts_blp.route("/contracts/<int:contract_id>/withdraw")
class ContractWithdraw(MethodView):
    @requires("coordinator")
    @contracts_blp.arguments(schemas.WithdrawIn)
    @contracts_blp.doc(**IF_MATCH_DOC)
    @contracts_blp.response(200, schemas.Contract)
    def post(self, body, contract_id):
        """Withdraw the co-op from a contract not yet signed."""
        contract = contracts.withdraw(db_session(), current_principal(), contract_id, if_match_version(), **body)
        return _committed(contract)


@contracts_blp.route("/contracts/<int:contract_id>/start")
class ContractStart(MethodView):
    @requires("coordinator")
    @contracts_blp.arguments(schemas.NoBody)
    @contracts_blp.doc(**IF_MATCH_DOC)
    @contracts_blp.response(200, schemas.Contract)
    def post(self, _body, contract_id):
        """Start the work, once every line is allocated."""
        contract = delivery.start(db_session(), current_principal(), contract_id, if_match_version())
        return _committed(contract)


@contracts_blp.route("/contracts/<int:contract_id>/complete")
class ContractComplete(MethodView):
    @requires("coordinator")
    @contracts_blp.arguments(schemas.NoBody)
    @contracts_blp.doc(**IF_MATCH_DOC)
    @contracts_blp.response(200, schemas.Contract)
    def post(self, _body, contract_id):
        """Complete the contract: the buyer is invoiced and each member's share recorded."""
        contract = delivery.complete(db_session(), current_principal(), contract_id, if_match_version(),
                                     settings=collaborators().settings)
        return _committed(contract)


@contracts_blp.route("/contracts/<int:contract_id>/milestones/<int:number>/done")
class MilestoneDone(MethodView):
    @requires("coordinator")
    @contracts_blp.response(200, schemas.Contract)
    def post(self, contract_id, number):
        """Mark a milestone or delivery of an active contract done."""
        contract = delivery.mark_milestone_done(db_session(), current_principal(), contract_id, number)
        return _committed(contract)


@contracts_blp.route("/invoices")
class Invoices(MethodView):
    @requires("coordinator")
    @contracts_blp.response(200, schemas.Invoice(many=True))
    @contracts_blp.paginate()
    def get(self, pagination_parameters):
        """List the invoices issued to buyers, newest first."""
        return paginate(db_session(), invoices.invoices_query(), pagination_parameters)


@contracts_blp.route("/invoices/<int:invoice_id>")
class InvoiceItem(MethodView):
    @requires("coordinator")
    @contracts_blp.response(200, schemas.Invoice)
    def get(self, invoice_id):
        """Show one invoice."""
        return invoices.get_invoice(db_session(), invoice_id)


def _detail(session, contract) -> dict:
    """Everything a coordinator sees of a contract."""
    signed = contract.milestones or contract.state in lifecycle.UNDER_WAY
    return {
        **{name: getattr(contract, name) for name in (
            "id", "reference", "title", "sector", "state", "version", "buyer", "total_pence", "approval",
            "offer_expires_at", "created_at", "state_changed_at", "buyer_signatory", "closing_reason",
            "rounds", "milestones")},
        "actions": lifecycle.actions_from(contract.state),
        "history": contracts.history(session, contract),
        "lines": allocations.line_summary(session, contract) if signed else [],
    }


def _answer(session, contract, status: int = 200):
    return _detail(session, contract), status, {"ETag": f'"{contract.version}"'}


def _committed(contract, status: int = 200):
    """Commit the change made to a contract and answer with the contract as it now is."""
    session = db_session()
    session.commit()
    return _answer(session, contract, status)
