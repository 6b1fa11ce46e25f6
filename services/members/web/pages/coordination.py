"""The coordinators' pages of the members service: applicants, admitting or declining them with a reason,
suspending, reinstating and recording that a member leaves (with her status history), and opening and
closing proposals. Each page calls the same use case as the JSON API (membership, proposals).

Only coordinators come in (the API's ``@requires("coordinator")``); the person acting is always the one
signed in. Reading a member's record is logged in her access log, as it is through the API.
"""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

from flask import Blueprint, redirect, render_template, request, url_for

from services.members import accounts, membership, proposals
from services.members.rules import voting
from services.members.web import schemas
from shared.errors import DomainError, Forbidden, NotFound, Unprocessable
from shared.money import pounds
from shared.pages import add_session_routes, needs_sign_in, signed_in, validated
from shared.service import collaborators, db_session

UK = ZoneInfo("Europe/London")
PAGE_SIZE = 50

blp = Blueprint("coordination", __name__, url_prefix="/coordination", template_folder="templates")
add_session_routes(blp, "coordination.applicants_page")

# What each membership action is called on the page, what its button says, and whether it needs a reason
# (the use case refuses a decline or a suspension without one).
ACTIONS = {
    "admit": ("Admit", "Admit as a member", False),
    "decline": ("Decline", "Decline the application", True),
    "suspend": ("Suspend", "Suspend the member", True),
    "reinstate": ("Reinstate", "Reinstate the member", False),
    "leave": ("Record leaving", "Record that the member leaves", False),
    "reopen": ("Reopen", "Reopen as an application", False),
}
DONE = {
    "admit": "Admitted: the member has a member number and a £1 share.",
    "decline": "Declined: the applicant is told the reason.",
    "suspend": "Suspended: the member is signed out and cannot sign in as a member.",
    "reinstate": "Reinstated: the member is active again.",
    "leave": "Recorded: the member has left and the share is repaid.",
    "reopen": "Reopened: the record is an application again.",
    "opened": "The proposal is open for votes; the members are told.",
    "closed": "The proposal is closed and its result published.",
}
OUTCOMES = {"passed": "Passed", "rejected": "Rejected", "no_quorum": "Not decided: too few votes (no quorum)"}
STATUSES = ("applicant", "active", "suspended", "declined", "left")


def uk_time(moment: dt.datetime | None) -> str:
    return moment.astimezone(UK).strftime("%a %d %b %Y, %H:%M") if moment else ""


@blp.context_processor
def page_globals():
    return {"uk_time": uk_time, "actions": ACTIONS, "pounds": pounds, "outcomes": OUTCOMES}


@blp.errorhandler(DomainError)
def refused(error: DomainError):
    return render_template("coordination/error.html", error=error), error.status


def coordinators_only(view):
    """Let only coordinators in (after the sign-in check), as the API's ``@requires("coordinator")``."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not signed_in().has_any("coordinator"):
            raise Forbidden("These pages are for the co-op's coordinators.")
        return view(*args, **kwargs)
    return needs_sign_in(wrapper)


def _page_number() -> int:
    text = request.args.get("page", "1")
    return int(text) if text.isdigit() and 0 < int(text) < 100000 else 1


def _listed(statement) -> tuple[list, int, bool]:
    page = _page_number()
    rows = db_session().scalars(statement.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    return rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE


# -- members -----------------------------------------------------------------------------------------

@blp.get("/applicants")
@coordinators_only
def applicants_page():
    """The applications waiting for a coordinator, oldest first."""
    applicants, page, more = _listed(membership.directory_query(signed_in(), "applicant"))
    return render_template("coordination/applicants.html", applicants=applicants, page=page, more=more)


@blp.get("/members")
@coordinators_only
def members_page():
    """Every member in one status (by default the active ones), by number of record."""
    status = request.args.get("status", "active")
    if status not in STATUSES:
        raise Unprocessable(f"Choose one of: {', '.join(STATUSES)}.")
    members, page, more = _listed(membership.directory_query(signed_in(), status))
    return render_template("coordination/members.html", members=members, status=status, statuses=STATUSES,
                           page=page, more=more)


@blp.get("/members/<int:member_id>")
@coordinators_only
def member_page(member_id: int):
    """A member's record: who she is, her status history, and what can be done from her status now."""
    done = request.args.get("done")
    return _member_page(member_id, done=DONE.get(done) if done in ACTIONS else None)


def _member_page(member_id: int, done: str | None = None, problem: str | None = None, action: str | None = None,
                 reason: str = "", status: int = 200):
    session = db_session(writing=True)
    member = membership.read_confidential_record(session, member_id, signed_in(), "viewed record")
    session.commit()
    names = {}
    for change in member.history:
        if change.changed_by not in names:
            names[change.changed_by] = accounts.get_account(session, change.changed_by).display_name
    possible = [name for name, (starts, _to, _event) in membership.TRANSITIONS.items() if member.status in starts]
    html = render_template("coordination/member.html", member=member, names=names, possible=possible, done=done,
                           problem=problem, tried=action, reason=reason)
    return html, status


def _change(member_id: int, action: str):
    reason = request.form.get("reason", "")
    body = validated(schemas.StatusChangeRequest(), {"reason": reason})
    session = db_session()
    try:
        membership.change_status(session, member_id, action, signed_in(), body["reason"].strip())
        session.commit()
    except NotFound:
        raise
    except DomainError as refusal:
        session.rollback()
        return _member_page(member_id, problem=refusal.message, action=action, reason=reason,
                            status=refusal.status)
    return redirect(url_for(".member_page", member_id=member_id, done=action), code=303)


