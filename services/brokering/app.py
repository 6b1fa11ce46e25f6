"""The brokering service's wiring: its schema, settings, collaborators, events and two doors."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from services import SITE
from services.brokering.applications import delete_expired_shared_disclosures_job
from services.brokering.handlers import SUBSCRIPTIONS
from services.brokering.models import Base
from services.brokering.placements import remind_of_due_check_ins_job
from services.brokering.settings import BrokeringSettings
from services.brokering.web import api, pages
from shared.db import utcnow
from shared.service import ServiceRuntime, create_service_app
from shared.settings import Settings, read_settings

NAME = "brokering"
# Its schema's history (shared.migrations): the scripts beside this file.
MIGRATIONS = Path(__file__).with_name("migrations")
SERVICE_SETTINGS = BrokeringSettings


@dataclasses.dataclass(frozen=True)
class Collaborators:
    """What the brokering use cases are given: the service's own settings and the clock."""

    settings: BrokeringSettings
    clock: Callable[[], dt.datetime] = utcnow


def build_runtime(settings: Settings, brokering_settings: BrokeringSettings | None = None) -> ServiceRuntime:
    """Assemble the brokering service's database, relay, consumer and the jobs that delete old shared
    disclosures and remind of check-ins fallen due; its own settings are read from the environment unless given."""
    given = Collaborators(settings=brokering_settings or read_settings(BrokeringSettings))
    return ServiceRuntime(NAME, settings, Base.metadata, SUBSCRIPTIONS, MIGRATIONS,
                          periodic_jobs=[delete_expired_shared_disclosures_job, remind_of_due_check_ins_job],
                          collaborators=given)


def create_app(settings: Settings | None = None, runtime: ServiceRuntime | None = None,
               start_relay: bool = True) -> Flask:
    """Build the brokering web application (``gunicorn 'services.brokering.app:create_app()'``)."""
    runtime = runtime or build_runtime(settings or Settings.from_env())
    app = create_service_app(
        runtime, "Co-op job brokering", api.BLUEPRINTS,
        description="Job seekers, inclusive employers, vacancies, consent to disclose, placements.",
        start_relay=start_relay, site=SITE,
    )
    for blueprint in pages.BLUEPRINTS:  # pages for people, outside the API document
        app.register_blueprint(blueprint)
    return app
