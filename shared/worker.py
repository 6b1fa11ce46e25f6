"""A service's worker process: its consumer, outbox relay and periodic jobs, until SIGTERM.

Beside them it answers a little HTTP, for the container's health check and for Prometheus:
``/healthz`` (every part is running), ``/readyz`` (and the database and broker answer, and the
consumer is connected) and ``/metrics``.
"""

from __future__ import annotations

import json
import logging
import signal
import threading

from werkzeug.serving import make_server

from shared.http import run_checks
from shared.metrics import exposition
from shared.service import ServiceRuntime

log = logging.getLogger(__name__)

# How often the worker checks that its parts are still running.
WATCH_SECONDS = 2.0


class WorkerEndpoints:
    """The worker's health and metrics, served on their own port in a background thread."""

    def __init__(self, runtime: ServiceRuntime, host: str, port: int):
        self.runtime = runtime
        self.server = make_server(host, port, self.wsgi, threaded=True)
        self.port = self.server.server_port
        self._thread = threading.Thread(target=self.server.serve_forever, name="worker-endpoints", daemon=True)

    def start(self) -> WorkerEndpoints:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self._thread.join(5)

    def wsgi(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            body, content_type = exposition(self.runtime.name, self.runtime.db, self.runtime.settings.metrics_dir)
            start_response("200 OK", [("Content-Type", content_type)])
            return [body]
        if path in ("/healthz", "/readyz"):
            checks = {part: "ok" if running else "stopped" for part, running in self.runtime.worker_health().items()}
            if path == "/readyz":
                checks.update(self._dependencies())
            healthy = all(value == "ok" for value in checks.values())
            body = json.dumps({"status": "ok" if healthy else "not ok", "checks": checks}).encode()
            start_response("200 OK" if healthy else "503 Service Unavailable",
                           [("Content-Type", "application/json")])
            return [body]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found: the worker answers /healthz, /readyz and /metrics\n"]

    def _dependencies(self) -> dict[str, str]:
        connected = "ok" if self.runtime.consumer().ready.is_set() else "not connected"
        return {"consumer connected": connected,
                **run_checks({"database": self.runtime.db.ping, "broker": self.runtime.ping_broker})}


def run_worker(runtime: ServiceRuntime, host: str, port: int) -> int:
    """Run a service's worker until SIGTERM or SIGINT; return the process's exit status.

    Stopping is graceful: the consumer finishes and acknowledges the message in hand (the broker gives
    unacknowledged ones to the next consumer), and the relay sends what it can of the outbox.
    """
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    runtime.start_worker()
    endpoints = WorkerEndpoints(runtime, host, port).start()
    log.info("worker started", extra={"service": runtime.name, "health_port": endpoints.port})
    status = 0
    while not stopped.wait(WATCH_SECONDS):
        broken = [part for part, running in runtime.worker_health().items() if not running]
        if broken:
            # Threads catch their own errors, so this is a bug: exit, and let the supervisor restart us.
            log.error("worker part stopped; exiting", extra={"service": runtime.name, "parts": broken})
            status = 1
            break
    log.info("worker stopping", extra={"service": runtime.name})
    runtime.stop()
    endpoints.stop()
    log.info("worker stopped", extra={"service": runtime.name})
    return status
