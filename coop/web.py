"""Gunicorn, configured in code: the web process of one service (``coop serve``) or of all (``coop run``)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from gunicorn import glogging
from gunicorn.app.base import BaseApplication

from shared import metrics


class JsonLogs(glogging.Logger):
    """Gunicorn's own messages go through the root logger, so they are JSON lines like the rest."""

    def setup(self, cfg):
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            logger.handlers.clear()
            logger.propagate = True


class GunicornApp(BaseApplication):
    """Gunicorn with its settings given in code and the app built in each worker after the fork."""

    def __init__(self, load_app: Callable, stop_app: Callable, options: dict):
        self._load_app = load_app
        self._stop_app = stop_app
        self._options = {**options, "worker_exit": self._worker_exit}
        self._app = None
        super().__init__()

    def load_config(self):
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        self._app = self._load_app()
        return self._app

    def _worker_exit(self, _server, _worker):
        # Requests are finished by now; stop the relay (it sends what they wrote) and close the pools.
        if self._app is not None:
            self._stop_app(self._app)


def options(bind: str, workers: int, threads: int, recycle: bool = True) -> dict:
    """Return the gunicorn settings of a web process."""
    settings = {
        "bind": bind,
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        # A request taking longer than this is stuck: the worker is replaced.
        "timeout": 30,
        # On SIGTERM, requests in hand get this long to finish (docker stop waits 30 s in our compose file).
        "graceful_timeout": 20,
        "keepalive": 5,
        # The app logs each request itself, as JSON with its request id.
        "accesslog": None,
        "logger_class": JsonLogs,
    }
    if Path("/dev/shm").is_dir():
        settings["worker_tmp_dir"] = "/dev/shm"  # heartbeat files off a container's overlay disk
    if recycle:
        # Replace each worker now and then, so that a slow leak never grows for ever.
        settings.update(max_requests=5000, max_requests_jitter=500)
    return settings


def serve_service(create_app: Callable, bind: str, workers: int, threads: int,
                  metrics_dir: Path | None) -> None:
    """Serve one service under gunicorn, its workers sharing one folder of metrics."""
    made_here = metrics_dir is None
    directory = Path(tempfile.mkdtemp(prefix="coop-metrics-")) if made_here else metrics_dir
    metrics.use_multiprocess_directory(directory)
    settings = {**options(bind, workers, threads),
                "child_exit": lambda _server, worker: metrics.forget_process(worker.pid)}
    master = os.getpid()
    try:
        GunicornApp(create_app, lambda app: app.extensions["coop_runtime"].stop(), settings).run()
    finally:
        # A worker is a fork of this process, and leaves through here too when it is replaced (max_requests)
        # or stopped: only the master, when it stops, removes the folder every worker writes its metrics in.
        if made_here and os.getpid() == master:
            shutil.rmtree(directory, ignore_errors=True)


def serve_backoffice(load: Callable, bind: str) -> None:
    """Serve the embedded back office: one worker, since the in-memory broker lives inside it."""
    # Never recycled: a new worker would start with an empty in-memory broker.
    GunicornApp(load, lambda backoffice: backoffice.stop(), options(bind, workers=1, threads=8, recycle=False)).run()
