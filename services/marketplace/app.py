"""The marketplace's wiring: its settings, collaborators, database, jobs and the two doors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from services import SITE
from services.marketplace.adapters.card_processor import PaymentProvider, TestModeProvider
from services.marketplace.adapters.image_store import ImageStore
from services.marketplace.adapters.ledger_store import SqlLedger
from services.marketplace.handlers import SUBSCRIPTIONS
from services.marketplace.models import Base
from services.marketplace.orders import expire_unpaid_job
from services.marketplace.payments import settle_interrupted_job
from services.marketplace.settings import MarketplaceSettings
from services.marketplace.web import api, pages
from shared.service import ServiceRuntime, create_service_app
from shared.settings import Settings, read_settings

NAME = "marketplace"
# Its schema's history (shared.migrations): the scripts beside this file.
MIGRATIONS = Path(__file__).with_name("migrations")
SERVICE_SETTINGS = MarketplaceSettings


@dataclass
class Collaborators:
    """What the marketplace's use cases are given (the doors reach it with ``shared.service.collaborators()``)."""

    settings: MarketplaceSettings
    # The card processor. The built-in one behaves like a processor's test mode; a real one plugs in here.
    provider: PaymentProvider
    # Where uploaded listing images are kept.
    images: ImageStore


def build_runtime(settings: Settings, marketplace_settings: MarketplaceSettings | None = None) -> ServiceRuntime:
    """Assemble the marketplace's database, relay, consumer, periodic jobs (unpaid orders, interrupted payments)
    and collaborators (its own settings, the payment provider, the image store)."""
    collaborators = Collaborators(
        settings=marketplace_settings or read_settings(MarketplaceSettings),
        # The test-mode provider's ledger is in the database, outside the request's transaction, so that
        # every worker process sees it.
        provider=TestModeProvider(SqlLedger(settings.database_url(NAME))),
        images=ImageStore(settings.data_dir / "uploads"),
    )
    return ServiceRuntime(NAME, settings, Base.metadata, SUBSCRIPTIONS, MIGRATIONS,
                          periodic_jobs=[expire_unpaid_job, settle_interrupted_job], collaborators=collaborators)


def create_app(settings: Settings | None = None, runtime: ServiceRuntime | None = None,
               start_relay: bool = True) -> Flask:
    """Build the marketplace web application (``gunicorn 'services.marketplace.app:create_app()'``)."""
    runtime = runtime or build_runtime(settings or Settings.from_env())
    app = create_service_app(
        runtime, "Co-op marketplace", api.BLUEPRINTS,
        description="Member listings, the catalogue, orders, commission and payouts.",
        start_relay=start_relay, site=SITE,
    )
    for blueprint in pages.BLUEPRINTS:  # server-rendered pages for people, outside the API document
        app.register_blueprint(blueprint)
    return app
