"""The contracts service's wiring: its schema, settings, collaborators, events and two doors."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from services import SITE
from services.contracts.contracts import expire_lapsed_offers_job, warn_of_lapsing_offers_job
from services.contracts.handlers import SUBSCRIPTIONS
from services.contracts.models import Base
from services.contracts.settings import ContractsSettings
from services.contracts.web import api, pages
from shared.db import utcnow
from shared.service import ServiceRuntime, create_service_app
from shared.settings import Settings, read_settings

NAME = "contracts"
# Its schema's history (shared.migrations): the scripts beside this file.
MIGRATIONS = Path(__file__).with_name("migrations")
SERVICE_SETTINGS = ContractsSettings


@dataclasses.dataclass(frozen=True)
class Collaborators:
    """What the contracts use cases are given: the service's own settings and the clock."""

    settings: ContractsSettings
    clock: Callable[[], dt.datetime] = utcnow


def build_runtime(settings: Settings, contracts_settings: ContractsSettings | None = None) -> ServiceRuntime:
    """Assemble the contracts service's database, relay, consumer and the jobs that lapse old offers and warn of
    offers about to lapse; its
    own settings are read from the environment unless given."""
    given = Collaborators(settings=contracts_settings or read_settings(ContractsSettings))
    return ServiceRuntime(NAME, settings, Base.metadata, SUBSCRIPTIONS, MIGRATIONS,
                          periodic_jobs=[expire_lapsed_offers_job, warn_of_lapsing_offers_job], collaborators=given)


def create_app(settings: Settings | None = None, runtime: ServiceRuntime | None = None,
               start_relay: bool = True) -> Flask:
    """Build the contracts web application (``gunicorn 'services.contracts.app:create_app()'``)."""
    runtime = runtime or build_runtime(settings or Settings.from_env())
    app = create_service_app(
        runtime, "Co-op contracts", api.BLUEPRINTS,
        description="Buyers, contracts negotiated on members' behalf, approval, allocation, invoices.",
        start_relay=start_relay, site=SITE,
    )
    for blueprint in pages.BLUEPRINTS:  # the coordinators' pages, outside the API document
        app.register_blueprint(blueprint)
    return app
