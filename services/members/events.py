"""The events the members service publishes, with their schemas and examples.

They carry the least that other services need: never how a member came to the co-op, never the
reason for a suspension, never how anyone voted (only whom to tell: the accounts of members who may vote).
"""

from marshmallow import Schema, fields, validate

from shared.events import EventCatalog, EventSpec
from shared.outbox import Outbox

SECTORS = ("cards", "jewellery", "grooming", "catering", "fashion", "crafts", "cleaning", "other")
MEMBER_KINDS = ("producer", "agency")


class MemberRef(Schema):
    member_id = fields.Integer(required=True)
    member_number = fields.Integer(required=True)
    occurred_at = fields.AwareDateTime(required=True)


class MemberAdmitted(MemberRef):
    account_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(MEMBER_KINDS))
    name = fields.String(required=True)
    sectors = fields.List(fields.String(), required=True)


class MemberProfileUpdated(MemberRef):
    name = fields.String(required=True)
    sectors = fields.List(fields.String(), required=True)


class MemberSeekingWork(MemberRef):
    account_id = fields.Integer(required=True)
    display_name = fields.String(required=True)


class AccountRegistered(Schema):
    account_id = fields.Integer(required=True)
    email = fields.String(required=True)
    display_name = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    # False for an account she opened herself until she uses the link sent to the address
    # (account.email_verified); true for accounts made verified (by an administrator, the demo).
    email_verified = fields.Boolean(required=True)
    occurred_at = fields.AwareDateTime(required=True)


class AccountRenamed(Schema):
    account_id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    occurred_at = fields.AwareDateTime(required=True)


class AccountRef(Schema):
    account_id = fields.Integer(required=True)
    occurred_at = fields.AwareDateTime(required=True)


class AccountVerificationRequested(AccountRef):
    verify_path = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True)


class AccountPasswordResetRequested(AccountRef):
    reset_path = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True)


class AccountRegistrationRepeated(AccountRef):
    forgot_password_path = fields.String(required=True)


class AccountRolesChanged(Schema):
    account_id = fields.Integer(required=True)
    roles = fields.List(fields.String(), required=True)
    occurred_at = fields.AwareDateTime(required=True)


class MemberDeclined(Schema):
    member_id = fields.Integer(required=True)
    account_id = fields.Integer(required=True)
    # What the coordinator gave as the reason, for the applicant herself (may be "").
    reason = fields.String(required=True)
    occurred_at = fields.AwareDateTime(required=True)


class ProposalOpened(Schema):
    proposal_id = fields.Integer(required=True)
    title = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("ordinary", "special")))
    closes_at = fields.AwareDateTime(required=True)
    subject_type = fields.String(allow_none=True, load_default=None)
    subject_id = fields.String(allow_none=True, load_default=None)
    # The accounts of every member who may vote: each active member's (an agency's representative's).
    voter_account_ids = fields.List(fields.Integer(), required=True)
    occurred_at = fields.AwareDateTime(required=True)


class ProposalClosingSoon(Schema):
    proposal_id = fields.Integer(required=True)
    title = fields.String(required=True)
    closes_at = fields.AwareDateTime(required=True)
    # Who may still vote and has not: a member's own account, or her proxy's if she appointed one.
    account_ids = fields.List(fields.Integer(), required=True)
    occurred_at = fields.AwareDateTime(required=True)


class ProposalDecided(Schema):
    proposal_id = fields.Integer(required=True)
    title = fields.String(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(("passed", "rejected", "no_quorum")))
    winning_option = fields.String(allow_none=True, load_default=None)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    votes_cast = fields.Integer(required=True)
    quorum = fields.Integer(required=True)
    subject_type = fields.String(allow_none=True, load_default=None)
    subject_id = fields.String(allow_none=True, load_default=None)
    decided_at = fields.AwareDateTime(required=True)
    # Every active member's account when it was decided (whom to tell the result).
    member_account_ids = fields.List(fields.Integer(), required=True)
    occurred_at = fields.AwareDateTime(required=True)


_WHEN = "2026-11-23T10:00:00+00:00"
_REF = {"member_id": 7, "member_number": 12, "occurred_at": _WHEN}

