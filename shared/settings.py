"""Settings for every service, read from environment variables.

This is the only module that reads ``os.environ``; tests build ``Settings`` directly.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path

# COOP_<SERVICE>_DATABASE_URL gives one service its database (each service's name, upper case).
DATABASE_URL_VARIABLE = re.compile(r"COOP_([A-Z][A-Z0-9]*)_DATABASE_URL")


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything a service needs to know about its surroundings."""

    data_dir: Path = Path("data")
    broker_url: str = "memory://"
    exchange: str = "coop.events"
    # Queue names are "<queue_prefix><service>.events"; tests use a unique prefix.
    queue_prefix: str = ""
    database_urls: dict[str, str] = dataclasses.field(default_factory=dict)
    jwt_private_key_file: Path | None = None
    jwt_public_key_file: Path | None = None
    jwks_url: str | None = None
    jwt_issuer: str = "coop"
    jwt_audience: str = "coop"
    # Access tokens are checked by signature alone, so they are kept short; a refresh token renews them.
    access_token_minutes: int = 5
    refresh_token_days: int = 14
    # A refresh token presented again this soon after its rotation is refused without ending the sign-in
    # (two tabs refreshing at once); later, its reuse means it was stolen, and the whole sign-in ends.
    refresh_reuse_grace_seconds: int = 10
    login_max_failures: int = 5
    # Failed password checks from one client address (any emails) before it too must wait out the window.
    login_max_failures_per_address: int = 30
    login_window_minutes: int = 15
    commission_rate_percent: int = 10
    # Per-category rates, e.g. "catering=5,cards=12" (percent); other categories use the default.
    commission_by_category: dict[str, int] = dataclasses.field(default_factory=dict)
    order_pay_minutes: int = 30
    # A payment or refund still pending after this long was cut off (longer than any request lives): the
    # marketplace worker asks the provider what became of it and records that.
    payment_attempt_timeout_seconds: int = 120
    # Event delivery: retries in the consumer before a message is parked as a dead letter.
    handler_max_attempts: int = 5
    handler_backoff_seconds: float = 0.2
    # RabbitMQ redeliveries (worker crashes included) before the broker dead-letters a message.
    delivery_limit: int = 10
    relay_poll_seconds: float = 1.0
    confirm_timeout_seconds: float = 5.0
    memory_polling_interval: float = 0.01
    scheduler_seconds: float = 5.0
    quorum_fraction: float = 0.1
    quorum_minimum: int = 3
    # How long members have to vote on a contract that needs their approval.
    contract_approval_days: int = 7
    # The ballot box writes ballots in shuffled batches of at least this many (all at the close).
    ballot_batch_size: int = 10
    # How long a disclosure shared with an employer is kept after the application is decided.
    disclosure_keep_days: int = 183
    # The UK National Minimum Wage from April 2026, in pence an hour: no vacancy may pay less than its band's.
    minimum_wage_21_plus_pence: int = 1271
    minimum_wage_18_to_20_pence: int = 1085
    minimum_wage_under_18_pence: int = 800
    minimum_wage_apprentice_pence: int = 800
    # Contracts worth more than this (in pence) need the members' vote before they are signed.
    contract_approval_threshold_pence: int = 500_000
    # The co-op's fee on the work members do under contract, taken from each member's share.
    contract_fee_percent: int = 10
    # Whether the co-op itself is VAT-registered: its invoices to buyers then add VAT.
    coop_vat_registered: bool = False
    # How many proxies in front of the service to trust for X-Forwarded-* headers (1 behind the gateway).
    proxy_hops: int = 0
    # The most pixels an uploaded listing image may decode to (a small file can hold a huge image).
    max_image_pixels: int = 25_000_000
    # Where the processes of one service pool their metrics (prometheus_client's multiprocess mode).
    metrics_dir: Path | None = None
    log_json: bool = True

    def database_url(self, service: str) -> str:
        """Return the database URL of one service (SQLite under data_dir by default)."""
        if service in self.database_urls:
            return self.database_urls[service]
        return f"sqlite:///{(self.data_dir / f'{service}.db').resolve()}"

    def queue_name(self, service: str) -> str:
        """Return the name of the queue a service consumes from."""
        return f"{self.queue_prefix}{service}.events"

    @property
    def dead_letter_exchange(self) -> str:
        return f"{self.exchange}.dead"

    @property
    def private_key_path(self) -> Path:
        return self.jwt_private_key_file or self.data_dir / "jwt-private.pem"

    def replace(self, **changes) -> Settings:
        """Return a copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from COOP_* environment variables, with the embedded defaults."""
        env = os.environ if environ is None else environ
        values = {}
        for name, (variable, read) in VARIABLES.items():
            text = env.get(variable)
            if text not in (None, ""):
                values[name] = read(text)
        values["database_urls"] = {found.group(1).lower(): url for variable, url in env.items()
                                   if url and (found := DATABASE_URL_VARIABLE.fullmatch(variable))}
        return cls(**values)


def setting(default, variable: str, read: Callable[[str], object] | None = None):
    """Declare one field of a service's own settings dataclass: its default and the variable that sets it.

    ``read`` turns the variable's text into the value (by default the field's type: ``int``, ``float``,
    ``str``, ``bool`` as a flag, ``Path``).
    """
    return dataclasses.field(default=default, metadata={"variable": variable, "read": read})


