"""The JSON door for allocating a signed contract's work, and for members to see and answer theirs.

A member business sees only its own allocations, and of the contract only its own line: never the
rest of the buyer's terms.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.contracts import allocations, invoices
from services.contracts.web import schemas
from shared.auth import current_principal, requires
from shared.http import paginate
from shared.service import db_session

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
        statement = allocations.contract_allocations_query(session, contract_id, **query)
        return paginate(session, statement, pagination_parameters)

    @requires("coordinator")
    @allocations_blp.arguments(schemas.AllocationIn)
    @allocations_blp.response(201, schemas.Allocation)
    def post(self, body, contract_id):
        """Offer part of a line of a signed contract to an active member business whose sectors fit."""
        session = db_session()
        made = allocations.allocate(session, current_principal(), contract_id, **body)
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
        return paginate(db_session(), allocations.allocations_query(**query), pagination_parameters)


@allocations_blp.route("/allocations/<int:allocation_id>/reallocate")
class AllocationReallocate(MethodView):
    @requires("coordinator")
    @allocations_blp.arguments(schemas.ReallocateIn)
    @allocations_blp.response(200, schemas.Allocation)
    def post(self, body, allocation_id):
        """Hand the work of an allocation to another member business; gives the new allocation."""
        session = db_session()
        made = allocations.reallocate(session, current_principal(), allocation_id, **body)
        session.commit()
        return made


@allocations_blp.route("/allocations/<int:allocation_id>/accept")
class AllocationAccept(MethodView):
    @requires("member")
    @allocations_blp.response(200, schemas.MyAllocation)
    def post(self, allocation_id):
        """Accept work offered to your business."""
        session = db_session()
        answered = allocations.accept_allocation(session, current_principal(), allocation_id)
        session.commit()
        return answered


@allocations_blp.route("/allocations/<int:allocation_id>/decline")
class AllocationDecline(MethodView):
    @requires("member")
    @allocations_blp.response(200, schemas.MyAllocation)
    def post(self, allocation_id):
        """Decline work offered to your business; it goes back to be allocated to someone else."""
        session = db_session()
        answered = allocations.decline_allocation(session, current_principal(), allocation_id)
        session.commit()
        return answered


@allocations_blp.route("/my/allocations")
class MyAllocations(MethodView):
    @requires("member")
    @allocations_blp.arguments(schemas.AllocationQuery, location="query")
    @allocations_blp.response(200, schemas.MyAllocation(many=True))
    @allocations_blp.paginate()
    def get(self, query, pagination_parameters):
        """List the work allocated to your business: your line of each contract, not the rest of it."""
        statement = allocations.my_allocations_query(current_principal(), **query)
        return [allocations.member_view(a) for a in paginate(db_session(), statement, pagination_parameters)]


@allocations_blp.route("/my/shares")
class MyShares(MethodView):
    @requires("member")
    @allocations_blp.response(200, schemas.Share(many=True))
    @allocations_blp.paginate()
    def get(self, pagination_parameters):
        """List what your business earned from completed contracts, after the co-op's fee."""
        return paginate(db_session(), invoices.my_shares_query(current_principal()), pagination_parameters)


@allocations_blp.route("/member-businesses")
class MemberBusinesses(MethodView):
    @requires("coordinator")
    @allocations_blp.response(200, schemas.MemberBusiness(many=True))
    @allocations_blp.paginate()
    def get(self, pagination_parameters):
        """List the active producer members who can take work, with their sectors, by name."""
        return paginate(db_session(), allocations.members_who_can_take_work_query(), pagination_parameters)
