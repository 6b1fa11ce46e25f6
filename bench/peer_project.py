"""The project's own pipeline on PostgreSQL + RabbitMQ, its consumer in processes of its own.

A coordinator's ``POST /members/<id>/admit`` through the members app's Flask test client in the bench's
process commits ``member.admitted`` to the members outbox (PostgreSQL); the members relay in that
process is handed the rows by the commit and publishes them with confirms (its account events go to a
queue bound for them that nobody reads, as the notifications service's would take them); ``coop worker
marketplace`` (one or two processes, competing consumers on the one quorum queue
``<prefix>marketplace.events``) writes its inbox row and the seller row and commits. The clock starts at
the admit's commit (the members session's ``after_commit`` in the request's thread) and stops when the
seller row's commit is heard.
"""

from __future__ import annotations

import sys
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import event, func, select

from bench import common, effects
from bench.processes import Process


class ProjectPeer(common.SetUpOrCleanUp):
    """Members app in process (admits, relay), ``coop worker marketplace`` x ``workers`` as subprocesses."""

    gate_tables = ["sellers", "inbox"]

    def __init__(self, work: Path, workers: int, applicants: int):
        self.name = f"project ({workers} consumer process{'es' if workers > 1 else ''})"
        self.workers, self.applicants = workers, applicants
        self.tag = f"bench_{uuid.uuid4().hex[:10]}"
        self.work = work / self.tag
        self.databases: list[str] = []
        self.processes: list[Process] = []
        self.next_id = 1
        self.members = None

    def _set_up(self) -> None:
        from bench.event_latency import _applicants
        from services.marketplace.app import build_runtime as marketplace_runtime
        from services.members.app import create_app
        from shared import bus
        from shared.auth import Principal

        urls = {}
        for service in ("members", "marketplace"):
            self.databases.append(f"{self.tag}_{service}")
            urls[service] = common.create_database(f"{self.tag}_{service}")
        self.settings = common.bench_settings(self.work, broker_url=common.AMQP, exchange=f"{self.tag}.events",
                                              queue_prefix=f"{self.tag}.", database_urls=urls)
        market = marketplace_runtime(self.settings)
        market.prepare_schema()
        with bus.connect(self.settings) as connection:
            bus.declare_topology(connection.default_channel, self.settings, "marketplace",
                                 list(market.processor.subscriptions))
            # The admission's account events go where the notifications service's queue would take them; left
            # unroutable, they would be published again and again with their backoff, as no deployment does.
            self._others_queue(connection.default_channel).declare()
        market.db.dispose()
        self.dsn = effects.plain_dsn(urls["marketplace"])
        effects.notify_on_insert(self.dsn, "sellers", "member_id")
        app = create_app(self.settings, start_relay=False)
        self.members = app.extensions["coop_runtime"]
        _applicants(self.members.db, self.applicants)
        self.client = app.test_client()
        token = common.tokens(self.settings, [Principal(1, ("coordinator",))])[0]
        self.headers = {"Authorization": f"Bearer {token}"}
        self._committed = threading.local()
        event.listen(self.members.db.sessionmaker, "after_commit", self._stamp)
        self.members.start_relay()
        env = {"COOP_DATA_DIR": str(self.settings.data_dir), "COOP_BROKER_URL": common.AMQP,
               "COOP_EXCHANGE": self.settings.exchange, "COOP_QUEUE_PREFIX": self.settings.queue_prefix,
               "COOP_MARKETPLACE_DATABASE_URL": urls["marketplace"], "COOP_LOG_JSON": "false",
               "COOP_JWT_PRIVATE_KEY_FILE": str(self.settings.private_key_path)}
        for index in range(self.workers):
            port = common.free_port()
            process = Process([sys.executable, "-m", "coop", "worker", "marketplace", "--bind", f"127.0.0.1:{port}"],
                              env, self.work / f"worker-{index}.log")
            process.port = port
            self.processes.append(process)
        for process in self.processes:
            _wait_ready(process)

    def _stamp(self, _session) -> None:
        self._committed.at = time.perf_counter()

    def keys(self, count: int) -> list[str]:
        if self.next_id + count - 1 > self.applicants:
            raise RuntimeError(f"{self.name}: only {self.applicants} applicants seeded")
        first, self.next_id = self.next_id, self.next_id + count
        return [str(member_id) for member_id in range(first, first + count)]

    def send(self, key: str) -> float:
        """Admit the applicant; return when the admission committed."""
        response = self.client.post(f"/members/{key}/admit", json={}, headers=self.headers)
        if response.status_code != 200:
            raise RuntimeError(f"admit answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
        return self._committed.at

    def backlog(self, keys: list[str]) -> None:
        """Admit them all, and wait until the relay has published every one.

        Only ``member.admitted`` is waited for: the admission's account events go to a queue nobody reads
        (``_others_queue``), as they would to the notifications service's.
        """
        from shared.db import OutboxMessage

        for key in keys:
            self.send(key)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with self.members.db.sessionmaker() as session:
                if not session.scalar(select(func.count()).select_from(OutboxMessage)
                                      .where(OutboxMessage.sent_at.is_(None),
                                             OutboxMessage.event_type == "member.admitted")):
                    return
            time.sleep(0.01)
        raise RuntimeError(f"{self.name}: the outbox was not drained in 120 s")

    def _others_queue(self, channel):
        from kombu import Exchange, Queue

        return Queue(f"{self.settings.queue_prefix}others", Exchange(self.settings.exchange, type="topic"),
                     routing_key="account.#", durable=True, auto_delete=False)(channel)

    def rss_pids(self) -> list[int]:
        return [process.pid for process in self.processes]

    def __exit__(self, *_exc) -> None:
        for process in self.processes:
            process.stop()
        if self.members is not None:
            self.members.stop()
        from bench.event_latency import _cleanup
        from shared import bus

        try:
            with bus.connect(self.settings) as connection:
                self._others_queue(connection.default_channel).delete()
            _cleanup(self.settings)
        except Exception as error:  # noqa: BLE001 - say so, and go on cleaning
            common.note(f"{self.name}: could not delete its queues: {error}")
        for name in self.databases:
            try:
                common.drop_database(name)
            except Exception as error:  # noqa: BLE001
                common.note(f"could not drop database {name}: {error}")


def _wait_ready(process: Process, timeout: float = 60) -> None:
    common.wait_until_ok(process.port, "/readyz", process.check, timeout,
                         lambda: f"coop worker not ready in {timeout}s:\n{process.log_tail()}")
