"""The contracts service."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from services.contracts.api import BLUEPRINTS
from services.contracts.handlers import SUBSCRIPTIONS
from services.contracts.models import Base
from services.contracts.negotiation import expire_lapsed_offers_job
from services.contracts.pages import desk_blp
from shared.service import ServiceRuntime, create_service_app
from shared.settings import Settings

NAME = "contracts"
# Its schema's history (shared.migrations): the scripts beside this file.
MIGRATIONS = Path(__file__).with_name("migrations")


def build_runtime(settings: Settings) -> ServiceRuntime:
    """Assemble the contracts service's database, relay, consumer and the job that lapses old offers."""
    return ServiceRuntime(NAME, settings, Base.metadata, SUBSCRIPTIONS, MIGRATIONS,
                          periodic_jobs=[expire_lapsed_offers_job])


def create_app(settings: Settings | None = None, runtime: ServiceRuntime | None = None,
               start_relay: bool = True) -> Flask:
    """Build the contracts web application (``gunicorn 'services.contracts.app:create_app()'``)."""
    runtime = runtime or build_runtime(settings or Settings.from_env())
    app = create_service_app(
        runtime, "Co-op contracts", BLUEPRINTS,
        description="Buyers, contracts negotiated on members' behalf, approval, allocation, invoices.",
        start_relay=start_relay,
    )
    app.register_blueprint(desk_blp)  # the coordinators' pages, outside the API document
    return app
