"""The governance API: proposals, secret ballots, proxies and results."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.members import proposals
from services.members.web import schemas
from shared.auth import current_principal, requires
from shared.http import paginate
from shared.service import collaborators, db_session

blp = Blueprint("proposals", __name__, url_prefix="/proposals",
                description="Governance: one active member, one vote, by secret ballot")

SIGNED_IN_MEMBERS = ("member", "agency", "coordinator", "admin")


@blp.route("")
class Proposals(MethodView):
    @requires("coordinator")
    @blp.arguments(schemas.ProposalCreate)
    @blp.response(201, schemas.Proposal)
    def post(self, body):
        """Put a resolution to the members, open for votes until closes_at."""
        session = db_session()
        proposal = proposals.open_proposal(session, current_principal(), **body, settings=collaborators().settings)
        session.commit()
        return proposals.render_proposal(session, proposal)

    @requires(*SIGNED_IN_MEMBERS)
    @blp.arguments(schemas.ProposalQuery, location="query")
    @blp.response(200, schemas.Proposal(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List proposals, newest first; results only for those closed."""
        session = db_session()
        page = paginate(session, proposals.proposals_query(query.get("status")), pagination_parameters)
        return proposals.render_proposals(session, page)


@blp.route("/<int:proposal_id>")
class ProposalDetail(MethodView):
    @requires(*SIGNED_IN_MEMBERS)
    @blp.response(200, schemas.Proposal)
    def get(self, proposal_id):
        """Show a proposal: while open, how many have voted; once closed, the result."""
        session = db_session()
        return proposals.render_proposal(session, proposals.get_proposal(session, proposal_id))


@blp.route("/<int:proposal_id>/close")
class ProposalClose(MethodView):
    @requires("coordinator")
    @blp.response(200, schemas.Proposal)
    def post(self, proposal_id):
        """Close a proposal whose closing time has passed and publish its result; again changes nothing."""
        session = db_session()
        proposal = proposals.close_proposal(session, proposal_id, current_principal(),
                                            inlet=collaborators().ballot_inlet,
                                            batch_size=collaborators().settings.ballot_batch_size)
        session.commit()
        return proposals.render_proposal(session, proposal)


@blp.route("/<int:proposal_id>/votes")
class Votes(MethodView):
    @requires("member", "agency")
    @blp.arguments(schemas.VoteCast)
    @blp.response(201, schemas.VoteReceipt)
    @blp.alt_response(503, description="The ballot box did not take the ballot: the vote was not recorded.")
    def post(self, body, proposal_id):
        """Vote, for your member or as a proxy; the receipt that lets you check it is shown only now.

        Your ballot goes into the box later, in a shuffled batch with others, and all at the close: only
        then can the receipt find it.
        """
        session = db_session()
        voter, receipt = proposals.cast_vote(session, proposal_id, current_principal(), **body,
                                             inlet=collaborators().ballot_inlet)
        session.commit()
        return {"proposal_id": proposal_id, "member_id": voter.id, "receipt": receipt}


@blp.route("/<int:proposal_id>/proxies")
class Proxies(MethodView):
    @requires("member", "agency")
    @blp.arguments(schemas.ProxyAppoint)
    @blp.response(201, schemas.ProxyAppoint)
    def post(self, body, proposal_id):
        """Appoint another active member to vote for your member on this proposal."""
        session = db_session()
        proxy = proposals.appoint_proxy(session, proposal_id, current_principal(), body["proxy_member_id"])
        session.commit()
        return proxy

    @requires("member", "agency")
    @blp.response(204)
    def delete(self, proposal_id):
        """Withdraw the proxy your member appointed on this proposal (before it has voted for you)."""
        session = db_session()
        proposals.withdraw_proxy(session, proposal_id, current_principal())
        session.commit()


@blp.route("/<int:proposal_id>/participants")
class Participants(MethodView):
    @requires("member", "agency", "coordinator")
    @blp.response(200, schemas.Participant(many=True))
    @blp.paginate()
    def get(self, proposal_id, pagination_parameters):
        """List the members who have voted on a proposal (who took part, never how)."""
        session = db_session()
        return paginate(session, proposals.participants_query(session, proposal_id), pagination_parameters)


@blp.route("/<int:proposal_id>/ballot-checks")
class BallotChecks(MethodView):
    @requires()
    @blp.arguments(schemas.BallotCheckRequest)
    @blp.response(200, schemas.BallotCheck)
    def post(self, body, proposal_id):
        """Check how your ballot was recorded, with the receipt you were given when voting.

        The receipt travels in the body, not the URL, so that access logs never hold it.
        """
        option = proposals.check_ballot(db_session(), proposal_id, body["receipt"])
        return {"proposal_id": proposal_id, "option": option}
