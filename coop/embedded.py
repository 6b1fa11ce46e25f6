"""The embedded default: all four services, their consumers and relays, in one process, one port."""

from __future__ import annotations

import logging
import threading

from flask import Flask, jsonify
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from coop.services import SERVICES, app_module
from shared.http import install_security_headers
from shared.service import ServiceRuntime
from shared.settings import Settings

log = logging.getLogger(__name__)

CONSUMER_READY_SECONDS = 10.0
# Who answers at / (the gateway's nginx.conf says the same): the market's home page is the front page.
FRONT_PAGE_SERVICE, FRONT_PAGE_PATH = "marketplace", "/store/"


class Backoffice:
    """Every service of the co-op running in this process, mounted under /<service>."""

    def __init__(self, settings: Settings):
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.runtimes: dict[str, ServiceRuntime] = {}
        self.apps: dict[str, Flask] = {}
        # Members first: it creates the signing key the other services verify with.
        for service in SERVICES:
            module = app_module(service)
            runtime = module.build_runtime(settings)
            self.runtimes[service] = runtime
            self.apps[service] = module.create_app(settings, runtime=runtime, start_relay=False)
        self.wsgi = DispatcherMiddleware(_index_app(), {f"/{name}": app for name, app in self.apps.items()})

    def start(self, demo: bool = False) -> Backoffice:
        """Start every service's consumer, outbox relay and periodic jobs, and the demo data if asked."""
        # Listen before speaking: an event goes only to the queues bound when it is published, so every
        # consumer declares its queue before any relay sends what the outboxes already hold.
        for runtime in self.runtimes.values():
            runtime.start_worker(relay=False)
        for name, runtime in self.runtimes.items():
            if not runtime.consumer().ready.wait(CONSUMER_READY_SECONDS):
                log.warning("consumer not ready; its service may miss events sent now", extra={"service": name})
        for runtime in self.runtimes.values():
            runtime.start_relay()
        if demo:
            from services.brokering.demo import load_demo_brokering
            from services.contracts.demo import load_demo_contracts
            from services.marketplace.demo import load_demo_listings

            # Each waits for the demo members' events (admissions, a request for work) to arrive.
            for service, load in (("marketplace", load_demo_listings), ("contracts", load_demo_contracts),
                                  ("brokering", load_demo_brokering)):
                threading.Thread(target=load, args=(self.runtimes[service],), name=f"demo-{service}",
                                 daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop every service's background work, all at once (each finishes what it has in hand)."""
        stopping = [threading.Thread(target=runtime.stop, name=f"stop-{name}")
                    for name, runtime in self.runtimes.items()]
        for thread in stopping:
            thread.start()
        for thread in stopping:
            thread.join()

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "") in ("", "/"):
            # The co-op's front page is the market's home, as the gateway serves it: the marketplace
            # answers, mounted where it always is, so every link it writes is right.
            environ = {**environ, "SCRIPT_NAME": environ.get("SCRIPT_NAME", "") + f"/{FRONT_PAGE_SERVICE}",
                       "PATH_INFO": FRONT_PAGE_PATH}
            return self.apps[FRONT_PAGE_SERVICE](environ, start_response)
        return self.wsgi(environ, start_response)


def _index_app() -> Flask:
    index = Flask("coop")
    install_security_headers(index)  # what it answers itself (its index, unknown paths), as the gateway does

    @index.get("/services")
    def services():
        return jsonify({
            "name": "Co-op back office",
            "services": {
                name: {"docs": f"/{name}/docs", "openapi": f"/{name}/openapi.json",
                       "health": f"/{name}/healthz", "ready": f"/{name}/readyz"}
                for name in SERVICES
            },
        })

    return index
