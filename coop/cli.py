"""The ``coop`` command: run the back office, one service's web or worker process, and operator tasks."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import click
from alembic.util import CommandError

from coop import web
from coop.services import SERVICES, app_module
from shared import bus, migrations
from shared.auth import ROLES
from shared.bus import is_amqp
from shared.consumer import list_dead_letters
from shared.errors import DomainError
from shared.logs import configure_logging
from shared.settings import Settings, read_settings
from shared.worker import run_worker

service_argument = click.argument("service", type=click.Choice(SERVICES))


@click.group()
def main():
    """Run and operate the co-op back office."""
    configure_logging(Settings.from_env().log_json)


@main.command()
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option("--demo/--no-demo", default=True, show_default=True, help="Load the demo co-op on first run.")
def run(bind, demo):
    """Run everything in one process: the embedded default (SQLite, in-memory broker)."""
    settings = Settings.from_env()
    # One process owns every database here, so it brings each up to the newest schema itself.
    for service in SERVICES:
        click.echo(_migrate(settings, service))
    if demo:
        from services.members.demo import load_demo_data

        click.echo(load_demo_data(settings))
    url = f"http://{bind}"
    click.echo(startup_banner(url, settings))

    def load():
        from coop.embedded import Backoffice

        return Backoffice(settings).start(demo=demo)

    web.serve_backoffice(load, bind)


def startup_banner(url: str, settings: Settings) -> str:
    """Say where the co-op's site is, where each part of it starts, the API documents and the mail folder."""
    from services import MENU

    lines = ["", f"The co-op's site is at {url}/ (sign in from its header; demo password in README.md)"]
    lines += [f"  {link.label}: {url}{link.path}" for link in MENU]
    lines += ["API documents: " + ", ".join(f"{url}/{service}/docs" for service in SERVICES),
              f"Email sent is also written to {settings.data_dir / 'mail'}", ""]
    return "\n".join(lines)


@main.command()
@service_argument
@click.option("--bind", default="0.0.0.0:8000", show_default=True)
@click.option("--workers", default=2, show_default=True, help="Processes: about one per core.")
@click.option("--threads", default=4, show_default=True, help="Threads in each process.")
def serve(service, bind, workers, threads):
    """Serve one service's HTTP API under gunicorn (its worker runs separately)."""
    settings = Settings.from_env()
    # Once, before the workers start: a new database is migrated, one at another revision refused.
    _prepared_runtime(service, settings).db.dispose()
    web.serve_service(app_module(service).create_app, bind, workers, threads, settings.metrics_dir)


@main.command()
@service_argument
@click.option("--bind", default="0.0.0.0:9100", show_default=True,
              help="Where the worker answers /healthz, /readyz and /metrics.")
def worker(service, bind):
    """Run one service's consumer, outbox relay and periodic jobs until SIGTERM."""
    host, _, port = bind.rpartition(":")
    runtime = _prepared_runtime(service, Settings.from_env())
    raise SystemExit(run_worker(runtime, host.strip("[]") or "0.0.0.0", int(port)))


def _prepared_runtime(service: str, settings: Settings):
    runtime = app_module(service).build_runtime(settings)
    try:
        runtime.prepare_schema()
    except migrations.SchemaNotCurrent as error:
        runtime.db.dispose()
        raise click.ClickException(str(error)) from error
    return runtime


@main.group("dead-letters")
def dead_letters():
    """List and replay the messages a service could not handle."""


@dead_letters.command("list")
@service_argument
@click.option("--all", "include_replayed", is_flag=True, help="Include messages already replayed.")
def list_command(service, include_replayed):
    """List a service's dead letters, oldest first."""
    runtime = _prepared_runtime(service, Settings.from_env())
    letters = list_dead_letters(runtime.db, include_replayed)
    for letter in letters:
        click.echo(json.dumps({
            "id": letter.id, "event_id": letter.event_id, "event_type": letter.event_type,
            "reason": letter.reason, "error": letter.error, "attempts": letter.attempts,
            "parked_at": letter.parked_at.isoformat(),
            "replayed_at": letter.replayed_at.isoformat() if letter.replayed_at else None,
        }))
    click.echo(f"{len(letters)} dead letter(s) in {service}", err=True)


@dead_letters.command("replay")
@service_argument
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "replay_all", is_flag=True, help="Replay every dead letter not yet replayed.")
def replay_command(service, ids, replay_all):
    """Apply dead letters again (after a fix), through the service's handler and inbox."""
    runtime = _prepared_runtime(service, Settings.from_env())
    if replay_all:
        ids = [letter.id for letter in list_dead_letters(runtime.db)]
    if not ids:
        raise click.UsageError("name dead letter ids, or --all")
    failed = 0
    for letter_id in ids:
        try:
            outcome = runtime.processor.replay(letter_id)
            click.echo(f"{letter_id}: {outcome.value}")
        except Exception as error:  # noqa: BLE001 - report each failure and go on with the rest
            failed += 1
            click.echo(f"{letter_id}: failed: {type(error).__name__}: {error}")
    if is_amqp(runtime.settings.broker_url):
        # Events the handlers published go out now rather than when the worker next polls. On the
        # in-memory broker only the running back office can publish them: its relay polls the outbox.
        runtime.relay.flush()
    if failed:
        raise SystemExit(1)


@main.group()
def record():
    """The member's record: a projection of the other services' events."""


