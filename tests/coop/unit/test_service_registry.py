"""Adding a service is its folder and one name in coop/services.py: everything that runs services picks
it up from that list, or one of these tests names what is missing for which service."""

import importlib
import re

import pytest

from coop.cli import main
from coop.services import SERVICES, app_module
from tests.support import compose
from tests.support.compose import ROOT

COMPOSE = compose.load()["services"]
GATEWAY = (ROOT / "deploy/nginx.conf").read_text()
SECRETS = (ROOT / "deploy/make-secrets.sh").read_text()
DATABASES = (ROOT / "deploy/postgres/create-databases.sh").read_text()


def test_every_service_folder_is_in_the_registry():
    folders = {path.parent.name for path in (ROOT / "services").glob("*/app.py")}
    assert folders == set(SERVICES), "add the service's name to SERVICES in coop/services.py"


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_declares_its_wiring_in_its_app_module(service):
    module = app_module(service)
    missing = [name for name in ("NAME", "MIGRATIONS", "SERVICE_SETTINGS", "build_runtime", "create_app")
               if not hasattr(module, name)]
    assert missing == [], f"services/{service}/app.py lacks {', '.join(missing)}"
    assert module.NAME == service
    assert (module.MIGRATIONS / "env.py").exists() or any(module.MIGRATIONS.glob("0001_*.py")), \
        f"services/{service}/migrations has no first migration"


@pytest.mark.parametrize("service", SERVICES)
def test_the_command_line_accepts_every_service(service):
    for command in ("serve", "worker", "migrate", "dead-letters"):
        group = main.get_command(None, command)
        argument = next((param for param in getattr(group, "params", []) if param.name == "service"), None)
        if argument is None:  # a group: its subcommands take the service
            argument = next(param for sub in group.commands.values() for param in sub.params
                            if param.name == "service")
        assert service in argument.type.choices, f"`coop {command}` does not accept {service}"


@pytest.mark.parametrize("service", SERVICES)
def test_compose_runs_each_service_migrated_then_web_and_worker(service):
    for part in ("migrate", "web", "worker"):
        assert f"{service}-{part}" in COMPOSE, f"docker-compose.yml has no {service}-{part} container"
    assert f"{service}-migrate" in COMPOSE[f"{service}-web"]["depends_on"]
    assert f"{service}-web" in COMPOSE["gateway"]["depends_on"], f"the gateway does not wait for {service}-web"


@pytest.mark.parametrize("service", SERVICES)
def test_the_gateway_routes_each_service_under_its_name(service):
    assert re.search(rf"upstream {service}\s+{{\s*server {service}-web:8000;", GATEWAY), \
        f"deploy/nginx.conf has no upstream for {service}-web"
    assert f"location /{service}/ {{" in GATEWAY, f"deploy/nginx.conf does not route /{service}/"


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_gets_its_own_database_and_password(service):
    assert f"{service.upper()}_DB_PASSWORD=" in SECRETS, f"deploy/make-secrets.sh makes no password for {service}"
    assert re.search(rf"for service in [a-z ]*\b{service}\b", DATABASES), \
        f"deploy/postgres/create-databases.sh makes no database for {service}"


@pytest.mark.parametrize("service", SERVICES)
def test_the_embedded_run_mounts_every_service(service):
    embedded = importlib.import_module("coop.embedded")
    assert embedded.SERVICES is SERVICES  # the Backoffice builds and mounts each one of this list
