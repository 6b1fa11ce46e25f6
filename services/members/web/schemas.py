"""Request and response schemas of the members API: accounts, membership, and governance (proposals,
votes, proxies and results)."""

from marshmallow import Schema, ValidationError, fields, validate, validates

from services.members.accounts import ASSIGNABLE_ROLES
from services.members.events import MEMBER_KINDS, SECTORS
from services.members.rules import password_policy
from services.members.rules.voting import DEFAULT_OPTIONS, KINDS, OUTCOMES
from shared.http import MAX_ID, NOT_BLANK

STATUSES = ("applicant", "active", "suspended", "left", "declined")

Email = fields.Email(required=True, validate=validate.Length(max=254))
Name = fields.String(required=True, validate=[validate.Length(min=1, max=120), NOT_BLANK])
# What of the password policy the document can say (its length, not blank); the rest (not easily guessed,
# not the person's own name or email) is checked when the password is set, and refused with a 422.
NEW_PASSWORD = [validate.Length(min=password_policy.MIN_LENGTH, max=password_policy.MAX_LENGTH), NOT_BLANK]
NEW_PASSWORD_HELP = {"description": f"At least {password_policy.MIN_LENGTH} characters, any you like; "
                                    "refused if it is common, easily guessed, or made of your name or email."}


class AccountCreate(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=NEW_PASSWORD, metadata=NEW_PASSWORD_HELP)
    display_name = fields.String(required=True, validate=[validate.Length(min=1, max=120), NOT_BLANK])
    role = fields.String(load_default="customer", validate=validate.OneOf(("customer", "employer")),
                         metadata={"description": "Other roles are given by an administrator."})


class Account(Schema):
    id = fields.Integer(dump_only=True)
    email = fields.Email(dump_only=True)
    display_name = fields.String(dump_only=True)
    roles = fields.List(fields.String(), dump_only=True)
    email_verified = fields.Boolean(dump_only=True)
    member_id = fields.Integer(dump_only=True, allow_none=True)


class AccountUpdate(Schema):
    display_name = fields.String(required=True, validate=[validate.Length(min=1, max=120), NOT_BLANK],
                                 metadata={"description": "The name the co-op calls you by."})


class RegistrationReceived(Schema):
    status = fields.String(dump_only=True, metadata={"description": "Always 'check your email'."})


class PasswordResetRequest(Schema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))


class PasswordResetConfirm(Schema):
    token = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=2000))
    password = fields.String(required=True, load_only=True, validate=NEW_PASSWORD, metadata=NEW_PASSWORD_HELP)


class RolesUpdate(Schema):
    roles = fields.List(
        fields.String(validate=validate.OneOf(ASSIGNABLE_ROLES)), required=True,
        validate=validate.Length(max=len(ASSIGNABLE_ROLES)),
        metadata={"description": "Staff and customer roles. 'member' and 'agency' come with membership."},
    )


class PasswordChange(Schema):
    current_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))
    new_password = fields.String(required=True, load_only=True, validate=NEW_PASSWORD, metadata=NEW_PASSWORD_HELP)


class Credentials(Schema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))


class Token(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer(metadata={"description": "Seconds until the access token expires (minutes)."})
    refresh_token = fields.String(metadata={"description": "Exchange it at POST /tokens/refresh for a new pair "
                                                           "before the access token expires; it works once."})
    refresh_expires_in = fields.Integer(metadata={"description": "Seconds until the refresh token expires."})


class RefreshToken(Schema):
    refresh_token = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))


class Sectors(fields.List):
    def __init__(self, **kwargs):
        super().__init__(fields.String(validate=validate.OneOf(SECTORS)),
                         validate=validate.Length(max=len(SECTORS)), **kwargs)


class MembershipApplication(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(MEMBER_KINDS),
                         metadata={"description": "producer: a person's business; agency: a support agency."})
    name = fields.String(required=True, validate=[validate.Length(min=1, max=120), NOT_BLANK],
                         metadata={"description": "Business or organisation name."})
    sectors = Sectors(required=True)
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    how_they_came = fields.String(
        load_default="", validate=validate.Length(max=2000),
        metadata={"description": "Confidential: seen only by the applicant and coordinators."},
    )


class ProfileUpdate(Schema):
    name = fields.String(validate=[validate.Length(min=1, max=120), NOT_BLANK])
    sectors = Sectors()
    description = fields.String(validate=validate.Length(max=2000))


