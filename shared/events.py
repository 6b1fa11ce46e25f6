"""The event envelope, and the catalogue of event schemas a producer owns."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import uuid
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from shared.correlation import current_correlation_id, new_id


class EnvelopeSchema(Schema):
    """The JSON object every event travels in."""

    class Meta:
        unknown = EXCLUDE

    id = fields.UUID(required=True)
    type = fields.String(required=True, validate=[validate.Length(max=100), validate.Regexp(r"^[a-z_]+\.[a-z_]+$")])
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True, default_timezone=dt.UTC)
    source = fields.String(required=True, validate=validate.Length(min=1, max=50))
    correlation_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    causation_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    data = fields.Dict(required=True)


# Made once: building a marshmallow schema costs more than loading with it.
_ENVELOPE_SCHEMA = EnvelopeSchema()


@dataclasses.dataclass(frozen=True)
class Envelope:
    """One event: what happened (type, data), when, where, and what caused it."""

    id: str
    type: str
    version: int
    occurred_at: dt.datetime
    source: str
    data: dict[str, Any]
    correlation_id: str | None = None
    causation_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the envelope as JSON-ready data."""
        return {
            "id": self.id,
            "type": self.type,
            "version": self.version,
            "occurred_at": self.occurred_at.isoformat(),
            "source": self.source,
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "data": self.data,
        }

    @classmethod
    def from_dict(cls, raw: Any) -> Envelope:
        """Read an envelope from received JSON; raise ValidationError if it is not one."""
        if not isinstance(raw, dict):
            raise ValidationError("an event must be a JSON object")
        loaded = _ENVELOPE_SCHEMA.load(raw)
        return cls(
            id=str(loaded["id"]),
            type=loaded["type"],
            version=loaded["version"],
            occurred_at=loaded["occurred_at"],
            source=loaded["source"],
            data=loaded["data"],
            correlation_id=loaded["correlation_id"],
            causation_id=loaded["causation_id"],
        )

    def with_data(self, data: dict[str, Any]) -> Envelope:
        return dataclasses.replace(self, data=data)


@dataclasses.dataclass(frozen=True)
class EventSpec:
    """What a producer promises about one event type: its version, schema and an example (as JSON)."""

    type: str
    schema: type[Schema]
    example: dict[str, Any]
    version: int = 1

    @functools.cached_property
    def made_schema(self) -> Schema:
        """The schema, made once (an instance is reused for every event of this type)."""
        return self.schema()


class EventCatalog:
    """The events one service publishes. Data is validated against the schema on publish."""

    def __init__(self, source: str, specs: list[EventSpec]):
        self.source = source
        self.specs = {spec.type: spec for spec in specs}

    def build(self, event_type: str, data: dict[str, Any], causation: Envelope | None = None) -> Envelope:
        """Validate data against the event's schema and wrap it in an envelope."""
        spec = self.specs.get(event_type)
        if spec is None:
            raise KeyError(f"{self.source} does not publish {event_type!r}")
        schema = spec.made_schema
        # Dumping turns Python values into JSON ones (dates to ISO strings); loading that back checks
        # it against the schema (required fields, types), as a consumer would read it.
        normalised = schema.dump(data)
        schema.load(normalised)
        correlation_id = current_correlation_id()
        if correlation_id is None and causation is not None:
            correlation_id = causation.correlation_id
        return Envelope(
            id=str(uuid.uuid4()),
            type=event_type,
            version=spec.version,
            occurred_at=dt.datetime.now(dt.UTC),
            source=self.source,
            data=normalised,
            correlation_id=correlation_id or new_id(),
            causation_id=causation.id if causation else None,
        )


class TolerantSchema(Schema):
    """Base for consumers' schemas: read only the fields used, ignore the rest."""

    class Meta:
        unknown = EXCLUDE
