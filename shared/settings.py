"""Settings for every service, read from environment variables.

This is the only module that reads ``os.environ``; tests build ``Settings`` directly.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

SERVICES = ("members", "contracts", "marketplace", "brokering")


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
    jwt_issuer: str = "coop-members"
    jwt_audience: str = "coop"
    access_token_minutes: int = 60
    login_max_failures: int = 5
    login_window_minutes: int = 15
    commission_rate_percent: int = 10
    # Per-category rates, e.g. "catering=5,cards=12" (percent); other categories use the default.
    commission_by_category: dict[str, int] = dataclasses.field(default_factory=dict)
    order_pay_minutes: int = 30
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
    # How long a disclosure shared with an employer is kept after the application is decided.
    disclosure_keep_days: int = 183
    # Contracts worth more than this (in pence) need the members' vote before they are signed.
    contract_approval_threshold_pence: int = 500_000
    # The co-op's fee on the work members do under contract, taken from each member's share.
    contract_fee_percent: int = 10
    # Whether the co-op itself is VAT-registered: its invoices to buyers then add VAT.
    coop_vat_registered: bool = False
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
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build settings from COOP_* environment variables, with the embedded defaults."""
        env = os.environ if environ is None else environ
        defaults = cls()

        def get(name, convert=str, default=None):
            value = env.get(f"COOP_{name}")
            return default if value in (None, "") else convert(value)

        def path(value):
            return Path(value)

        def _flag(value):
            return value.lower() not in ("0", "false", "no")

        def _rates(value):
            pairs = (item.split("=", 1) for item in value.split(",") if item.strip())
            return {name.strip(): int(rate) for name, rate in pairs}

        database_urls = {
            service: env[f"COOP_{service.upper()}_DATABASE_URL"]
            for service in SERVICES
            if env.get(f"COOP_{service.upper()}_DATABASE_URL")
        }
        return cls(
            data_dir=get("DATA_DIR", path, defaults.data_dir),
            broker_url=get("BROKER_URL", str, defaults.broker_url),
            exchange=get("EXCHANGE", str, defaults.exchange),
            queue_prefix=get("QUEUE_PREFIX", str, defaults.queue_prefix),
            database_urls=database_urls,
            jwt_private_key_file=get("JWT_PRIVATE_KEY_FILE", path),
            jwt_public_key_file=get("JWT_PUBLIC_KEY_FILE", path),
            jwks_url=get("JWKS_URL"),
            access_token_minutes=get("ACCESS_TOKEN_MINUTES", int, defaults.access_token_minutes),
            login_max_failures=get("LOGIN_MAX_FAILURES", int, defaults.login_max_failures),
            login_window_minutes=get("LOGIN_WINDOW_MINUTES", int, defaults.login_window_minutes),
            commission_rate_percent=get("COMMISSION_RATE_PERCENT", int, defaults.commission_rate_percent),
            commission_by_category=get("COMMISSION_BY_CATEGORY", _rates, {}),
            order_pay_minutes=get("ORDER_PAY_MINUTES", int, defaults.order_pay_minutes),
            handler_max_attempts=get("HANDLER_MAX_ATTEMPTS", int, defaults.handler_max_attempts),
            handler_backoff_seconds=get("HANDLER_BACKOFF_SECONDS", float, defaults.handler_backoff_seconds),
            delivery_limit=get("DELIVERY_LIMIT", int, defaults.delivery_limit),
            relay_poll_seconds=get("RELAY_POLL_SECONDS", float, defaults.relay_poll_seconds),
            confirm_timeout_seconds=get("CONFIRM_TIMEOUT_SECONDS", float, defaults.confirm_timeout_seconds),
            scheduler_seconds=get("SCHEDULER_SECONDS", float, defaults.scheduler_seconds),
            quorum_fraction=get("QUORUM_FRACTION", float, defaults.quorum_fraction),
            quorum_minimum=get("QUORUM_MINIMUM", int, defaults.quorum_minimum),
            contract_approval_days=get("CONTRACT_APPROVAL_DAYS", int, defaults.contract_approval_days),
            disclosure_keep_days=get("DISCLOSURE_KEEP_DAYS", int, defaults.disclosure_keep_days),
            contract_approval_threshold_pence=get("CONTRACT_APPROVAL_THRESHOLD_PENCE", int,
                                                  defaults.contract_approval_threshold_pence),
            contract_fee_percent=get("CONTRACT_FEE_PERCENT", int, defaults.contract_fee_percent),
            coop_vat_registered=get("VAT_REGISTERED", _flag, defaults.coop_vat_registered),
            log_json=get("LOG_JSON", _flag, defaults.log_json),
        )
