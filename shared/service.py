"""Assemble a service: its database, outbox relay and consumer, and its Flask application."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from flask import Flask, Response, current_app, g, has_request_context, request
from sqlalchemy import MetaData
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from werkzeug.middleware.proxy_fix import ProxyFix

from shared import bus, migrations
from shared.api_docs import api_docs_blp
from shared.api_document import CoopApi
from shared.auth import verifier_from_settings
from shared.consumer import MessageProcessor, Subscription
from shared.db import Database, is_transient_conflict
from shared.dead_letter_pages import dead_letter_pages_blp
from shared.event_consumer import EventConsumer
from shared.http import (
    MAX_ID,
    IdConverter,
    health_blueprint,
    install_error_handlers,
    install_request_ids,
    install_request_metrics,
    install_security_headers,
)
from shared.metrics import exposition, make_metrics
from shared.outbox import OutboxRelay
from shared.pages import Site, shared_templates_blp
from shared.settings import Settings

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 1024 * 1024
# Said once in each API document: it holds for every string of every operation (shared.http.unstorable_text).
TEXT_RULE = ("No text in a request (path, query or body) may contain a NUL character or a lone surrogate: "
             "no database can store them, and such a request is answered 400.")
# How many times a request whose transaction PostgreSQL chose as a deadlock's victim is run again.
TRANSIENT_CONFLICT_TRIES = 4


class ServiceApp(Flask):
    """A service's Flask application: a request that lost a deadlock or a serialisation race runs again.

    Its transaction was rolled back whole, so running the view again from the start is safe; anything
    it asked of the outside (the payment provider) is idempotent by key. After the last try the error
    is answered as the database being busy (503).
    """

    def dispatch_request(self):
        for attempt in range(1, TRANSIENT_CONFLICT_TRIES + 1):
            try:
                return super().dispatch_request()
            except DBAPIError as error:
                if attempt == TRANSIENT_CONFLICT_TRIES or not is_transient_conflict(error):
                    raise
                log.info("transaction lost a race; running the request again",
                         extra={"path": request.path, "attempt": attempt})
                session = g.pop("db_session", None)
                if session is not None:
                    session.close()
                time.sleep(random.uniform(0, 0.02 * attempt))
        raise AssertionError("unreachable")


class ServiceRuntime:
    """One service's connections to the outside: database, outbox relay, event consumer, jobs."""

    def __init__(
        self,
        name: str,
        settings: Settings,
        metadata: MetaData,
        subscriptions: dict[str, Subscription],
        migrations_dir: Path | None = None,
        periodic_jobs: Iterable[Callable[[ServiceRuntime], None]] = (),
        migrated: bool = True,
        collaborators: object = None,
        replays: dict[str, Callable] | None = None,
    ):
        self.name = name
        self.history = migrations.History(name, migrations_dir) if migrations_dir else None
        # What the service's use cases are given (its own settings, clock, payment provider, ...),
        # declared by the service in its app.py; the doors reach them with ``collaborators()``.
        self.collaborators = collaborators
        # A service's schema comes from its migrations; a stand-in without any (in tests) is created.
        self.migrated = migrated and self.history is not None
        self._schema_ready = False
        self.settings = settings
        self.db = Database(settings.database_url(name), metadata)
        self.relay = OutboxRelay(self.db, settings, service=name)
        self.processor = MessageProcessor(
            self.db,
            subscriptions,
            max_attempts=settings.handler_max_attempts,
            backoff_seconds=settings.handler_backoff_seconds,
            service=name,
            replays=replays,  # how `coop dead-letters replay` puts back what the service parked itself
        )
        self.periodic_jobs = list(periodic_jobs)
        self._consumer: EventConsumer | None = None
        self._scheduler: threading.Thread | None = None
        self._stop = threading.Event()

    def consumer(self) -> EventConsumer:
        """Return this process's consumer of the service's queue (created on first use)."""
        if self._consumer is None:
            self._consumer = EventConsumer(self.name, self.settings, self.processor)
        return self._consumer

    def prepare_schema(self) -> None:
        """Migrate a new database; refuse to go on with one at another revision (see shared.migrations)."""
        if self._schema_ready:
            return
        if self.migrated:
            migrations.prepare(self.db, self.history)
        else:
            self.db.create_all()
        self._schema_ready = True

    def ping_broker(self) -> None:
        """Raise if the broker cannot be reached."""
        if not bus.is_amqp(self.settings.broker_url):
            return
        with bus.connect(self.settings) as connection:
            connection.ensure_connection(max_retries=1, timeout=2)

    def run_periodic_jobs(self) -> None:
        """Run each periodic job once (for example, closing proposals whose time has passed)."""
        for job in self.periodic_jobs:
            try:
                job(self)
            except Exception:  # noqa: BLE001 - one failing job must not stop the others
                log.exception("periodic job failed", extra={"job": job.__name__})

    def _schedule(self) -> None:
        while not self._stop.wait(self.settings.scheduler_seconds):
            self.run_periodic_jobs()

    def start_relay(self) -> None:
        self.relay.start()

    def start_worker(self, relay: bool = True) -> None:
        """Start what a worker process runs: the consumer, the outbox relay and the periodic jobs.

        ``relay=False`` leaves the relay to be started later (``start_relay``), once other services'
        consumers have declared their queues: see ``coop.embedded``.
        """
        self.prepare_schema()
        make_metrics()  # before the consumer's, the relay's and the jobs' threads can count something
        self._stop.clear()
        self.consumer().start()
        if relay:
            self.relay.start()
        if self.periodic_jobs and self._scheduler is None:
            self._scheduler = threading.Thread(target=self._schedule, name=f"{self.name}-jobs", daemon=True)
            self._scheduler.start()

    def worker_health(self) -> dict[str, bool]:
        """Say whether each part of the worker is running: consumer, relay, periodic jobs."""
        parts = {"consumer": self._consumer is not None and self._consumer.is_running,
                 "relay": self.relay.is_running}
        if self.periodic_jobs:
            parts["jobs"] = self._scheduler is not None and self._scheduler.is_alive()
        return parts

    def stop(self) -> None:
        """Stop background threads (each after the work in hand) and close connections."""
        self._stop.set()
        if self._consumer is not None:
            self._consumer.stop()
        self.relay.stop()
        if self._scheduler is not None:
            self._scheduler.join(10)
            self._scheduler = None
        self.db.dispose()
        self._close_collaborators()

    def _close_collaborators(self) -> None:
        # A collaborator that holds connections of its own (a provider's ledger, say) says so with close().
        for collaborator in vars(self.collaborators).values() if self.collaborators is not None else ():
            close = getattr(collaborator, "close", None)
            if callable(close):
                close()


