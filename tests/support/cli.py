"""Running the ``coop`` command line in a test, on the settings the test's services use."""

from __future__ import annotations

from click.testing import CliRunner, Result

from coop.cli import main


def environment(settings) -> dict[str, str]:
    """Return the COOP_* variables that make the command line use these settings."""
    env = {"COOP_DATA_DIR": str(settings.data_dir), "COOP_BROKER_URL": settings.broker_url,
           "COOP_EXCHANGE": settings.exchange, "COOP_QUEUE_PREFIX": settings.queue_prefix,
           "COOP_JWT_PRIVATE_KEY_FILE": str(settings.private_key_path), "COOP_LOG_JSON": "false"}
    env.update({f"COOP_{name.upper()}_DATABASE_URL": url for name, url in settings.database_urls.items()})
    return env


def run_coop(settings, *args: str, input: str | None = None) -> Result:
    """Run ``coop ARGS`` in-process with these settings; return click's result."""
    return CliRunner().invoke(main, list(args), env=environment(settings), input=input)
