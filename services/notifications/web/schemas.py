"""Request and response schemas of the notifications API."""

from marshmallow import Schema, fields, validate


class Notice(Schema):
    id = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True)
    subject = fields.String(dump_only=True)
    body = fields.String(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    read_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class UnreadCount(Schema):
    unread = fields.Integer(dump_only=True)


class KindPreference(Schema):
    kind = fields.String(dump_only=True)
    label = fields.String(dump_only=True)
    setting = fields.String(dump_only=True, metadata={"description": "email, site (a notice only) or digest"})
    choices = fields.List(fields.String(), dump_only=True,
                          metadata={"description": "what she may choose; none for an essential kind"})
    essential = fields.Boolean(dump_only=True, metadata={"description": "always emailed; cannot be changed"})


class Preferences(Schema):
    preferences = fields.List(fields.Nested(KindPreference), dump_only=True)


class PreferencesIn(Schema):
    settings = fields.Dict(
        keys=fields.String(),
        values=fields.String(validate=validate.OneOf(["email", "site", "digest"])),
        required=True,
        metadata={"description": "kind -> email, site or digest; kinds not named stay as they are",
                  "example": {"proposal_decided": "digest"}})
