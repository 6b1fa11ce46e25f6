"""HTTP endpoints for allocating a signed contract's work, and for members to see and answer theirs.

A member business sees only its own allocations, and of the contract only its own line: never the
rest of the buyer's terms.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from services.contracts import allocation, negotiation, schemas
from services.contracts.models import MemberBusiness, MemberShare
from shared.auth import current_principal, requires
from shared.errors import Forbidden
from shared.http import paginate
from shared.service import action_endpoint, db_session

allocations_blp = Blueprint("allocations", __name__, description="Work allocated to member businesses")


@allocations_blp.route("/contracts/<int:contract_id>/allocations")
class ContractAllocations(MethodView):
    @requires("coordinator")
    @allocations_blp.arguments(schemas.AllocationQuery, location="query")
    @allocations_blp.response(200, schemas.Allocation(many=True))
    @allocations_blp.paginate()
    def get(self, query, pagination_parameters, contract_id):
        """List the allocations of a contract's work, newest first."""
        session = db_session()
        negotiation.get_contract(session, contract_id)
        return paginate(session, allocation.allocations_query(contract_id=contract_id, **query), pagination_parameters)

    @requires("coordinator")
    @allocations_blp.arguments(schemas.AllocationIn)
    @allocations_blp.response(201, schemas.Allocation)
    def post(self, body, contract_id):
        """Offer part of a line of a signed contract to an active member business whose sectors fit."""
        session = db_session()
        made = allocation.allocate(session, current_principal(), contract_id, **body)
        session.commit()
        return made


@allocations_blp.route("/allocations")
class Allocations(MethodView):
    @requires("coordinator")
    @allocations_blp.arguments(schemas.AllocationQuery, location="query")
    @allocations_blp.response(200, schemas.Allocation(many=True))
    @allocations_blp.paginate()
    def get(self, query, pagination_parameters):
        """List allocations across contracts (``?state=needs_reallocation`` finds the work to hand on)."""
        return paginate(db_session(), allocation.allocations_query(**query), pagination_parameters)


action_endpoint(allocations_blp, "/allocations/<int:allocation_id>/reallocate",
                lambda session, by, body, allocation_id: allocation.reallocate(session, by, allocation_id, **body),
                "Hand the work of an allocation to another member business; gives the new allocation.",
                schemas.Allocation, roles=("coordinator",), body_schema=schemas.ReallocateIn)
action_endpoint(allocations_blp, "/allocations/<int:allocation_id>/accept",
                lambda session, by, allocation_id: allocation.respond(session, by, allocation_id, accept=True),
                "Accept work offered to your business.", schemas.MyAllocation, roles=("member",))
action_endpoint(allocations_blp, "/allocations/<int:allocation_id>/decline",
                lambda session, by, allocation_id: allocation.respond(session, by, allocation_id, accept=False),
                "Decline work offered to your business; it goes back to be allocated to someone else.",
                schemas.MyAllocation, roles=("member",))


@allocations_blp.route("/my/allocations")
class MyAllocations(MethodView):
    @requires("member")
    @allocations_blp.arguments(schemas.AllocationQuery, location="query")
    @allocations_blp.response(200, schemas.MyAllocation(many=True))
    @allocations_blp.paginate()
    def get(self, query, pagination_parameters):
        """List the work allocated to your business: your line of each contract, not the rest of it."""
        session = db_session()
        statement = allocation.allocations_query(member_id=_my_member_id(), **query)
        return [allocation.member_view(a) for a in paginate(session, statement, pagination_parameters)]


@allocations_blp.route("/my/shares")
class MyShares(MethodView):
    @requires("member")
    @allocations_blp.response(200, schemas.Share(many=True))
    @allocations_blp.paginate()
    def get(self, pagination_parameters):
        """List what your business earned from completed contracts, after the co-op's fee."""
        statement = (select(MemberShare).where(MemberShare.member_id == _my_member_id())
                     .order_by(MemberShare.id.desc()))
        return paginate(db_session(), statement, pagination_parameters)


@allocations_blp.route("/member-businesses")
class MemberBusinesses(MethodView):
    @requires("coordinator")
    @allocations_blp.response(200, schemas.MemberBusiness(many=True))
    @allocations_blp.paginate()
    def get(self, pagination_parameters):
        """List the active producer members who can take work, with their sectors, by name."""
        statement = (select(MemberBusiness)
                     .where(MemberBusiness.active.is_(True), MemberBusiness.kind == "producer")
                     .order_by(MemberBusiness.name, MemberBusiness.member_id))
        return paginate(db_session(), statement, pagination_parameters)


def _my_member_id() -> int:
    member_id = current_principal().member_id
    if member_id is None:
        raise Forbidden("This account does not act for a member business.")
    return member_id
