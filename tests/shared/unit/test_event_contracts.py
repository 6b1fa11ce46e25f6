"""Every producer's events satisfy every consumer's schema, so a breaking change fails here first."""

import importlib

from marshmallow import Schema, fields

from coop.services import SERVICES
from shared.consumer import Subscription
from shared.event_contracts import contract_problems
from shared.events import EventCatalog, EventSpec, TolerantSchema


def project_catalogs_and_subscriptions():
    catalogs = [importlib.import_module(f"services.{name}.events").CATALOG for name in SERVICES]
    subscriptions = {name: importlib.import_module(f"services.{name}.handlers").SUBSCRIPTIONS
                     for name in SERVICES}
    return catalogs, subscriptions


def test_the_services_events_satisfy_their_consumers():
    assert contract_problems(*project_catalogs_and_subscriptions()) == []


class Published(Schema):
    member_id = fields.Integer(required=True)
    name = fields.String(required=True)


class ReadsName(TolerantSchema):
    name = fields.String(required=True)


class ReadsSectors(TolerantSchema):
    sectors = fields.List(fields.String(), required=True)


def handler(session, event):
    """Do nothing: the contract is about the schema."""


PRODUCER = EventCatalog("members", [EventSpec("member.admitted", Published, {"member_id": 1, "name": "Jo"})])


def test_a_consumer_reading_only_fields_the_producer_sends_passes():
    assert contract_problems([PRODUCER], {"marketplace": {"member.admitted": Subscription(ReadsName, handler)}}) == []


def test_a_consumer_needing_a_field_the_producer_does_not_send_is_reported():
    reads_sectors = {"marketplace": {"member.admitted": Subscription(ReadsSectors, handler)}}
    assert contract_problems([PRODUCER], reads_sectors) == [
        "marketplace cannot read members's member.admitted: {'sectors': ['Missing data for required field.']}"
    ]


def test_a_consumer_of_an_event_nobody_publishes_is_reported():
    problems = contract_problems([PRODUCER], {"contracts": {"member.vanished": Subscription(ReadsName, handler)}})
    assert problems == ["contracts listens to member.vanished, which no service publishes"]


def test_a_producer_whose_own_example_breaks_its_schema_is_reported():
    broken = EventCatalog("members", [EventSpec("member.admitted", Published, {"member_id": 1})])
    assert "example of member.admitted is invalid" in contract_problems([broken], {})[0]
