"""Events the notifications service listens to: accounts (whom to write to) and what it tells people.

The handlers need the service's settings (the site's address, for the links), so the table is made for
the settings the service runs with; SUBSCRIPTIONS, with the defaults, says what the service listens to
(the contract tests read it). Each schema reads only the fields the notice needs; a handler hands its
kind only the words it shows (money in pounds, moments in UK time), never the event itself.

One person not known here yet (no account.registered) holds her event back (NotKnownYet: retried, then
parked to be replayed). A fan-out to many people (a proposal's voters, the coordinators) tells those
known and logs the rest, so that one missing account does not hold up everyone.
"""

import functools

from marshmallow import fields
from sqlalchemy.orm import Session

from services.notifications import notices, people
from services.notifications.rules.wording import pounds, uk_day, uk_moment
from services.notifications.settings import NotificationsSettings
from shared.consumer import Subscription
from shared.events import Envelope, TolerantSchema

# ---- accounts (members) -------------------------------------------------------------------------------


class AccountRegistered(TolerantSchema):
    account_id = fields.Integer(required=True)
    email = fields.String(required=True)
    display_name = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    email_verified = fields.Boolean(load_default=False)
    occurred_at = fields.AwareDateTime(required=True)


class AccountRolesChanged(TolerantSchema):
    account_id = fields.Integer(required=True)
    roles = fields.List(fields.String(), required=True)
    occurred_at = fields.AwareDateTime(required=True)


class AccountEmailVerified(TolerantSchema):
    account_id = fields.Integer(required=True)


class VerificationRequested(TolerantSchema):
    account_id = fields.Integer(required=True)
    verify_path = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True)


class PasswordResetRequested(TolerantSchema):
    account_id = fields.Integer(required=True)
    reset_path = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True)
    occurred_at = fields.AwareDateTime(required=True)


class RegistrationRepeated(TolerantSchema):
    account_id = fields.Integer(required=True)
    forgot_password_path = fields.String(required=True)
    occurred_at = fields.AwareDateTime(required=True)


def tell_verify_email(session: Session, event: Envelope, settings: NotificationsSettings) -> None:
    """account.verification_requested: her link to confirm the address (essential: sent unverified)."""
    data = event.data
    notices.tell(session, event, data["account_id"], "verify_email", {
        "verify_url": notices.site_link(settings, data["verify_path"]),
        "expires_at": uk_moment(data["expires_at"])}, settings)


def tell_password_reset(session: Session, event: Envelope, settings: NotificationsSettings) -> None:
    """account.password_reset_requested: the reset link by email only (the notice says it was asked for)."""
    data = event.data
    notices.tell(session, event, data["account_id"], "password_reset", {
        "reset_url": notices.site_link(settings, data["reset_path"]),
        "expires_at": uk_moment(data["expires_at"]), "requested_at": uk_moment(data["occurred_at"])}, settings)


def tell_registration_repeated(session: Session, event: Envelope, settings: NotificationsSettings) -> None:
    """account.registration_repeated: someone tried to register with her address; if it was her, a way in."""
    data = event.data
    notices.tell(session, event, data["account_id"], "registration_repeated", {
        "forgot_password_url": notices.site_link(settings, data["forgot_password_path"]),
        "attempted_at": uk_moment(data["occurred_at"])}, settings)


# ---- membership and governance (members) ----------------------------------------------------------------


class MemberAdmitted(TolerantSchema):
    account_id = fields.Integer(required=True)
    name = fields.String(required=True)


class MemberDeclined(TolerantSchema):
    account_id = fields.Integer(required=True)
    reason = fields.String(load_default="")


class ProposalOpened(TolerantSchema):
    proposal_id = fields.Integer(required=True)
    title = fields.String(required=True)
    closes_at = fields.AwareDateTime(required=True)
    voter_account_ids = fields.List(fields.Integer(), required=True)


class ProposalClosingSoon(TolerantSchema):
    proposal_id = fields.Integer(required=True)
    title = fields.String(required=True)
    closes_at = fields.AwareDateTime(required=True)
    account_ids = fields.List(fields.Integer(), required=True)


