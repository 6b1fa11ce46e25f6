"""Request and response schemas of the governance API: proposals, votes, proxies and results."""

from marshmallow import Schema, ValidationError, fields, validate, validates

from services.members.voting import DEFAULT_OPTIONS, KINDS, OUTCOMES
from shared.http import MAX_ID


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