@blp.post("/members/<int:member_id>/admit")
@coordinators_only
def admit(member_id: int):
    """Admit an applicant: a member number and a £1 share."""
    return _change(member_id, "admit")


@blp.post("/members/<int:member_id>/decline")
@coordinators_only
def decline(member_id: int):
    """Decline an application, with the reason the applicant is told."""
    return _change(member_id, "decline")


@blp.post("/members/<int:member_id>/suspend")
@coordinators_only
def suspend(member_id: int):
    """Suspend an active member, with a reason."""
    return _change(member_id, "suspend")


@blp.post("/members/<int:member_id>/reinstate")
@coordinators_only
def reinstate(member_id: int):
    """Reinstate a suspended member."""
    return _change(member_id, "reinstate")


@blp.post("/members/<int:member_id>/leave")
@coordinators_only
def leave(member_id: int):
    """Record that a member leaves the co-op."""
    return _change(member_id, "leave")


@blp.post("/members/<int:member_id>/reopen")
@coordinators_only
def reopen(member_id: int):
    """Reopen a declined or former member's record as an application."""
    return _change(member_id, "reopen")


# -- proposals ---------------------------------------------------------------------------------------

@blp.get("/proposals")
@coordinators_only
def proposals_page():
    """Every proposal, newest first: open ones with how many have voted, closed ones with the result."""
    session = db_session()
    found, page, more = _listed(proposals.proposals_query())
    done = request.args.get("done")
    return render_template("coordination/proposals.html", proposals=proposals.render_proposals(session, found),
                           page=page, more=more, done=DONE.get(done) if done == "opened" else None)


@blp.get("/proposals/new")
@coordinators_only
def new_proposal_page():
    """The form to put a resolution to the members."""
    return render_template("coordination/new_proposal.html", form={}, problem=None, kinds=voting.KINDS,
                           default_options="\n".join(voting.DEFAULT_OPTIONS))


@blp.post("/proposals")
@coordinators_only
def open_proposal():
    """Open a proposal from the form; a refusal shows the form again as it was typed."""
    session = db_session()
    try:
        body = validated(schemas.ProposalCreate(), _proposal_fields(request.form))
        proposal = proposals.open_proposal(session, signed_in(), **body, settings=collaborators().settings)
        session.commit()
    except Forbidden:
        raise
    except DomainError as refusal:
        session.rollback()
        html = render_template("coordination/new_proposal.html", form=request.form, problem=refusal.message,
                               kinds=voting.KINDS, default_options="\n".join(voting.DEFAULT_OPTIONS))
        return html, refusal.status
    return redirect(url_for(".proposal_page", proposal_id=proposal.id, done="opened"), code=303)


def _proposal_fields(form) -> dict:
    """The form's fields as the API takes them: the closing time from UK time, the quorum as a fraction."""
    fields = {"title": form.get("title", "").strip(), "text": form.get("text", "").strip(),
              "kind": form.get("kind", "ordinary"), "closes_at": _uk_moment(form.get("closes_at", ""))}
    options = [line.strip() for line in form.get("options", "").splitlines() if line.strip()]
    if options:
        fields["options"] = options
    percent = form.get("quorum_percent", "").strip()
    if percent:
        try:
            fields["quorum_fraction"] = float(percent) / 100
        except ValueError:
            raise Unprocessable("Give the quorum as a percentage of active members, for example 25.") from None
    minimum = form.get("quorum_minimum", "").strip()
    if minimum:
        if not minimum.isdigit():
            raise Unprocessable("Give the fewest votes needed as a whole number, for example 3.")
        fields["quorum_minimum"] = int(minimum)
    return fields


def _uk_moment(text: str) -> str:
    """Read a date and time typed in UK time (GMT or BST), as the ISO time the API takes."""
    try:
        local = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise Unprocessable("Give the closing date and time, for example 2027-03-01 18:00.") from None
    if local.tzinfo is not None:
        raise Unprocessable("Give the closing time in UK time, without a time zone.")
    moment = local.replace(tzinfo=UK).astimezone(dt.UTC)
    if moment.astimezone(UK).replace(tzinfo=None) != local:
        raise Unprocessable("That time does not exist in the UK: the clocks go forward then.")
    return moment.isoformat()


@blp.get("/proposals/<int:proposal_id>")
@coordinators_only
def proposal_page(proposal_id: int):
    """A proposal: while open, how many have voted and when it closes; once closed, its result."""
    session = db_session()
    view = proposals.render_proposal(session, proposals.get_proposal(session, proposal_id))
    done = request.args.get("done")
    now = dt.datetime.now(dt.UTC)
    return render_template("coordination/proposal.html", proposal=view, due=view["closes_at"] <= now,
                           done=DONE.get(done) if done in ("opened", "closed") else None, problem=None)


@blp.post("/proposals/<int:proposal_id>/close")
@coordinators_only
def close_proposal(proposal_id: int):
    """Close a proposal whose closing time has passed and publish its result."""
    session = db_session()
    try:
        proposals.close_proposal(session, proposal_id, signed_in(), inlet=collaborators().ballot_inlet,
                                 batch_size=collaborators().settings.ballot_batch_size)
        session.commit()
    except (NotFound, Forbidden):
        raise
    except DomainError as refusal:
        session.rollback()
        view = proposals.render_proposal(session, proposals.get_proposal(session, proposal_id))
        html = render_template("coordination/proposal.html", proposal=view, due=False, done=None,
                               problem=refusal.message)
        return html, refusal.status
    return redirect(url_for(".proposal_page", proposal_id=proposal_id, done="closed"), code=303)
