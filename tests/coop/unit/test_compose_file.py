"""docker-compose.yml is valid Compose, and everything it names exists in the project.

No Docker engine runs here, so the file is checked against the Compose Specification's JSON schema
(the copy check-jsonschema vendors), and its commands, files and variables against the project.
tests/e2e/test_compose_topology.py then runs its processes for real.
"""

import json
import re
from importlib import resources

import jsonschema
import pytest

from coop.cli import main
from coop.services import SERVICES as SERVICES_REGISTERED
from coop.services import environment_variables
from tests.support import compose
from tests.support.compose import ROOT

DOCUMENT = compose.load()
SERVICES = DOCUMENT["services"]
OURS = {name: service for name, service in SERVICES.items() if "build" in service}
LONG_RUNNING = {name: service for name, service in SERVICES.items() if service.get("restart") != "no"}
SERVICE_NAMES = SERVICES_REGISTERED
# What deploy/make-secrets.sh writes to .env, and what an operator may set.
SECRETS = {"RABBITMQ_PASSWORD", "POSTGRES_PASSWORD", "MEMBERS_DB_PASSWORD", "CONTRACTS_DB_PASSWORD",
           "MARKETPLACE_DB_PASSWORD", "BROKERING_DB_PASSWORD", "NOTIFICATIONS_DB_PASSWORD"}
# The mail settings too: the relay, the sender and the site's address (README's table says what they are).
OPTIONAL = {"COOP_IMAGE", "GATEWAY_PORT", "JWT_PRIVATE_KEY_FILE", "COOP_SMTP_URL", "COOP_MAIL_FROM", "COOP_SITE_URL"}


def compose_schema_errors(document) -> list[str]:
    text = resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json").read_text()
    schema = json.loads(text)
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{error.json_path}: {error.message}" for error in validator.iter_errors(document)]


def test_the_compose_file_is_valid_against_the_compose_specification():
    assert compose_schema_errors(DOCUMENT) == []


def test_the_compose_file_stays_valid_once_its_variables_are_filled_in():
    filled = compose.interpolate(DOCUMENT, {name: "secret" for name in SECRETS})
    assert compose_schema_errors(filled) == []


def test_the_schema_check_would_catch_a_misspelt_key():
    broken = {**DOCUMENT, "services": {**SERVICES, "members-web": {**SERVICES["members-web"], "comand": ["x"]}}}
    assert compose_schema_errors(broken)


def test_compose_refuses_to_start_without_the_secrets():
    with pytest.raises(compose.MissingVariable, match="make-secrets"):
        compose.interpolate(DOCUMENT, {})


def test_every_variable_it_interpolates_is_a_secret_or_a_documented_option():
    assert compose.variables_named(DOCUMENT) <= SECRETS | OPTIONAL


def test_every_secret_it_needs_is_one_that_make_secrets_writes():
    script = (ROOT / "deploy/make-secrets.sh").read_text()
    assert all(f"{name}=" in script for name in SECRETS)


def test_every_coop_variable_it_sets_is_one_the_settings_read():
    known = set(environment_variables())
    for name, service in OURS.items():
        assert set(service["environment"]) <= known, name


def test_every_coop_command_it_runs_is_a_real_command_with_valid_arguments():
    for command in (service["command"] for service in OURS.values()):
        assert command[0] == "coop", command
        # Parsing the arguments the way the command line would, without running anything.
        context = main.make_context("coop", list(command[1:]), resilient_parsing=False)
        subcommand = main.get_command(context, command[1])
        assert subcommand is not None, command
        subcommand.make_context(command[1], list(command[2:]))


def test_every_file_it_mounts_or_builds_from_exists():
    assert (ROOT / DOCUMENT["x-app"]["build"] / "Dockerfile").is_file()
    for service in SERVICES.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), volume