def create_service_app(
    runtime: ServiceRuntime, title: str, blueprints, description: str = "", start_relay: bool = True,
    sign_in_pages: str | None = None, notices_pages: str | None = None, site: Site | None = None,
) -> Flask:
    """Build the Flask app of a service: API docs, auth, errors, request ids, health and blueprints.

    ``sign_in_pages`` is where its pages send people to sign in (a service with no pages needs none);
    ``notices_pages`` is where each person's notices are, which every page header links to with her
    unread count; ``site`` (which gives both) is the one site the pages are part of: its name, front
    page and menu.

    A new database is migrated, one at another revision refused (``ServiceRuntime.prepare_schema``),
    and (unless told not to) the outbox relay starts in this process, so that events leave as soon as
    a request commits.
    """
    runtime.prepare_schema()
    # Now, before the server's threads: made on the first request, two threads registered the same
    # names at once. Not when the runtime is built: ``coop serve`` builds one before it turns on the
    # metrics' multiprocess mode, which must come before prometheus_client is first imported.
    make_metrics()
    app = ServiceApp(runtime.name)
    app.config.update(
        API_TITLE=title,
        API_VERSION="1.0",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={"info": {"description": f"{description}\n\n{TEXT_RULE}".strip()}},
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        # Where the service's pages send people to sign in, renew their session and sign out.
        COOP_SIGN_IN_PAGES=site.sign_in_pages if site else sign_in_pages,
        COOP_NOTICES_PAGES=site.notices_pages if site else notices_pages,
        COOP_SITE=site,
    )
    app.url_map.converters["int"] = IdConverter
    api = CoopApi(app)
    api.register_converter(IdConverter, lambda _converter: {"type": "integer", "minimum": 0, "maximum": MAX_ID})
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    app.extensions["coop_api"] = api
    app.extensions["coop_runtime"] = runtime
    app.extensions["coop_verifier"] = verifier_from_settings(runtime.settings)
    install_request_ids(app)
    install_request_metrics(app, runtime.name)
    install_error_handlers(app)
    install_security_headers(app)
    app.add_url_rule("/metrics", "metrics", lambda: metrics_response(runtime))
    if runtime.settings.proxy_hops:
        # Behind the gateway: take the client's address, scheme, host and path prefix from its headers.
        # Each proxy adds to X-Forwarded-For; the gateway sets the others afresh, as one value each.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=runtime.settings.proxy_hops, x_proto=1, x_host=1, x_prefix=1)
    api.register_blueprint(health_blueprint({"database": runtime.db.ping, "broker": runtime.ping_broker}))
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    app.register_blueprint(shared_templates_blp)  # the sign-in form and the notices link every page service uses
    app.register_blueprint(api_docs_blp)  # Swagger UI at /docs, its files served from here (shared.api_docs)
    app.register_blueprint(dead_letter_pages_blp)  # /dead-letters: the service's own, for coordinators

    @app.teardown_appcontext
    def close_session(_error):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    if start_relay:
        runtime.start_relay()
    return app


def metrics_response(service_runtime: ServiceRuntime) -> Response:
    """Answer a Prometheus scrape (not in the API document: it is for the operators' network only)."""
    body, content_type = exposition(service_runtime.name, service_runtime.db, service_runtime.settings.metrics_dir)
    return Response(body, headers={"Content-Type": content_type})


def runtime() -> ServiceRuntime:
    """Return the runtime of the service serving the current request."""
    return current_app.extensions["coop_runtime"]


def collaborators():
    """Return the declared collaborators of the service serving the current request (see its app.py)."""
    return runtime().collaborators


def db_session(writing: bool = False) -> Session:
    """Return the request's database session; the view commits, teardown closes.

    A GET or HEAD only reads, so its session does not take SQLite's write lock; a GET that writes
    something all the same (a reading of confidential data is logged) says so with ``writing=True``.
    """
    reading = has_request_context() and request.method in ("GET", "HEAD") and not writing
    if "db_session" in g and g.db_session_reading and not reading:
        if g.db_session.in_transaction():
            raise RuntimeError("ask for db_session(writing=True) before the request's first query")
        g.db_session.close()
        del g.db_session
    if "db_session" not in g:
        database = runtime().db
        g.db_session = (database.reader if reading else database.sessionmaker)()
        g.db_session_reading = reading
    return g.db_session
