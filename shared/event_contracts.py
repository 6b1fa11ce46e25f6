"""Consumer-driven contract checks: does every producer's example satisfy every consumer's schema?"""

from __future__ import annotations

from marshmallow import ValidationError

from shared.consumer import Subscription
from shared.events import EventCatalog


def contract_problems(
    catalogs: list[EventCatalog], subscriptions: dict[str, dict[str, Subscription]]
) -> list[str]:
    """Return what is broken between producers and consumers (an empty list when all is well)."""
    problems = []
    specs = {}
    for catalog in catalogs:
        for event_type, spec in catalog.specs.items():
            if event_type in specs:
                problems.append(f"{event_type} is published by both {specs[event_type][0]} and {catalog.source}")
            specs[event_type] = (catalog.source, spec)
            try:
                spec.schema().load(spec.example)
            except ValidationError as error:
                problems.append(f"{catalog.source}'s own example of {event_type} is invalid: {error.messages}")
    for consumer, table in subscriptions.items():
        for event_type, subscription in table.items():
            if event_type not in specs:
                problems.append(f"{consumer} listens to {event_type}, which no service publishes")
                continue
            producer, spec = specs[event_type]
            try:
                subscription.schema().load(spec.example)
            except ValidationError as error:
                problems.append(f"{consumer} cannot read {producer}'s {event_type}: {error.messages}")
    return problems

