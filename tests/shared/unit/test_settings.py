"""Settings come from COOP_* environment variables, with the embedded defaults."""

from pathlib import Path

from coop.services import environment_variables
from shared.settings import Settings


def test_the_defaults_are_the_embedded_back_office():
    settings = Settings.from_env({})
    assert settings.broker_url == "memory://"
    assert settings.database_url("members").startswith("sqlite:///")
    assert settings.database_url("members").endswith("/data/members.db")


def test_each_service_can_have_its_own_database_url():
    settings = Settings.from_env({"COOP_MARKETPLACE_DATABASE_URL": "postgresql+psycopg://db/marketplace"})
    assert settings.database_url("marketplace") == "postgresql+psycopg://db/marketplace"
    assert settings.database_url("members").startswith("sqlite:///")


def test_the_broker_and_numbers_are_read_from_the_environment():
    settings = Settings.from_env({"COOP_BROKER_URL": "amqp://rabbit//", "COOP_HANDLER_MAX_ATTEMPTS": "7",
                                  "COOP_DATA_DIR": "/srv/coop", "COOP_LOG_JSON": "false"})
    assert settings.broker_url == "amqp://rabbit//"
    assert settings.handler_max_attempts == 7
    assert settings.data_dir == Path("/srv/coop")
    assert settings.log_json is False


def test_queue_names_carry_the_prefix():
    assert Settings(queue_prefix="t1.").queue_name("members") == "t1.members.events"


def test_every_variable_the_settings_read_is_in_the_readme():
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    documented = [name for name in environment_variables() if name in readme
                  or (name.endswith("_DATABASE_URL") and f"_{name.split('_')[1]}_" in readme)]
    assert documented == environment_variables()


def test_the_gateway_and_metrics_folder_are_read_from_the_environment():
    settings = Settings.from_env({"COOP_PROXY_HOPS": "1", "PROMETHEUS_MULTIPROC_DIR": "/tmp/metrics"})
    assert settings.proxy_hops == 1 and settings.metrics_dir == Path("/tmp/metrics")
