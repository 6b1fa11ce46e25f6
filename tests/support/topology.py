"""docker-compose.yml run without Docker: each of its processes started here, as it is written there.

Every container of ours becomes a local process running the container's command with the
container's environment; RabbitMQ and PostgreSQL are the machine's own servers. What has to change
to run on one host changes in one place, ``Topology.environment`` / ``Topology.command``:
- addresses: each container's port becomes a free loopback port, and a name like ``members-web:8000``
  the address of that process;
- the infrastructure: the broker URL names the local RabbitMQ (with an exchange and queues of this
  run's own), each database URL this run's own database on the local PostgreSQL, made by the same
  init script the postgres container runs;
- files: a volume or a secret becomes a folder or file under the test's tmp_path;
- Mailpit, the one image not ours besides the infrastructure, becomes mail_catcher.py (aiosmtpd) keeping
  mail in a Maildir on the same loopback port (``caught_mail`` reads it): the SMTP side is what the back office uses.
Start-up follows ``depends_on`` (completed, healthy) and the health checks are the compose file's own.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import json
import mailbox
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import make_url

from coop.services import SERVICES as SERVICE_NAMES
from shared.auth import load_or_create_private_key
from shared.settings import Settings
from tests.support import compose
from tests.support.backends import AMQP_URL, POSTGRES_URL
from tests.support.compose import ROOT
from tests.support.http import free_port
from tests.support.waiting import wait_for

INFRASTRUCTURE = ("rabbitmq", "postgres")
MAIL_CATCHER_IMAGE = "axllent/mailpit:"
CONTAINER_DATA_DIR = "/var/lib/coop"  # the image's COOP_DATA_DIR
SECRETS = {name: f"topology-{name.lower()}" for name in (
    "RABBITMQ_PASSWORD", "POSTGRES_PASSWORD", "MEMBERS_DB_PASSWORD", "CONTRACTS_DB_PASSWORD",
    "MARKETPLACE_DB_PASSWORD", "BROKERING_DB_PASSWORD", "NOTIFICATIONS_DB_PASSWORD")}


class Topology:
    """The compose file's services as local processes, started and stopped by their PIDs."""

    def __init__(self, tmp_path: Path, tag: str):
        self.root = tmp_path
        self.tag = tag
        self.document = compose.interpolate(compose.load(), SECRETS)
        self.services = self.document["services"]
        self.database_prefix = f"coop_topology_{tag}_"
        self.exchange, self.queue_prefix = f"coop.topology.{tag}", f"topology.{tag}."
        self.ports: dict[str, int] = {name: free_port() for name in self.services}
        self.processes: dict[str, subprocess.Popen] = {}
        self.key_file = tmp_path / "secrets" / "jwt-private.pem"
        # Where the processes find the broker and PostgreSQL; a fault test points these at proxies.
        self.broker_url = AMQP_URL
        local = make_url(POSTGRES_URL)
        self.postgres_address = (local.host, local.port or 5432)
        load_or_create_private_key(self.key_file)
        (tmp_path / "logs").mkdir()

    # -- the translation -----------------------------------------------------------------------

    def address(self, name: str) -> str:
        return f"127.0.0.1:{self.ports[name]}"

    def url(self, name: str, path: str = "") -> str:
        return f"http://{self.address(name)}{path}"

    def _local_hosts(self, text: str) -> str:
        # "members-web:8000" -> the members-web process's loopback address.
        for name in self.services:
            text = re.sub(rf"\b{re.escape(name)}:\d+\b", self.address(name), text)
        return text

    def environment(self, name: str) -> dict[str, str]:
        """Return the container's environment, with its infrastructure and addresses made local."""
        service = self.services[name]
        env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"),
               "COOP_DATA_DIR": str(self._volume(name, CONTAINER_DATA_DIR)),
               # This run's own exchange and queues on the shared local broker.
               "COOP_EXCHANGE": self.exchange, "COOP_QUEUE_PREFIX": self.queue_prefix}
        for variable, value in (service.get("environment") or {}).items():
            if variable == "COOP_BROKER_URL":
                value = self.broker_url
            elif variable.endswith("_DATABASE_URL"):
                value = self.database_url(value)
            elif value.startswith("/run/secrets/"):
                value = str(self.key_file)
            elif value == CONTAINER_DATA_DIR or value.startswith(CONTAINER_DATA_DIR + "/"):
                value = str(self._volume(name, value))
            else:
                value = self._local_hosts(value)
            env[variable] = value
        return env

    def database_url(self, url: str) -> str:
        """Return the local database (and login) that plays the part of a URL's in the compose file."""
        parsed = make_url(url)
        host, port = self.postgres_address
        return parsed.set(host=host, port=port, username=self.database_prefix + parsed.username,
                          database=self.database_prefix + parsed.database).render_as_string(hide_password=False)

    def _volume(self, name: str, container_path: str) -> Path:
        # A named volume is one folder every container mounting it shares; elsewhere, a folder of its own.
        for volume in self.services[name].get("volumes", []):
            source, target = volume.split(":")[:2]
            if container_path.startswith(target) and not source.startswith("."):
                folder = self.root / "volumes" / source / container_path[len(target):].lstrip("/")
                break
        else:
            folder = self.root / "containers" / name / container_path.lstrip("/")
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def command(self, name: str) -> list[str]:
        """Return the container's command, run from this virtual environment, on its local address."""
        if self._is_mail_catcher(name):
            return [sys.executable, str(Path(__file__).with_name("mail_catcher.py")), self.address(name),
                    str(self.maildir)]
        command = [self._local_hosts(part) for part in self.services[name]["command"]]
        if "--bind" in command:
            command[command.index("--bind") + 1] = self.address(name)
        if command[0] == "coop":
            return [str(Path(sys.executable).with_name("coop")), *command[1:]]
        if command[0] == "nginx":
            return self._nginx(name, command)
        raise AssertionError(f"no local way to run {command}")

    def _is_mail_catcher(self, name: str) -> bool:
        return self.services[name].get("image", "").startswith(MAIL_CATCHER_IMAGE)

    @property
    def maildir(self) -> Path:
        return self.root / "caught-mail"

    def caught_mail(self) -> list[email.message.EmailMessage]:
        """Return every email the mail catcher has been handed over SMTP."""
        if not self.maildir.exists():
            return []
        return [email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
                for message in mailbox.Maildir(self.maildir, create=False)]

    def _nginx(self, name: str, command: list[str]) -> list[str]:
        [mount] = [volume for volume in self.services[name]["volumes"] if volume.endswith("/etc/nginx/nginx.conf:ro")]
        config = (ROOT / mount.split(":")[0]).read_text()
        prefix = self.root / "nginx"
        prefix.mkdir(exist_ok=True)
        config = self._local_hosts(config).replace("/tmp/nginx/", f"{prefix}/")
        inside = int(self.services[name]["ports"][0].rsplit(":", 1)[1])
        config = config.replace(f"listen {inside};", f"listen {self.address(name)};")
        (prefix / "nginx.conf").write_text(config)
        directives = command[command.index("-g") + 1]
        return [shutil.which("nginx") or "nginx", "-p", str(prefix), "-e", "stderr", "-c", str(prefix / "nginx.conf"),
                "-g", f"{directives} pid {prefix}/nginx.pid;"]

    def health_command(self, name: str) -> list[str] | None:
        """Return the container's own health check, pointed at its local address."""
        check = self.services[name].get("healthcheck")
        if not check:
            return None
        if self._is_mail_catcher(name):  # Mailpit's readyz, asked of the stand-in over SMTP
            return [sys.executable, "-c", "import smtplib, sys; smtplib.SMTP(sys.argv[1], int(sys.argv[2]), "
                    "timeout=5).quit()", "127.0.0.1", str(self.ports[name])]
        inside = re.compile(r"http://127\.0\.0\.1:\d+")
        command = [inside.sub(self.url(name), part) for part in check["test"][1:]]
        if command[0] == "python":
            command[0] = sys.executable
        return command

    # -- the infrastructure --------------------------------------------------------------------

    def create_databases(self) -> None:
        """Run the postgres container's init script against the local server, for this run's names, with the
        container's own environment (so a password the compose file forgets to pass fails here too)."""
        local = make_url(POSTGRES_URL)
        container = {name: value for name, value in self.services["postgres"]["environment"].items()
                     if name.endswith("_PASSWORD")}
        env = {**{key: value for key, value in os.environ.items() if not key.endswith("_DB_PASSWORD")},
               **container, "DB_NAME_PREFIX": self.database_prefix, "POSTGRES_USER": local.username,
               "PGHOST": local.host, "PGPORT": str(local.port or 5432)}
        script = self.services["postgres"]["volumes"][1].split(":")[0]
        made = subprocess.run(["bash", str(ROOT / script)], env=env, capture_output=True, text=True, timeout=60)
        assert made.returncode == 0, f"the postgres init script failed:\n{made.stderr[-2000:]}"

    def drop_databases(self) -> None:
        from sqlalchemy import create_engine

        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for service in SERVICE_NAMES:
                name = self.database_prefix + service
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                connection.exec_driver_sql(f'DROP ROLE IF EXISTS "{name}"')
        admin.dispose()

    # -- running -------------------------------------------------------------------------------

    def log(self, name: str) -> Path:
        return self.root / "logs" / f"{name}.log"

    def start(self, name: str) -> subprocess.Popen:
        """Start one container's process (again, after a stop)."""
        with self.log(name).open("a") as log:
            process = subprocess.Popen(self.command(name), env=self.environment(name), cwd=self.root,
                                       stdout=log, stderr=subprocess.STDOUT)
        self.processes[name] = process
        return process

    def run_in(self, name: str, *arguments: str) -> subprocess.CompletedProcess:
        """Run a coop command with a container's environment, as `docker compose exec NAME coop ...` does."""
        return subprocess.run([str(Path(sys.executable).with_name("coop")), *arguments], env=self.environment(name),
                              cwd=self.root, capture_output=True, text=True, timeout=60)

    def logged(self, name: str, **fields) -> list[dict]:
        """Return the JSON log lines of a process that carry all the given fields."""
        found = []
        for line in self.log(name).read_text().splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and all(entry.get(key) == value for key, value in fields.items()):
                found.append(entry)
        return found

    def is_healthy(self, name: str) -> bool:
        command = self.health_command(name)
        return command is not None and subprocess.run(command, capture_output=True, timeout=10).returncode == 0

    def up(self, timeout: float = 180) -> None:
        """Start every container in the order depends_on asks for, as `docker compose up` does."""
        deadline = time.monotonic() + timeout
        waiting = [name for name in self.services if name not in INFRASTRUCTURE]
        while waiting:
            for name in list(waiting):
                if all(self._satisfied(dependency, rule["condition"])
                       for dependency, rule in (self.services[name].get("depends_on") or {}).items()):
                    self.start(name)
                    waiting.remove(name)
            if time.monotonic() > deadline:
                raise AssertionError(f"still waiting to start {waiting}:\n{self.tails()}")
            time.sleep(0.3)
        for name in self.services:
            if name not in INFRASTRUCTURE and self.services[name].get("healthcheck"):
                wait_for(lambda name=name: self._satisfied(name, "service_healthy"),
                         timeout=max(deadline - time.monotonic(), 5))

    def _satisfied(self, name: str, condition: str) -> bool:
        if name in INFRASTRUCTURE:
            return True  # the machine's servers: the backend fixture has checked they answer
        process = self.processes.get(name)
        if process is None:
            return False
        if condition == "service_completed_successfully":
            if process.poll() not in (None, 0):
                raise AssertionError(f"{name} failed:\n{self.log(name).read_text()[-3000:]}")
            return process.poll() == 0
        if process.poll() is not None:
            raise AssertionError(f"{name} exited with {process.returncode}:\n{self.log(name).read_text()[-3000:]}")
        return condition == "service_started" or self.is_healthy(name)

    def stop(self, name: str, timeout: float = 40) -> int:
        """Stop a container's process as `docker compose stop` does (its stop signal, SIGTERM unless the
        compose file says otherwise) and wait for it to exit; return its exit status."""
        process = self.processes[name]
        if process.poll() is None:
            process.send_signal(getattr(signal, self.services[name].get("stop_signal", "SIGTERM")))
        return process.wait(timeout=timeout)

    def down(self, timeout: float = 40) -> dict[str, int]:
        """Stop every process this topology started, all at once as `docker compose down` does, and
        return each one's exit status (those that outlast the timeout are killed: -9)."""
        for name, process in self.processes.items():
            if process.poll() is None:
                process.send_signal(getattr(signal, self.services[name].get("stop_signal", "SIGTERM")))
        deadline = time.monotonic() + timeout
        statuses = {}
        for name, process in self.processes.items():
            try:
                statuses[name] = process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
                statuses[name] = process.wait(10)
        return statuses

    def tails(self) -> str:
        logs = sorted((self.root / "logs").glob("*"))
        return "\n".join(f"--- {path.name}\n{path.read_text()[-1500:]}" for path in logs)


def skip_unless_runnable(backend) -> None:
    """Skip the test unless the topology can run here: the real servers, and nginx for the gateway."""
    import pytest

    if not backend.is_real:
        pytest.skip("the compose topology runs on RabbitMQ and PostgreSQL: the real pass runs it")
    if shutil.which("nginx") is None:
        pytest.skip("nginx is not installed: apt-get install nginx-light (.ci/run does this)")


@contextlib.contextmanager
def running_topology(backend, root: Path, tag: str, prepare=None):
    """Create the databases, start every process (after ``prepare(topology)``, if given) and yield the
    topology; afterwards stop every process and drop what it made, on the broker too."""
    topology = Topology(root, tag)
    if prepare is not None:
        prepare(topology)
    topology.create_databases()
    try:
        topology.up()
        yield topology
    finally:
        topology.down()
        topology.drop_databases()
        backend.clean_up_test(Settings(exchange=topology.exchange, queue_prefix=topology.queue_prefix))
