"""Prometheus metrics of every service: HTTP latency and statuses, events, and what waits.

Counters and histograms are kept by prometheus_client. Under ``coop serve`` several gunicorn workers
serve one service, so the CLI turns on prometheus_client's multiprocess mode (a folder of files every
worker writes to) before this module first imports the library; hence the import inside ``_build``.
They are made once per process, when a service's app is created or its worker started (``make_metrics``).
The outbox backlog and the dead letters waiting are read from the database when scraped, so every
process of a service reports the same, true number.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from pathlib import Path

from sqlalchemy import func, select

from shared.db import Database, DeadLetter, OutboxMessage

# prometheus_client's own variable (Settings.metrics_dir reads it): set before the library is imported,
# it turns on multiprocess mode.
MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclasses.dataclass(frozen=True)
class Metrics:
    http_requests: object
    http_latency: object
    events_published: object
    events_consumed: object
    events_retried: object
    events_dead_lettered: object


_made: Metrics | None = None
_made_once = threading.Lock()


def make_metrics() -> Metrics:
    """Create the process's metrics, once: when a service's app is created or its worker started.

    That is before any thread that counts starts, and after ``coop serve`` has chosen multiprocess mode.
    Made lazily, on the first request, two threads of a new worker registered the same names at once
    (prometheus_client's "Duplicated timeseries" on every first start).
    """
    global _made
    with _made_once:
        if _made is None:
            _made = _build()
        return _made


def metrics() -> Metrics:
    """Return the process's metrics (made by ``make_metrics``; made now, under its lock, if not yet)."""
    return _made if _made is not None else make_metrics()


def _build() -> Metrics:
    from prometheus_client import Counter, Histogram

    return Metrics(
        http_requests=Counter("coop_http_requests", "HTTP requests answered, by route and status.",
                              ["service", "method", "route", "status"]),
        http_latency=Histogram("coop_http_request_duration_seconds", "Time to answer an HTTP request.",
                               ["service", "method", "route"], buckets=LATENCY_BUCKETS),
        events_published=Counter("coop_events_published", "Events the outbox relay published, confirmed.",
                                 ["service", "event_type"]),
        events_consumed=Counter("coop_events_consumed", "Events received: handled, or skipped as duplicates.",
                                ["service", "event_type", "outcome"]),
        events_retried=Counter("coop_events_retried", "Handler failures that were tried again.",
                               ["service", "event_type"]),
        events_dead_lettered=Counter("coop_events_dead_lettered", "Messages parked in the dead-letter store.",
                                     ["service", "reason"]),
    )


def use_multiprocess_directory(directory: Path) -> None:
    """Have every process started from here on share one folder of metrics (before first use).

    Files left by an earlier run are removed: their counts belong to processes that are gone.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROCESS_VARIABLE] = str(directory)
    # Imported now, while nothing else is: forget_process runs in gunicorn's SIGCHLD handler, and an
    # import begun there, interrupting another, fails half-way.
    import prometheus_client.multiprocess  # noqa: F401


def forget_process(pid: int) -> None:
    """Tell the multiprocess collector a worker process has exited (gunicorn's child_exit hook)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid)


def exposition(service: str, db: Database, multiprocess_directory: Path | None) -> tuple[bytes, str]:
    """Return the service's metrics in the Prometheus text format, and its content type."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client.core import GaugeMetricFamily

    if multiprocess_directory is not None:
        from prometheus_client import multiprocess

        source = CollectorRegistry()
        multiprocess.MultiProcessCollector(source)
    else:
        source = REGISTRY
    metrics()  # so that a service that has answered nothing yet still lists its metrics

    class ThisService:
        """Only this service's samples (in the embedded run, all four share a process), and what waits."""

        def collect(self):
            for family in source.collect():
                family.samples = [sample for sample in family.samples
                                  if sample.labels.get("service", service) == service]
                yield family
            backlog, parked = waiting(db)
            yield _gauge(GaugeMetricFamily, "coop_outbox_backlog", "Events written but not yet published.",
                         service, backlog)
            yield _gauge(GaugeMetricFamily, "coop_dead_letters_waiting", "Dead letters not yet replayed.",
                         service, parked)

    registry = CollectorRegistry(auto_describe=False)
    registry.register(ThisService())
    return generate_latest(registry), CONTENT_TYPE_LATEST


def waiting(db: Database) -> tuple[int, int]:
    """Return how many events wait in the outbox and how many dead letters wait for an operator."""
    with db.sessionmaker() as session:
        backlog = session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.sent_at.is_(None)))
        parked = session.scalar(select(func.count()).select_from(DeadLetter)
                                .where(DeadLetter.replayed_at.is_(None)))
    return backlog, parked


def _gauge(family_class, name: str, documentation: str, service: str, value: int):
    family = family_class(name, documentation, labels=["service"])
    family.add_metric([service], value)
    return family
