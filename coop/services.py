"""The services of the back office: the one list the command line, the embedded run, the gateway and the
compose file are checked against (tests/coop/unit/test_service_registry.py).

Adding a service: its folder under ``services/`` (the layout in docs/design.md) and its name here.
"""

from __future__ import annotations

import importlib

from shared import migrations, settings

SERVICES = ("members", "contracts", "marketplace", "brokering", "notifications")


def app_module(service: str):
    """Return a service's app module (it has build_runtime, create_app and MIGRATIONS)."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; choose one of {', '.join(SERVICES)}")
    return importlib.import_module(f"services.{service}.app")


def history(service: str) -> migrations.History:
    """Return a service's migration history (its name and the folder of its scripts)."""
    return migrations.History(service, app_module(service).MIGRATIONS)


def environment_variables() -> list[str]:
    """Return every environment variable the back office reads: the shared ones and each service's own."""
    found = set(settings.environment_variables(SERVICES))
    for service in SERVICES:
        own = getattr(app_module(service), "SERVICE_SETTINGS", None)
        if own is not None:
            found.update(settings.variables_of(own))
    return sorted(found)
