"""A member's pages of the co-op's votes: the proposals open and decided, one proposal to read and vote
on (for her member, or for a member who appointed her as proxy), appointing or withdrawing her proxy,
checking her receipt, and the result once decided.

Nothing here shows how anyone voted: while a ballot is open, how many have voted; once decided, the
counts. The receipt is shown once, in the answer to the vote itself (never in a URL, so no log holds it),
and checked by a form whose body carries it. Each page calls the use case the JSON API calls
(``services/members/proposals.py``).
"""

from __future__ import annotations

import functools

from flask import Blueprint, redirect, render_template, request, url_for

from services.members import membership, proposals
from services.members.models import Member
from services.members.web import schemas
from services.members.web.pages.membership import page_globals, refused_page
from shared.errors import DomainError, Forbidden, NotFound, Unprocessable
from shared.pages import add_session_routes, needs_sign_in, signed_in, validated
from shared.service import collaborators, db_session

blp = Blueprint("member_votes", __name__, url_prefix="/votes", template_folder="templates")
add_session_routes(blp, "member_votes.proposals_page")
blp.context_processor(page_globals)
blp.errorhandler(DomainError)(refused_page)

# Who reads proposals (as the API's SIGNED_IN_MEMBERS); casting a vote is for members and agencies.
READERS = ("member", "agency", "coordinator", "admin")
DONE = {
    "proxy-appointed": "Proxy appointed: they can vote for you on this proposal.",
    "proxy-withdrawn": "Proxy withdrawn: you can vote yourself, or appoint someone else.",
}
OUTCOMES = {"passed": "Passed", "rejected": "Rejected", "no_quorum": "Not decided: too few members voted"}


def readers_only(view):
    """Let in those who may read proposals (after the sign-in check)."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not signed_in().has_any(*READERS):
            raise Forbidden("The co-op's votes are for its members.")
        return view(*args, **kwargs)
    return needs_sign_in(wrapper)


@blp.get("/")
@readers_only
def proposals_page():
    """The proposals open for votes, and those decided, newest first."""
    session = db_session()
    open_ones = proposals.render_proposals(session, session.scalars(proposals.proposals_query("open").limit(100)).all())
    decided = proposals.render_proposals(session, session.scalars(proposals.proposals_query("closed").limit(100)).all())
    return render_template("membership/proposals.html", open_ones=open_ones, decided=decided, outcomes=OUTCOMES)


def _proxy_choices(session, me: Member | None) -> list[Member]:
    # Whom she may appoint: the active directory (the use case checks again), herself left out.
    members = session.scalars(membership.directory_query(signed_in()).where(Member.status == "active")).all()
    return [member for member in members if me is None or member.id != me.id]


def _proposal_page(proposal_id: int, problem: str | None = None, status: int = 200, typed: dict | None = None):
    session = db_session()
    proposal = proposals.render_proposal(session, proposals.get_proposal(session, proposal_id))
    mine = proposals.my_ballot(session, proposal_id, signed_in())
    may_vote = signed_in().has_any("member", "agency") and mine["member"] is not None
    choices = _proxy_choices(session, mine["member"]) if may_vote and proposal["status"] == "open" else []
    return render_template(
        "membership/proposal.html", proposal=proposal, mine=mine, may_vote=may_vote, choices=choices,
        outcomes=OUTCOMES, problem=problem, typed=typed or {}, done=DONE.get(request.args.get("done", "")),
    ), status


@blp.get("/<int:proposal_id>")
@readers_only
def proposal_page(proposal_id: int):
    """One proposal: its text; while open, the vote and the proxy; once decided, the result."""
    return _proposal_page(proposal_id)


def _again(proposal_id: int, error: DomainError, typed: dict):
    # The proposal's page again, with what was chosen kept and the reason said.
    if isinstance(error, NotFound) and "proposal" in error.message:
        raise error
    db_session().rollback()
    return _proposal_page(proposal_id, problem=error.message, status=error.status, typed=typed)


@blp.post("/<int:proposal_id>/vote")
@readers_only
def vote(proposal_id: int):
    """Cast a vote; the answer shows the receipt, once."""
    typed = {"option": request.form.get("option", ""), "on_behalf_of": request.form.get("on_behalf_of", "")}
    session = db_session()
    try:
        if not typed["option"]:
            raise Unprocessable("Choose one of the options before voting.")
        body = validated(schemas.VoteCast(), {key: value for key, value in typed.items() if value})
        voter, receipt = proposals.cast_vote(session, proposal_id, signed_in(), **body,
                                             inlet=collaborators().ballot_inlet)
        session.commit()
    except DomainError as error:
        return _again(proposal_id, error, typed)
    proposal = proposals.get_proposal(session, proposal_id)
    html = render_template("membership/voted.html", proposal=proposal, voter=voter, receipt=receipt,
                           for_self=voter.account_id == signed_in().account_id)
    return html, 200, {"Cache-Control": "no-store"}


@blp.post("/<int:proposal_id>/proxy")
@readers_only
def appoint_proxy(proposal_id: int):
    """Appoint another active member to vote for her member on this proposal."""
    typed = {"proxy_member_id": request.form.get("proxy_member_id", "")}
    session = db_session()
    try:
        body = validated(schemas.ProxyAppoint(), typed)
        proposals.appoint_proxy(session, proposal_id, signed_in(), body["proxy_member_id"])
        session.commit()
    except DomainError as error:
        return _again(proposal_id, error, typed)
    return redirect(url_for("member_votes.proposal_page", proposal_id=proposal_id, done="proxy-appointed"), code=303)


@blp.post("/<int:proposal_id>/proxy/withdraw")
@readers_only
def withdraw_proxy(proposal_id: int):
    """Withdraw the proxy she appointed, before it has voted for her."""
    session = db_session()
    try:
        proposals.withdraw_proxy(session, proposal_id, signed_in())
        session.commit()
    except DomainError as error:
        return _again(proposal_id, error, {})
    return redirect(url_for("member_votes.proposal_page", proposal_id=proposal_id, done="proxy-withdrawn"), code=303)


@blp.get("/<int:proposal_id>/receipt")
@readers_only
def receipt_page(proposal_id: int):
    """The form to check a ballot with its receipt."""
    session = db_session()
    proposal = proposals.get_proposal(session, proposal_id)
    return render_template("membership/receipt.html", proposal=proposal, receipt="", option=None, problem=None)


@blp.post("/<int:proposal_id>/receipt")
@readers_only
def check_receipt(proposal_id: int):
    """Say how the ballot with this receipt was recorded, once it is in the box."""
    session = db_session()
    proposal = proposals.get_proposal(session, proposal_id)
    receipt = request.form.get("receipt", "").strip()[:200]
    try:
        body = validated(schemas.BallotCheckRequest(), {"receipt": receipt})
        option = proposals.check_ballot(session, proposal_id, body["receipt"])
    except DomainError as error:
        return render_template("membership/receipt.html", proposal=proposal, receipt=receipt, option=None,
                               problem=error.message), error.status
    return render_template("membership/receipt.html", proposal=proposal, receipt=receipt, option=option,
                           problem=None)