class StatusChangeRequest(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


class StatusChange(Schema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    changed_by = fields.Integer()
    changed_at = fields.AwareDateTime()
    reason = fields.String()


class MemberDirectoryEntry(Schema):
    """What any member may see of another: the business, not the person's story."""

    id = fields.Integer()
    member_number = fields.Integer(allow_none=True)
    kind = fields.String()
    name = fields.String()
    sectors = fields.List(fields.String())
    description = fields.String()
    status = fields.String()


class MemberView(MemberDirectoryEntry):
    """A member as the answer to a change: everything but the confidential parts."""

    account_id = fields.Integer()
    share_pence = fields.Integer()
    share_issued_at = fields.AwareDateTime(allow_none=True)
    seeking_work_since = fields.AwareDateTime(allow_none=True)
    applied_at = fields.AwareDateTime()
    history = fields.List(fields.Nested(StatusChange))


class MemberRecord(MemberView):
    """The full record, read on purpose by the member or a coordinator (whose look is logged)."""

    how_they_came = fields.String()


class MemberQuery(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    kind = fields.String(validate=validate.OneOf(MEMBER_KINDS))


class RecordAccess(Schema):
    accessed_by = fields.Integer()
    accessed_by_name = fields.String(attribute="accessor.display_name")
    accessed_at = fields.AwareDateTime()
    purpose = fields.String()


class RecordMonth(Schema):
    """One month of a member's record: money in pence, jobs as counts."""

    month = fields.Date(metadata={"description": "The first day of the month."})
    sales_pence = fields.Integer(metadata={"description": "Paid marketplace sales (gross), before refunds."})
    refunds_pence = fields.Integer()
    earnings_pence = fields.Integer(metadata={
        "description": "What the member keeps: sales after commission and contract work after fees, less refunds."})
    paid_out_pence = fields.Integer()
    work_allocated_pence = fields.Integer()
    work_done_pence = fields.Integer()
    placements_started = fields.Integer()
    sustained_13_weeks = fields.Integer()
    sustained_26_weeks = fields.Integer()
    placements_ended = fields.Integer()


class Jwks(Schema):
    keys = fields.List(fields.Dict())


# -- governance -------------------------------------------------------------------------------------------

class ProposalCreate(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    text = fields.String(required=True, validate=validate.Length(min=1, max=10000))
    options = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                          load_default=lambda: list(DEFAULT_OPTIONS), validate=validate.Length(min=2, max=10),
                          metadata={"description": "'abstain' counts towards the quorum only; "
                                                   "a winning 'against' rejects the proposal."})
    kind = fields.String(load_default="ordinary", validate=validate.OneOf(KINDS),
                         metadata={"description": "ordinary: more than half; special: at least 75%."})
    closes_at = fields.AwareDateTime(required=True, metadata={"description": "Must be in the future."})
    quorum_fraction = fields.Float(validate=validate.Range(min=0, max=1),
                                   metadata={"description": "Of active members at close; default: settings."})
    quorum_minimum = fields.Integer(validate=validate.Range(min=0, max=100000),
                                    metadata={"description": "Votes needed at least; default: settings."})
    subject_type = fields.String(validate=validate.Length(min=1, max=50), allow_none=True)
    subject_id = fields.String(validate=validate.Length(min=1, max=64), allow_none=True)

    @validates("options")
    def distinct(self, options, **_kwargs):
        if len({option.strip() for option in options}) != len(options):
            raise ValidationError("The options must all be different.")


class ProposalQuery(Schema):
    status = fields.String(validate=validate.OneOf(("open", "closed")))


class ProposalResult(Schema):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    votes_cast = fields.Integer()
    quorum = fields.Integer(metadata={"description": "Votes that had to be cast."})
    active_members = fields.Integer(metadata={"description": "Active members when the proposal closed."})
    outcome = fields.String(validate=validate.OneOf(OUTCOMES))
    winning_option = fields.String(allow_none=True)


class Proposal(Schema):
    id = fields.Integer()
    title = fields.String()
    text = fields.String()
    options = fields.List(fields.String())
    kind = fields.String()
    quorum_fraction = fields.Float()
    quorum_minimum = fields.Integer()
    opened_by = fields.Integer(allow_none=True, metadata={
        "description": "Null: opened by the co-op's rules (a contract to approve)."})
    opened_at = fields.AwareDateTime()
    closes_at = fields.AwareDateTime()
    status = fields.String()
    closed_at = fields.AwareDateTime(allow_none=True)
    subject_type = fields.String(allow_none=True)
    subject_id = fields.String(allow_none=True)
    votes_cast = fields.Integer(metadata={"description": "How many have voted so far (not how)."})
    result = fields.Nested(ProposalResult, allow_none=True,
                           metadata={"description": "Hidden (null) until the proposal closes."})


class VoteCast(Schema):
    option = fields.String(required=True, validate=validate.Length(min=1, max=100))
    on_behalf_of = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(min=1, max=MAX_ID),
                                  metadata={"description": "Id of a member who appointed you as proxy."})


class VoteReceipt(Schema):
    proposal_id = fields.Integer()
    member_id = fields.Integer(metadata={"description": "The member the vote was cast for."})
    receipt = fields.String(metadata={"description": "Shown only now: keep it to check your ballot later."})


class ProxyAppoint(Schema):
    proxy_member_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID),
                                     metadata={"description": "The member who will vote for you."})
    id = fields.Integer(dump_only=True)
    proposal_id = fields.Integer(dump_only=True)
    member_id = fields.Integer(dump_only=True, metadata={"description": "The member who appointed them."})
    appointed_at = fields.AwareDateTime(dump_only=True)


class Participant(Schema):
    member_number = fields.Integer()
    name = fields.String()


class BallotCheckRequest(Schema):
    receipt = fields.String(required=True, validate=validate.Length(min=1, max=200))


class BallotCheck(Schema):
    proposal_id = fields.Integer()
    option = fields.String()
