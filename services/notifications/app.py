"""The notifications service's wiring: its schema, settings, collaborators, events and two doors."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from services import SITE
from services.notifications.digest import send_weekly_digests
from services.notifications.handlers import subscriptions
from services.notifications.models import Base
from services.notifications.sender import send_again, send_due_emails
from services.notifications.settings import NotificationsSettings
from services.notifications.web import api, pages
from shared import mail
from shared.db import utcnow
from shared.service import ServiceRuntime, create_service_app
from shared.settings import Settings, read_settings

NAME = "notifications"
# Its schema's history (shared.migrations): the scripts beside this file.
MIGRATIONS = Path(__file__).with_name("migrations")
SERVICE_SETTINGS = NotificationsSettings


@dataclasses.dataclass(frozen=True)
class Collaborators:
    """What the notifications use cases are given: the service's own settings, the mailer and the clock."""

    settings: NotificationsSettings
    mailer: object  # shared.mail's SmtpMailer or FileMailbox: anything with send(email, message_id)
    clock: Callable[[], dt.datetime] = utcnow


def build_runtime(settings: Settings,
                  notifications_settings: NotificationsSettings | None = None) -> ServiceRuntime:
    """Assemble the notifications service's database, relay, consumer and the job that sends email; its
    own settings are read from the environment unless given. With no COOP_SMTP_URL every email is a
    file under ``<data dir>/mail/``."""
    own = notifications_settings or read_settings(NotificationsSettings)
    mailer = mail.mailer_from_url(own.smtp_url, settings.data_dir / "mail", own.mail_from)
    given = Collaborators(settings=own, mailer=mailer)
    return ServiceRuntime(NAME, settings, Base.metadata, subscriptions(own), MIGRATIONS,
                          periodic_jobs=[send_weekly_digests, send_due_emails], collaborators=given,
                          replays={"email.parked": send_again})


def create_app(settings: Settings | None = None, runtime: ServiceRuntime | None = None,
               start_relay: bool = True) -> Flask:
    """Build the notifications web application (``gunicorn 'services.notifications.app:create_app()'``)."""
    runtime = runtime or build_runtime(settings or Settings.from_env())
    app = create_service_app(
        runtime, "Co-op notifications", api.BLUEPRINTS,
        description="Each person's notices: what the co-op has told her, read and unread.",
        start_relay=start_relay, site=SITE,
    )
    for blueprint in pages.BLUEPRINTS:  # pages for people, outside the API document
        app.register_blueprint(blueprint)
    return app
