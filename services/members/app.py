"""The members service's wiring: its settings, collaborators, runtime and web application."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

from flask import Flask

from services import SITE
from services.members.adapters.ballot_inlet import BallotInlet
from services.members.ballot_box import fill_ballot_box_job
from services.members.handlers import subscriptions
from services.members.link_tokens import LinkSigner
from services.members.models import Base
from services.members.proposals import close_due_proposals_job, remind_closing_proposals_job
from services.members.refresh_tokens import forget_spent_job
from services.members.settings import MembersSettings
from services.members.web import api, pages
from shared.auth import TokenIssuer, load_or_create_private_key
from shared.service import ServiceRuntime, create_service_app
from shared.settings import Settings, read_settings

NAME = "members"
# Its schema's history (shared.migrations): the scripts beside this file.
MIGRATIONS = Path(__file__).with_name("migrations")
SERVICE_SETTINGS = MembersSettings


@dataclasses.dataclass(frozen=True)
class Collaborators:
    """What the members service's use cases are given (the doors reach it with shared.service.collaborators)."""

    settings: MembersSettings
    # The ballot box's inlet: a durable queue on RabbitMQ, or files under the data folder when embedded.
    ballot_inlet: BallotInlet
    # Where the token-signing key is, and whose tokens it signs (read when first needed: only the web
    # process signs, and a worker may not see the key at all).
    private_key_path: Path
    jwt_issuer: str
    jwt_audience: str

    @functools.cached_property
    def token_issuer(self) -> TokenIssuer:
        """What signs access tokens: the key, made on first use if there is none."""
        return TokenIssuer(load_or_create_private_key(self.private_key_path), self.jwt_issuer, self.jwt_audience,
                           self.settings.access_token_minutes)

    @functools.cached_property
    def link_signer(self) -> LinkSigner:
        """What signs the links sent by email (verify an address, reset a password): the same key."""
        return LinkSigner(self.token_issuer.private_key, self.jwt_issuer, self.jwt_audience)

def build_runtime(settings: Settings, members_settings: MembersSettings | None = None) -> ServiceRuntime:
    """Assemble the members service's database, relay, consumer and periodic jobs.

    Its own settings are read from the environment unless given (tests give their own).
    """
    own = members_settings or read_settings(MembersSettings)
    collaborators = Collaborators(own, BallotInlet(settings), settings.private_key_path, settings.jwt_issuer,
                                  settings.jwt_audience)
    return ServiceRuntime(NAME, settings, Base.metadata, subscriptions(own), MIGRATIONS,
                          periodic_jobs=[close_due_proposals_job, remind_closing_proposals_job, fill_ballot_box_job,
                                         forget_spent_job],
                          collaborators=collaborators)

def create_app(settings: Settings | None = None, runtime: ServiceRuntime | None = None,
               start_relay: bool = True) -> Flask:
    """Build the members web application (``gunicorn 'services.members.app:create_app()'``)."""
    runtime = runtime or build_runtime(settings or Settings.from_env())
    app = create_service_app(
        runtime, "Co-op members", api.BLUEPRINTS,
        description="Accounts, membership (one member, one vote) and governance of the co-op.",
        start_relay=start_relay, site=SITE,
    )
    for blueprint in pages.BLUEPRINTS:  # outside the API document: the impact report, the session pages
        app.register_blueprint(blueprint)
    runtime.collaborators.token_issuer  # noqa: B018 - the signing key, read (or made) now, not at a first request
    return app