class ProposalDecided(TolerantSchema):
    proposal_id = fields.Integer(required=True)
    title = fields.String(required=True)
    outcome = fields.String(required=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    votes_cast = fields.Integer(required=True)
    quorum = fields.Integer(required=True)
    member_account_ids = fields.List(fields.Integer(), required=True)


OUTCOMES = {"passed": "passed", "rejected": "was rejected", "no_quorum": "did not reach quorum"}


def proposal_path(proposal_id: int) -> str:
    """The page of the proposal where members read it and vote (the members service's votes pages)."""
    return f"/members/votes/{proposal_id}"


def tell_admitted_member(session: Session, event: Envelope, settings: NotificationsSettings) -> None:
    """member.admitted: welcome the applicant (only her: the event names her account)."""
    notices.tell(session, event, event.data["account_id"], "member_admitted",
                 {"member_name": event.data["name"]}, settings)


def tell_declined_member(session: Session, event: Envelope, settings: NotificationsSettings) -> None:
    """member.declined: tell the applicant, with the reason the coordinator gave her (if any)."""
    notices.tell(session, event, event.data["account_id"], "member_declined",
                 {"decline_reason": event.data["reason"] or ""}, settings)


def tell_proposal_opened(session: Session, event: Envelope, settings: NotificationsSettings) -> None:
    """proposal.opened: every member who may vote, what it is, how to vote and when it closes."""
    data = event.data
    notices.tell_each_known(session, event, data["voter_account_ids"], "proposal_opened", {
        "title": data["title"], "closes_at": uk_moment(data["closes_at"]),
        "proposal_url": notices.site_link(settings, proposal_path(data["proposal_id"]))}, settings)


def tell_proposal_closing_soon(session: Session, event: Envelope, settings: NotificationsSettings) -> None:
    """proposal.closing_soon: those who may vote and have not (or their proxies)."""
    data = event.data
    notices.tell_each_known(session, event, data["account_ids"], "proposal_closing_soon", {
        "title": data["title"], "closes_at": uk_moment(data["closes_at"]),
        "proposal_url": notices.site_link(settings, proposal_path(data["proposal_id"]))}, settings)


def tell_proposal_decided(session: Session, event: Envelope, settings: NotificationsSettings) -> None:
    """proposal.decided: every member, the outcome and the tally (the counts only: nobody's vote)."""
    data = event.data
    notices.tell_each_known(session, event, data["member_account_ids"], "proposal_decided", {
        "title": data["title"], "outcome": OUTCOMES.get(data["outcome"], data["outcome"]),
        "tally": [{"option": option, "count": count} for option, count in sorted(data["counts"].items())],
        "votes_cast": data["votes_cast"], "quorum": data["quorum"],
        "proposal_url": notices.site_link(settings, proposal_path(data["proposal_id"]))}, settings)


# ---- orders and payouts (marketplace) -------------------------------------------------------------------


class OrderLine(TolerantSchema):
    title = fields.String(required=True)
    quantity = fields.Integer(required=True)
    amount_pence = fields.Integer(required=True)


class SellerPart(TolerantSchema):
    account_id = fields.Integer(required=True)
    gross_pence = fields.Integer(required=True)
    commission_pence = fields.Integer(required=True)
    net_pence = fields.Integer(required=True)
    lines = fields.List(fields.Nested(OrderLine), required=True)


class OrderChanged(TolerantSchema):
    order_id = fields.Integer(required=True)
    total_pence = fields.Integer(required=True)
    buyer_account_id = fields.Integer(required=True)
    receipt_path = fields.String(required=True)
    sellers = fields.List(fields.Nested(SellerPart), required=True)


class PayoutPaid(TolerantSchema):
    account_id = fields.Integer(required=True)
    amount_pence = fields.Integer(required=True)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    statement_path = fields.String(required=True)


def _lines(lines: list[dict]) -> list[dict]:
    return [{"title": line["title"], "quantity": line["quantity"], "amount": pounds(line["amount_pence"])}
            for line in lines]


def tell_sellers_of_new_order(session: Session, event: Envelope, settings: NotificationsSettings) -> None:
    """order.paid: each seller, her own lines and amounts only (not the other sellers')."""
    data = event.data
    for seller in data["sellers"]:
        notices.tell(session, event, seller["account_id"], "new_order", {
            "order_id": data["order_id"], "lines": _lines(seller["lines"]), "gross": pounds(seller["gross_pence"]),
            "commission": pounds(seller["commission_pence"]), "net": pounds(seller["net_pence"])}, settings)


def tell_customer(kind: str):
    """order.confirmed / fulfilled / refunded: the customer, the order's state and her whole receipt."""

    def handle(session: Session, event: Envelope, settings: NotificationsSettings) -> None:
        data = event.data
        lines = [line for seller in data["sellers"] for line in seller["lines"]]
        notices.tell(session, event, data["buyer_account_id"], kind, {
            "order_id": data["order_id"], "lines": _lines(lines), "total": pounds(data["total_pence"]),
            "receipt_url": notices.site_link(settings, data["receipt_path"])}, settings)

    handle.__name__ = handle.__qualname__ = f"tell_customer_{kind}"
    return handle


def tell_payout_paid(session: Session, event: Envelope, settings: NotificationsSettings) -> None:
    """payout.paid: the seller, how much was paid for which period, and her statement."""
    data = event.data
    notices.tell(session, event, data["account_id"], "payout_paid", {
        "amount": pounds(data["amount_pence"]), "period_start": uk_day(data["period_start"]),
        "period_end": uk_day(data["period_end"]),
        "statement_url": notices.site_link(settings, data["statement_path"])}, settings)


# ---- contracts ------------------------------------------------------------------------------------------


class WorkAllocated(TolerantSchema):
    account_id = fields.Integer(required=True)
    reference = fields.String(required=True)
    description = fields.String(required=True)
    quantity = fields.Integer(required=True)
    value_pence = fields.Integer(required=True)
    respond_by = fields.Date(allow_none=True, load_default=None)


class OfferLapsing(TolerantSchema):
    reference = fields.String(required=True)
    title = fields.String(required=True)
    buyer_name = fields.String(required=True)
    lapses_at = fields.AwareDateTime(required=True)


# Where a member answers an offer of work, and where coordinators see the contracts (the contracts pages).
MY_WORK_PAGE = "/contracts/my-work/"
CONTRACTS_DESK_PAGE = "/contracts/desk/"


def tell_work_allocated(session: Session, event: Envelope, settings: NotificationsSettings) -> None:
    """contract.work_allocated: the member business, what, how much, its value, and when to answer by."""
    data = event.data
    respond_by = data["respond_by"]
    notices.tell(session, event, data["account_id"], "work_allocated", {
        "reference": data["reference"], "description": data["description"], "quantity": data["quantity"],
        "value": pounds(data["value_pence"]),
        "respond_by": f"by {uk_day(respond_by)}" if respond_by else "as soon as you can",
        "work_url": notices.site_link(settings, MY_WORK_PAGE)}, settings)


def tell_coordinators_offer_lapsing(session: Session, event: Envelope, settings: NotificationsSettings) -> None:
    """contract.offer_lapsing: every coordinator, which offer lapses and when."""
    data = event.data
    notices.tell_each_known(session, event, notices.coordinators(session), "offer_lapsing", {
        "reference": data["reference"], "title": data["title"], "buyer_name": data["buyer_name"],
        "lapses_at": uk_moment(data["lapses_at"]), "desk_url": notices.site_link(settings, CONTRACTS_DESK_PAGE)},
        settings)


# ---- brokering ------------------------------------------------------------------------------------------


class ApplicationStageChanged(TolerantSchema):
    stage = fields.String(required=True)
    job_seeker_account_id = fields.Integer(allow_none=True, load_default=None)
    employer_account_id = fields.Integer(required=True)
    vacancy_title = fields.String(required=True)
    moved_by = fields.String(required=True)


class DisclosureRead(TolerantSchema):
    job_seeker_account_id = fields.Integer(allow_none=True, load_default=None)
    reader_name = fields.String(required=True)
    reader_role = fields.String(required=True)
    read_at = fields.AwareDateTime(required=True)


class CheckInDue(TolerantSchema):
    placement_id = fields.Integer(required=True)
    employer_name = fields.String(required=True)
    due_on = fields.Date(required=True)
    placement_path = fields.String(required=True)


def tell_application_moved(session: Session, event: Envelope, settings: NotificationsSettings) -> None:
    """application.stage_changed: the job seeker (if she has an account); the employer only when the job
    seeker moved it herself (the employer knows what she did, and a coordinator tells her)."""
    data = event.data
    told = {"vacancy_title": data["vacancy_title"], "stage": data["stage"].replace("_", " ")}
    if data["job_seeker_account_id"] is not None:
        notices.tell(session, event, data["job_seeker_account_id"], "application_moved", told, settings)
    if data["moved_by"] == "job_seeker":
        notices.tell(session, event, data["employer_account_id"], "application_moved", told, settings)


def tell_disclosure_read(session: Session, event: Envelope, settings: NotificationsSettings) -> None:
    """disclosure.read: the job seeker, who read it and when (never what it says)."""
    data = event.data
    if data["job_seeker_account_id"] is None:
        return
    notices.tell(session, event, data["job_seeker_account_id"], "disclosure_read", {
        "reader_name": data["reader_name"], "reader_role": data["reader_role"],
        "read_at": uk_moment(data["read_at"])}, settings)


def tell_coordinators_check_in_due(session: Session, event: Envelope, settings: NotificationsSettings) -> None:
    """placement.check_in_due: every coordinator, which placement, its employer and the day it is due."""
    data = event.data
    notices.tell_each_known(session, event, notices.coordinators(session), "check_in_due", {
        "placement_id": data["placement_id"], "employer_name": data["employer_name"],
        "due_on": uk_day(data["due_on"]),
        "placement_url": notices.site_link(settings, data["placement_path"])}, settings)


def subscriptions(settings: NotificationsSettings) -> dict[str, Subscription]:
    """Return what the notifications service does with each event it reads, under these settings."""

    def told(handler):
        return functools.partial(handler, settings=settings)

    return {
        "account.registered": Subscription(AccountRegistered, people.person_from_registration),
        "account.roles_changed": Subscription(AccountRolesChanged, people.roles_from_change),
        "account.email_verified": Subscription(AccountEmailVerified, people.email_verified),
        "account.verification_requested": Subscription(VerificationRequested, told(tell_verify_email)),
        "account.password_reset_requested": Subscription(PasswordResetRequested, told(tell_password_reset)),
        "account.registration_repeated": Subscription(RegistrationRepeated, told(tell_registration_repeated)),
        "member.admitted": Subscription(MemberAdmitted, told(tell_admitted_member)),
        "member.declined": Subscription(MemberDeclined, told(tell_declined_member)),
        "proposal.opened": Subscription(ProposalOpened, told(tell_proposal_opened)),
        "proposal.closing_soon": Subscription(ProposalClosingSoon, told(tell_proposal_closing_soon)),
        "proposal.decided": Subscription(ProposalDecided, told(tell_proposal_decided)),
        "order.paid": Subscription(OrderChanged, told(tell_sellers_of_new_order)),
        "order.confirmed": Subscription(OrderChanged, told(tell_customer("order_confirmed"))),
        "order.fulfilled": Subscription(OrderChanged, told(tell_customer("order_fulfilled"))),
        "order.refunded": Subscription(OrderChanged, told(tell_customer("order_refunded"))),
        "payout.paid": Subscription(PayoutPaid, told(tell_payout_paid)),
        "contract.work_allocated": Subscription(WorkAllocated, told(tell_work_allocated)),
        "contract.offer_lapsing": Subscription(OfferLapsing, told(tell_coordinators_offer_lapsing)),
        "application.stage_changed": Subscription(ApplicationStageChanged, told(tell_application_moved)),
        "disclosure.read": Subscription(DisclosureRead, told(tell_disclosure_read)),
        "placement.check_in_due": Subscription(CheckInDue, told(tell_coordinators_check_in_due)),
    }


SUBSCRIPTIONS: dict[str, Subscription] = subscriptions(NotificationsSettings())