def read_settings(cls, environ: Mapping[str, str] | None = None):
    """Build a service's settings dataclass (fields made with ``setting``) from the environment."""
    env = os.environ if environ is None else environ
    values = {}
    for field in dataclasses.fields(cls):
        text = env.get(field.metadata["variable"])
        if text not in (None, ""):
            read = field.metadata["read"] or _READERS.get(field.type, _READERS.get(type(field.default)))
            values[field.name] = read(text)
    return cls(**values)


def variables_of(cls) -> list[str]:
    """Return the environment variables a settings dataclass made with ``setting`` reads."""
    return sorted(field.metadata["variable"] for field in dataclasses.fields(cls))


def database_url_variable(service: str) -> str:
    """Return the name of the environment variable holding one service's database URL."""
    return f"COOP_{service.upper()}_DATABASE_URL"


def environment_variables(services: tuple[str, ...] = ()) -> list[str]:
    """Return the name of every environment variable these settings read, for the services named."""
    return sorted([variable for variable, _read in VARIABLES.values()]
                  + [database_url_variable(service) for service in services])


def _flag(text: str) -> bool:
    return text.lower() not in ("0", "false", "no")


def _rates(text: str) -> dict[str, int]:
    pairs = (item.split("=", 1) for item in text.split(",") if item.strip())
    return {name.strip(): int(rate) for name, rate in pairs}


def flag(text: str) -> bool:
    """Read a yes/no variable: anything but 0, false or no is yes."""
    return _flag(text)


def rates(text: str) -> dict[str, int]:
    """Read ``name=number,name=number`` (for example per-category rates in percent)."""
    return _rates(text)


_READERS: dict = {int: int, float: float, str: str, bool: _flag, Path: Path,
                  "int": int, "float": float, "str": str, "bool": _flag, "Path": Path}

# The settings an environment variable can change: field -> (variable, how to read its text).
VARIABLES: dict[str, tuple[str, Callable[[str], object]]] = {
    "data_dir": ("COOP_DATA_DIR", Path),
    "broker_url": ("COOP_BROKER_URL", str),
    "exchange": ("COOP_EXCHANGE", str),
    "queue_prefix": ("COOP_QUEUE_PREFIX", str),
    "jwt_private_key_file": ("COOP_JWT_PRIVATE_KEY_FILE", Path),
    "jwt_public_key_file": ("COOP_JWT_PUBLIC_KEY_FILE", Path),
    "jwks_url": ("COOP_JWKS_URL", str),
    "access_token_minutes": ("COOP_ACCESS_TOKEN_MINUTES", int),
    "refresh_token_days": ("COOP_REFRESH_TOKEN_DAYS", int),
    "refresh_reuse_grace_seconds": ("COOP_REFRESH_REUSE_GRACE_SECONDS", int),
    "login_max_failures": ("COOP_LOGIN_MAX_FAILURES", int),
    "login_max_failures_per_address": ("COOP_LOGIN_MAX_FAILURES_PER_ADDRESS", int),
    "login_window_minutes": ("COOP_LOGIN_WINDOW_MINUTES", int),
    "commission_rate_percent": ("COOP_COMMISSION_RATE_PERCENT", int),
    "commission_by_category": ("COOP_COMMISSION_BY_CATEGORY", _rates),
    "order_pay_minutes": ("COOP_ORDER_PAY_MINUTES", int),
    "payment_attempt_timeout_seconds": ("COOP_PAYMENT_ATTEMPT_TIMEOUT_SECONDS", int),
    "handler_max_attempts": ("COOP_HANDLER_MAX_ATTEMPTS", int),
    "handler_backoff_seconds": ("COOP_HANDLER_BACKOFF_SECONDS", float),
    "delivery_limit": ("COOP_DELIVERY_LIMIT", int),
    "relay_poll_seconds": ("COOP_RELAY_POLL_SECONDS", float),
    "confirm_timeout_seconds": ("COOP_CONFIRM_TIMEOUT_SECONDS", float),
    "scheduler_seconds": ("COOP_SCHEDULER_SECONDS", float),
    "quorum_fraction": ("COOP_QUORUM_FRACTION", float),
    "quorum_minimum": ("COOP_QUORUM_MINIMUM", int),
    "contract_approval_days": ("COOP_CONTRACT_APPROVAL_DAYS", int),
    "ballot_batch_size": ("COOP_BALLOT_BATCH_SIZE", int),
    "disclosure_keep_days": ("COOP_DISCLOSURE_KEEP_DAYS", int),
    "minimum_wage_21_plus_pence": ("COOP_MINIMUM_WAGE_21_PLUS_PENCE", int),
    "minimum_wage_18_to_20_pence": ("COOP_MINIMUM_WAGE_18_TO_20_PENCE", int),
    "minimum_wage_under_18_pence": ("COOP_MINIMUM_WAGE_UNDER_18_PENCE", int),
    "minimum_wage_apprentice_pence": ("COOP_MINIMUM_WAGE_APPRENTICE_PENCE", int),
    "contract_approval_threshold_pence": ("COOP_CONTRACT_APPROVAL_THRESHOLD_PENCE", int),
    "contract_fee_percent": ("COOP_CONTRACT_FEE_PERCENT", int),
    "coop_vat_registered": ("COOP_VAT_REGISTERED", _flag),
    "proxy_hops": ("COOP_PROXY_HOPS", int),
    "max_image_pixels": ("COOP_MAX_IMAGE_PIXELS", int),
    "metrics_dir": ("PROMETHEUS_MULTIPROC_DIR", Path),
    "log_json": ("COOP_LOG_JSON", _flag),
}