CATALOG = EventCatalog(
    "members",
    [
        # For the notifications service: whom to write to, and (from the roles) who may vote.
        EventSpec("account.registered", AccountRegistered,
                  {"account_id": 3, "email": "jo@example.org", "display_name": "Jo", "roles": ["customer"],
                   "email_verified": False, "occurred_at": _WHEN}),
        # For the notifications service's essential mails: the link's path on the site (a members page).
        EventSpec("account.verification_requested", AccountVerificationRequested,
                  {"account_id": 3, "verify_path": "/members/account/verify-email?token=eyJhbGciOi",
                   "expires_at": "2026-11-25T10:00:00+00:00", "occurred_at": _WHEN}),
        EventSpec("account.email_verified", AccountRef, {"account_id": 3, "occurred_at": _WHEN}),
        # Only for a known address: an unknown one gets the same answer and nothing is published.
        EventSpec("account.password_reset_requested", AccountPasswordResetRequested,
                  {"account_id": 3, "reset_path": "/members/account/reset-password?token=eyJhbGciOi",
                   "expires_at": "2026-11-23T11:00:00+00:00", "occurred_at": _WHEN}),
        # Someone tried to register with her address; registration answered as for a new one.
        EventSpec("account.registration_repeated", AccountRegistrationRepeated,
                  {"account_id": 3, "forgot_password_path": "/members/account/forgot-password",
                   "occurred_at": _WHEN}),
        # She changed the name the co-op calls her by (accounts.rename_account).
        EventSpec("account.renamed", AccountRenamed,
                  {"account_id": 3, "display_name": "Jo Bird", "occurred_at": _WHEN}),
        EventSpec("account.roles_changed", AccountRolesChanged,
                  {"account_id": 3, "roles": ["customer", "member"], "occurred_at": _WHEN}),
        EventSpec(
            "member.admitted",
            MemberAdmitted,
            {**_REF, "account_id": 3, "kind": "producer", "name": "Paper Birds Cards", "sectors": ["cards"]},
        ),
        EventSpec("member.declined", MemberDeclined,
                  {"member_id": 7, "account_id": 3, "reason": "We could not reach you to talk it over.",
                   "occurred_at": _WHEN}),
        EventSpec("member.suspended", MemberRef, _REF),
        EventSpec("member.reinstated", MemberRef, _REF),
        EventSpec("member.left", MemberRef, _REF),
        EventSpec(
            "member.profile_updated",
            MemberProfileUpdated,
            {**_REF, "name": "Paper Birds Cards & Prints", "sectors": ["cards", "crafts"]},
        ),
        EventSpec("member.seeking_work", MemberSeekingWork, {**_REF, "account_id": 3, "display_name": "Jo"}),
        # She changed her mind: self-employment after all (job brokering may close her profile).
        EventSpec("member.stopped_seeking_work", MemberSeekingWork,
                  {**_REF, "account_id": 3, "display_name": "Jo"}),
        # For the notifications service: whom to tell that a ballot opened, closes soon, was decided.
        EventSpec(
            "proposal.opened",
            ProposalOpened,
            {
                "proposal_id": 4,
                "title": "Adopt the 2027 budget",
                "kind": "ordinary",
                "closes_at": "2026-11-30T18:00:00+00:00",
                "subject_type": None,
                "subject_id": None,
                "voter_account_ids": [3, 5, 8],
                "occurred_at": _WHEN,
            },
        ),
        EventSpec(
            "proposal.closing_soon",
            ProposalClosingSoon,
            {
                "proposal_id": 4,
                "title": "Adopt the 2027 budget",
                "closes_at": "2026-11-30T18:00:00+00:00",
                "account_ids": [5, 8],
                "occurred_at": "2026-11-28T18:00:30+00:00",
            },
        ),
        EventSpec(
            "proposal.decided",
            ProposalDecided,
            {
                "proposal_id": 4,
                "title": "Approve contract C-0015: Office cleaning",
                "outcome": "passed",
                "winning_option": "for",
                "counts": {"for": 9, "against": 2, "abstain": 1},
                "votes_cast": 12,
                "quorum": 3,
                "subject_type": "contract",
                "subject_id": "15",
                "decided_at": _WHEN,
                "member_account_ids": [3, 5, 8],
                "occurred_at": _WHEN,
            },
        ),
    ],
)

OUTBOX = Outbox(CATALOG)
