"""The members service's own settings: sign-in limits and lifetimes, and governance (quorum, ballots).

Each is read from its COOP_* environment variable by ``shared.settings.read_settings``; tests build
``MembersSettings(...)`` directly and pass it to ``app.build_runtime``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from shared.settings import setting


@dataclass(frozen=True)
class MembersSettings:
    """What the members service's use cases are told: how signing in and voting go."""

    # The default quorum of a proposal: this fraction of the active members, and never fewer than the minimum.
    quorum_fraction: float = setting(0.1, "COOP_QUORUM_FRACTION")
    quorum_minimum: int = setting(3, "COOP_QUORUM_MINIMUM")
    # How long members have to vote on a contract that needs their approval.
    contract_approval_days: int = setting(7, "COOP_CONTRACT_APPROVAL_DAYS")
    # The ballot box writes ballots in shuffled batches of at least this many (all at the close).
    ballot_batch_size: int = setting(10, "COOP_BALLOT_BATCH_SIZE")
    # Those who have not voted are reminded once, this many hours before a proposal closes (a proposal
    # opened for no longer than this gets its opening notice only).
    proposal_reminder_hours: int = setting(48, "COOP_PROPOSAL_REMINDER_HOURS")
    login_max_failures: int = setting(5, "COOP_LOGIN_MAX_FAILURES")
    # Failed password checks from one client address (any emails) before it too must wait out the window.
    login_max_failures_per_address: int = setting(30, "COOP_LOGIN_MAX_FAILURES_PER_ADDRESS")
    login_window_minutes: int = setting(15, "COOP_LOGIN_WINDOW_MINUTES")
    # Access tokens are checked by signature alone, so they are kept short; a refresh token renews them.
    access_token_minutes: int = setting(5, "COOP_ACCESS_TOKEN_MINUTES")
    refresh_token_days: int = setting(14, "COOP_REFRESH_TOKEN_DAYS")
    # A refresh token presented again this soon after its rotation is refused without ending the sign-in
    # (two tabs refreshing at once); later, its reuse means it was stolen, and the whole sign-in ends.
    refresh_reuse_grace_seconds: int = setting(10, "COOP_REFRESH_REUSE_GRACE_SECONDS")
    # A link to verify an email address works this long; a password-reset link this long, and once.
    email_verification_hours: int = setting(48, "COOP_EMAIL_VERIFICATION_HOURS")
    password_reset_minutes: int = setting(60, "COOP_PASSWORD_RESET_MINUTES")
    # Password-reset requests for one email, and from one client address, in one window (then 429).
    password_reset_max_per_email: int = setting(3, "COOP_PASSWORD_RESET_MAX_PER_EMAIL")
    password_reset_max_per_address: int = setting(20, "COOP_PASSWORD_RESET_MAX_PER_ADDRESS")
    password_reset_window_minutes: int = setting(60, "COOP_PASSWORD_RESET_WINDOW_MINUTES")

    @property
    def proposal_reminder_window(self) -> dt.timedelta:
        """How long before a proposal closes those who have not voted are reminded."""
        return dt.timedelta(hours=self.proposal_reminder_hours)