def test_the_signing_key_it_mounts_is_made_by_make_secrets_and_kept_out_of_git():
    default = DOCUMENT["secrets"]["jwt-private-key"]["file"].split(":-")[1].rstrip("}")
    assert default == "./deploy/secrets/jwt-private.pem"
    assert default[2:] in (ROOT / "deploy/make-secrets.sh").read_text()
    assert "deploy/secrets/" in (ROOT / ".gitignore").read_text().split()


def test_our_health_checks_probe_the_port_each_process_listens_on():
    for name, service in OURS.items():
        if "healthcheck" not in service:
            continue
        probe, url = service["healthcheck"]["test"][:-1], service["healthcheck"]["test"][-1]
        assert probe == ["CMD", "python", "-m", "coop.probe"] and (ROOT / "coop/probe.py").is_file()
        bind = service["command"][service["command"].index("--bind") + 1]
        assert url.startswith(f"http://127.0.0.1:{bind.rsplit(':', 1)[1]}/"), name


def test_every_long_running_container_has_a_health_check():
    assert [name for name, service in LONG_RUNNING.items() if "healthcheck" not in service] == []


def test_each_service_has_a_migration_then_a_web_and_a_worker_process():
    for service in SERVICE_NAMES:
        assert SERVICES[f"{service}-migrate"]["command"] == ["coop", "migrate", service]
        assert SERVICES[f"{service}-migrate"]["depends_on"] == {
            "postgres": {"condition": "service_healthy"}, "rabbitmq": {"condition": "service_healthy"}}
        assert {f"{service}-web", f"{service}-worker"} <= set(SERVICES)


def test_no_web_process_or_worker_starts_before_every_migration_has_made_its_database_and_queue():
    for name, service in OURS.items():
        if name.endswith("-migrate"):
            continue
        waits_for = service["depends_on"]
        for other in SERVICE_NAMES:
            assert waits_for[f"{other}-migrate"] == {"condition": "service_completed_successfully"}, name
        assert waits_for["postgres"] == waits_for["rabbitmq"] == {"condition": "service_healthy"}


def test_each_service_reaches_only_its_own_database_with_its_own_login():
    for service in SERVICE_NAMES:
        environment = SERVICES[f"{service}-web"]["environment"]
        urls = {name: url for name, url in environment.items() if name.endswith("_DATABASE_URL")}
        assert list(urls) == [f"COOP_{service.upper()}_DATABASE_URL"]
        assert re.match(rf"postgresql\+psycopg://{service}:\$\{{[A-Z_]+:\?.*\}}@postgres:5432/{service}$",
                        urls[f"COOP_{service.upper()}_DATABASE_URL"])


def test_only_the_members_web_process_holds_the_signing_key():
    holders = [name for name, service in SERVICES.items() if "jwt-private-key" in service.get("secrets", [])]
    assert holders == ["members-web"]


def test_the_gateway_waits_for_every_web_process_and_publishes_the_one_port():
    gateway = SERVICES["gateway"]
    assert set(gateway["depends_on"]) == {f"{s}-web" for s in SERVICE_NAMES}
    assert gateway["ports"] == ["${GATEWAY_PORT:-8000}:8080"]


def test_the_postgres_container_is_given_the_password_of_every_service_login():
    # Its init script makes one login per service from these; one it is not given stops it.
    assert {f"{service.upper()}_DB_PASSWORD" for service in SERVICE_NAMES} <= set(SERVICES["postgres"]["environment"])


def test_a_trial_install_mails_to_mailpit_and_an_operator_relay_replaces_it():
    secrets = {name: "secret" for name in SECRETS}
    trial = compose.interpolate(DOCUMENT, secrets)["services"]["notifications-worker"]["environment"]
    assert trial["COOP_SMTP_URL"] == "smtp://mailpit:1025" and "mailpit" in SERVICES
    relay = "smtp://coop:pw@smtp.example.org:587?starttls=1"
    real = compose.interpolate(DOCUMENT, {**secrets, "COOP_SMTP_URL": relay})["services"]["notifications-worker"]
    assert real["environment"]["COOP_SMTP_URL"] == relay
