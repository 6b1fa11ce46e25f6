"""The members service: accounts and sign-in, membership, governance."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from services.members.api import accounts_blp, members_blp
from services.members.ballot_box import fill_ballot_box_job
from services.members.governance import close_due_proposals_job
from services.members.governance_api import blp as proposals_blp
from services.members.handlers import subscriptions
from services.members.models import Base
from services.members.pages import impact_blp
from services.members.session_pages import session_blp
from services.members.sessions import forget_spent_job
from shared.auth import TokenIssuer, load_or_create_private_key
from shared.service import ServiceRuntime, create_service_app
from shared.settings import Settings

NAME = "members"
# Its schema's history (shared.migrations): the scripts beside this file.
MIGRATIONS = Path(__file__).with_name("migrations")


def build_runtime(settings: Settings) -> ServiceRuntime:
    """Assemble the members service's database, relay, consumer and periodic jobs."""
    return ServiceRuntime(NAME, settings, Base.metadata, subscriptions(settings), MIGRATIONS,
                          periodic_jobs=[close_due_proposals_job, fill_ballot_box_job, forget_spent_job])


def create_app(settings: Settings | None = None, runtime: ServiceRuntime | None = None,
               start_relay: bool = True) -> Flask:
    """Build the members web application (``gunicorn 'services.members.app:create_app()'``)."""
    runtime = runtime or build_runtime(settings or Settings.from_env())
    settings = runtime.settings
    app = create_service_app(
        runtime, "Co-op members", [accounts_blp, members_blp, proposals_blp],
        description="Accounts, membership (one member, one vote) and governance of the co-op.",
        start_relay=start_relay,
    )
    app.register_blueprint(impact_blp)  # the coordinators' impact report pages, outside the API document
    app.register_blueprint(session_blp)  # every service's sign-in form posts here; renewing, signing out
    app.extensions["coop_issuer"] = TokenIssuer(
        load_or_create_private_key(settings.private_key_path),
        settings.jwt_issuer, settings.jwt_audience, settings.access_token_minutes,
    )
    return app
