"""Request and response schemas of the notifications API."""

from marshmallow import Schema, fields


class Notice(Schema):
    id = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True)
    subject = fields.String(dump_only=True)
    body = fields.String(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    read_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class UnreadCount(Schema):
    unread = fields.Integer(dump_only=True)
