"""The notifications service's own settings: where mail goes, whom it is from, and the site's address."""

from __future__ import annotations

from dataclasses import dataclass

from shared.settings import setting


@dataclass(frozen=True)
class NotificationsSettings:
    """How the co-op sends its mail, each field read from its COOP_* environment variable."""

    # smtp://user:password@host:587?starttls=1 (STARTTLS) or smtps://...:465; unset: every email is a .eml file
    # under <data dir>/mail/ instead.
    smtp_url: str | None = setting(None, "COOP_SMTP_URL", read=str)
    mail_from: str = setting("Co-op back office <noreply@coop.example>", "COOP_MAIL_FROM")
    # Where the links in an email point: the gateway's address as people reach it.
    site_url: str = setting("http://127.0.0.1:8000", "COOP_SITE_URL")