@record.command("rebuild")
def rebuild_record():
    """Empty the member's record and make it again from the events kept in the services' outboxes.

    It reads the marketplace's, contracts' and brokering's databases (their COOP_*_DATABASE_URL), and
    writes the members database in one transaction: the record is never seen half made.
    """
    from services.members import member_record
    from services.members.handlers import RECORD_SUBSCRIPTIONS
    from shared.db import Database

    settings = Settings.from_env()
    runtime = _prepared_runtime("members", settings)
    sources = [Database(settings.database_url(service)) for service in ("marketplace", "contracts", "brokering")]
    try:
        events = member_record.events_from_outboxes(sources, list(RECORD_SUBSCRIPTIONS))
        with runtime.db.transaction() as session:
            applied = member_record.rebuild(session, events, RECORD_SUBSCRIPTIONS)
    finally:
        for source in sources:
            source.dispose()
        runtime.db.dispose()
    click.echo(f"the member's record was made again from {applied} events")


@main.group()
def reconcile():
    """Compare the books with what outside parties hold."""


@reconcile.command("payments")
def reconcile_payments():
    """Compare the payment provider's ledger with the marketplace's payments and refunds (nightly).

    Prints every difference (a capture with no payment, a refund over a seller's share, totals per
    order that disagree, an attempt left pending) and exits 1 if there is any.
    """
    import datetime as dt

    from services.marketplace.reconciliation import reconcile as compare

    runtime = _prepared_runtime("marketplace", Settings.from_env())
    given = runtime.collaborators
    try:
        with runtime.db.reader() as session:
            found = compare(session, given.provider,
                            dt.timedelta(seconds=given.settings.payment_attempt_timeout_seconds))
    finally:
        runtime.db.dispose()
    for difference in found:
        click.echo(difference)
    click.echo(f"{len(found)} difference(s) between the provider's ledger and the marketplace's books")
    raise SystemExit(1 if found else 0)


@main.group()
def images():
    """Look after the images members uploaded to their listings."""


@images.command("strip-metadata")
def images_strip_metadata():
    """Rewrite the stored listing images that still carry metadata (EXIF, GPS, XMP, comments), once.

    Uploads are stripped as they arrive; this is for the images stored before they were. Running it
    again rewrites nothing. An image that cannot be read is named and left as it is (exit status 1).
    """
    from services.marketplace.adapters.image_store import strip_stored
    from services.marketplace.settings import MarketplaceSettings

    settings = Settings.from_env()
    found = strip_stored(settings.data_dir / "uploads", read_settings(MarketplaceSettings).max_image_pixels)
    for name, why in found.refused.items():
        click.echo(f"left {name} as it is: {why}")
    click.echo(f"{found.rewritten} image(s) rewritten without their metadata, {found.clean} already clean, "
               f"{len(found.refused)} left as they were")
    raise SystemExit(1 if found.refused else 0)


@main.command("create-account")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES),
              help="Repeat for several roles.")
@click.password_option()
def create_account(email, display_name, roles, password):
    """Create an account with any roles: the first administrator, coordinators."""
    from services.members import accounts

    runtime = _prepared_runtime("members", Settings.from_env())
    try:
        with runtime.db.transaction() as session:
            account = accounts.create_account(session, email, password, display_name, list(roles))
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"account {account.id} created for {account.email} with roles {', '.join(account.roles)}")


@main.command("reset-password")
@click.option("--email", required=True)
@click.password_option()
def reset_password(email, password):
    """Set a new password for an account and lift any sign-in lockout."""
    from services.members import accounts

    runtime = _prepared_runtime("members", Settings.from_env())
    try:
        with runtime.db.transaction() as session:
            account = accounts.reset_password(session, email, password)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"new password set for {account.email}")


@main.command()
@service_argument
@click.argument("revision", default="head")
@click.option("--down", is_flag=True, help="Go down to REVISION instead (base: no tables at all).")
def migrate(service, revision, down):
    """Bring a service's database up to the newest schema (or to REVISION)."""
    click.echo(_migrate(Settings.from_env(), service, revision, down))


def _migrate(settings: Settings, service: str, revision: str = "head", down: bool = False) -> str:
    runtime = app_module(service).build_runtime(settings)
    try:
        before = migrations.current_of(runtime.db, runtime.history)
        if down:
            migrations.downgrade(runtime.db, runtime.history, revision)
        else:
            migrations.upgrade(runtime.db, runtime.history, revision)
        after = migrations.current_of(runtime.db, runtime.history)
    except (migrations.SchemaNotCurrent, CommandError) as error:
        raise click.ClickException(str(error)) from error
    finally:
        runtime.db.dispose()
    said = f"{service} database: revision {before or '(empty)'} -> {after or '(empty)'}"
    if is_amqp(settings.broker_url) and not down:
        said += "\n" + _declare_queue(runtime)
    return said


def _declare_queue(runtime) -> str:
    # An event goes only to the queues bound when it is published: the queue is made here, before any
    # process of any service starts (compose starts none until every migration is done), so that no
    # service misses what another says in its first minutes.
    event_types = list(runtime.processor.subscriptions)
    with bus.connect(runtime.settings) as connection:
        bus.declare_topology(connection.default_channel, runtime.settings, runtime.name, event_types)
    return f"{runtime.name} queue: {runtime.settings.queue_name(runtime.name)}, bound to {len(event_types)} event types"


@main.command("make-migration")
@service_argument
@click.option("-m", "--message", required=True, help="What the migration changes, in a few words.")
def make_migration(service, message):
    """Write a service's next migration from how its models differ from the newest one (for developers)."""
    with tempfile.TemporaryDirectory(prefix="coop-migration-") as scratch:
        settings = Settings(data_dir=Path(scratch), database_urls={}, log_json=False)
        runtime = app_module(service).build_runtime(settings)
        path = migrations.new_revision(runtime.db, service, message)
        runtime.db.dispose()
    click.echo(f"wrote {path}; read it, and test it with the migration tests")

