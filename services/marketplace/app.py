"""The marketplace service."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from services.marketplace.api import BLUEPRINTS
from services.marketplace.handlers import SUBSCRIPTIONS
from services.marketplace.ledger_store import SqlLedger
from services.marketplace.models import Base
from services.marketplace.orders import expire_unpaid_job
from services.marketplace.pages import pages_blp
from services.marketplace.paying import settle_interrupted_job
from services.marketplace.payments import TestModeProvider
from shared.service import ServiceRuntime, create_service_app
from shared.settings import Settings

NAME = "marketplace"
# Its schema's history (shared.migrations): the scripts beside this file.
MIGRATIONS = Path(__file__).with_name("migrations")


def build_runtime(settings: Settings) -> ServiceRuntime:
    """Assemble the marketplace's database, relay, consumer, periodic jobs (unpaid orders, interrupted payments)
    and payment provider."""
    runtime = ServiceRuntime(NAME, settings, Base.metadata, SUBSCRIPTIONS, MIGRATIONS,
                             periodic_jobs=[expire_unpaid_job, settle_interrupted_job])
    # The built-in provider behaves like a card processor's test mode; a real one plugs in here. Its
    # ledger is in the database, outside the request's transaction, so that every worker process sees it.
    runtime.payment_provider = TestModeProvider(SqlLedger(runtime.db))
    return runtime


def create_app(settings: Settings | None = None, runtime: ServiceRuntime | None = None,
               start_relay: bool = True) -> Flask:
    """Build the marketplace web application (``gunicorn 'services.marketplace.app:create_app()'``)."""
    runtime = runtime or build_runtime(settings or Settings.from_env())
    app = create_service_app(
        runtime, "Co-op marketplace", BLUEPRINTS,
        description="Member listings, the catalogue, orders, commission and payouts.",
        start_relay=start_relay,
    )
    app.register_blueprint(pages_blp)  # server-rendered pages for people, outside the API document
    return app
