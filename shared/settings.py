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
    """What every service needs to know about its surroundings: the infrastructure, not the business.

    Each service's business settings are its own (``services/<service>/settings.py``, made with
    ``setting`` and read with ``read_settings``).
    """

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
    # Event delivery: retries in the consumer before a message is parked as a dead letter.
    handler_max_attempts: int = 5
    handler_backoff_seconds: float = 0.2
    # RabbitMQ redeliveries (worker crashes included) before the broker dead-letters a message.
    delivery_limit: int = 10
    relay_poll_seconds: float = 1.0
    confirm_timeout_seconds: float = 5.0
    memory_polling_interval: float = 0.01
    scheduler_seconds: float = 5.0
    # How many proxies in front of the service to trust for X-Forwarded-* headers (1 behind the gateway).
    proxy_hops: int = 0
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


def flag(text: str) -> bool:
    """Read a yes/no variable: anything but 0, false or no is yes."""
    return text.lower() not in ("0", "false", "no")


def rates(text: str) -> dict[str, int]:
    """Read ``name=number,name=number`` (for example per-category rates in percent)."""
    pairs = (item.split("=", 1) for item in text.split(",") if item.strip())
    return {name.strip(): int(rate) for name, rate in pairs}


_READERS: dict = {int: int, float: float, str: str, bool: flag, Path: Path,
                  "int": int, "float": float, "str": str, "bool": flag, "Path": Path}

# The settings an environment variable can change: field -> (variable, how to read its text).
VARIABLES: dict[str, tuple[str, Callable[[str], object]]] = {
    "data_dir": ("COOP_DATA_DIR", Path),
    "broker_url": ("COOP_BROKER_URL", str),
    "exchange": ("COOP_EXCHANGE", str),
    "queue_prefix": ("COOP_QUEUE_PREFIX", str),
    "jwt_private_key_file": ("COOP_JWT_PRIVATE_KEY_FILE", Path),
    "jwt_public_key_file": ("COOP_JWT_PUBLIC_KEY_FILE", Path),
    "jwks_url": ("COOP_JWKS_URL", str),
    "handler_max_attempts": ("COOP_HANDLER_MAX_ATTEMPTS", int),
    "handler_backoff_seconds": ("COOP_HANDLER_BACKOFF_SECONDS", float),
    "delivery_limit": ("COOP_DELIVERY_LIMIT", int),
    "relay_poll_seconds": ("COOP_RELAY_POLL_SECONDS", float),
    "confirm_timeout_seconds": ("COOP_CONFIRM_TIMEOUT_SECONDS", float),
    "scheduler_seconds": ("COOP_SCHEDULER_SECONDS", float),
    "proxy_hops": ("COOP_PROXY_HOPS", int),
    "metrics_dir": ("PROMETHEUS_MULTIPROC_DIR", Path),
    "log_json": ("COOP_LOG_JSON", flag),
}
