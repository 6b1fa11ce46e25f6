"""The four services by name, for the command line and the embedded runner."""

from __future__ import annotations

import importlib

from shared.settings import SERVICES


def app_module(service: str):
    """Return a service's app module (it has build_runtime and create_app)."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; choose one of {', '.join(SERVICES)}")
    return importlib.import_module(f"services.{service}.app")
