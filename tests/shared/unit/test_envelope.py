"""The event envelope and the validation a producer does on publish."""

import datetime as dt

import pytest
from marshmallow import Schema, ValidationError, fields

from shared.correlation import correlation
from shared.events import Envelope, EventCatalog, EventSpec


class Admitted(Schema):
    member_id = fields.Integer(required=True)
    occurred_at = fields.AwareDateTime(required=True)


CATALOG = EventCatalog("members", [EventSpec("member.admitted", Admitted, {})])
WHEN = dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)


def test_an_event_has_every_envelope_field():
    event = CATALOG.build("member.admitted", {"member_id": 7, "occurred_at": WHEN})
    raw = event.to_dict()
    assert set(raw) == {"id", "type", "version", "occurred_at", "source", "correlation_id", "causation_id", "data"}
    assert raw["source"] == "members" and raw["version"] == 1


def test_event_data_is_serialised_to_json_values():
    event = CATALOG.build("member.admitted", {"member_id": 7, "occurred_at": WHEN})
    assert event.data == {"member_id": 7, "occurred_at": "2026-11-23T10:00:00+00:00"}


def test_an_envelope_survives_a_round_trip_through_json_data():
    event = CATALOG.build("member.admitted", {"member_id": 7, "occurred_at": WHEN})
    assert Envelope.from_dict(event.to_dict()) == event


def test_publishing_data_that_breaks_the_schema_is_refused():
    with pytest.raises(ValidationError):
        CATALOG.build("member.admitted", {"occurred_at": WHEN})


def test_publishing_an_event_type_the_service_does_not_own_is_refused():
    with pytest.raises(KeyError):
        CATALOG.build("order.paid", {})


def test_the_correlation_id_comes_from_the_work_in_hand():
    with correlation("req-1"):
        event = CATALOG.build("member.admitted", {"member_id": 7, "occurred_at": WHEN})
    assert event.correlation_id == "req-1"


def test_an_event_caused_by_another_carries_its_correlation_and_causation():
    cause = CATALOG.build("member.admitted", {"member_id": 7, "occurred_at": WHEN})
    effect = CATALOG.build("member.admitted", {"member_id": 8, "occurred_at": WHEN}, causation=cause)
    assert effect.causation_id == cause.id and effect.correlation_id == cause.correlation_id


@pytest.mark.parametrize("raw", [[], "text", {"id": "x"}, {"id": "6b0f1c2e-8f43-4a8e-9d8b-3f1f5e2a7c10"}])
def test_something_that_is_not_an_envelope_is_refused(raw):
    with pytest.raises(ValidationError):
        Envelope.from_dict(raw)
