"""The brokering service."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from services.brokering.api import BLUEPRINTS
from services.brokering.applications import delete_expired_shared_disclosures_job
from services.brokering.handlers import SUBSCRIPTIONS
from services.brokering.models import Base
from services.brokering.pages import jobs_blp
from shared.service import ServiceRuntime, create_service_app
from shared.settings import Settings

NAME = "brokering"
# Its schema's history (shared.migrations): the scripts beside this file.
MIGRATIONS = Path(__file__).with_name("migrations")


def build_runtime(settings: Settings) -> ServiceRuntime:
    """Assemble the brokering service's database, relay, consumer and the job that deletes old shared disclosures."""
    return ServiceRuntime(NAME, settings, Base.metadata, SUBSCRIPTIONS, MIGRATIONS,
                          periodic_jobs=[delete_expired_shared_disclosures_job])


def create_app(settings: Settings | None = None, runtime: ServiceRuntime | None = None,
               start_relay: bool = True) -> Flask:
    """Build the brokering web application (``gunicorn 'services.brokering.app:create_app()'``)."""
    runtime = runtime or build_runtime(settings or Settings.from_env())
    app = create_service_app(
        runtime, "Co-op job brokering", BLUEPRINTS,
        description="Job seekers, inclusive employers, vacancies, consent to disclose, placements.",
        start_relay=start_relay,
    )
    app.register_blueprint(jobs_blp)  # pages for people, outside the API document
    return app
