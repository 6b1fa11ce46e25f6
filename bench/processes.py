"""Subprocesses the bench starts (consumers, workers, servers): started in a session, stopped by PID."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from bench import common


class Process:
    """A command run in its own session (so its children are its process group), logging to a file."""

    def __init__(self, command: list[str], env: dict, log: Path, stdout=subprocess.DEVNULL):
        self.log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as errors:
            self.process = subprocess.Popen(command, cwd=common.ROOT, env={**os.environ, **env}, stdout=stdout,
                                            stderr=errors, start_new_session=True)
        self.pid = self.process.pid

    def check(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"process exited ({self.process.returncode}):\n{self.log_tail()}")

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def stop(self, timeout: float = 20) -> None:
        """TERM the process group this process leads, then KILL it if it lingers."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.pid, signal.SIGTERM)
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.pid, signal.SIGKILL)
            self.process.wait(5)
        except ProcessLookupError:
            pass


def tree(pid: int) -> list[int]:
    """The process and its descendants (from /proc), for memory figures."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def memory_kib(pid: int) -> dict:
    """RSS and PSS (proportional: pages shared after fork are split between processes), in KiB."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("Rss", "Pss"):
                values[name.lower()] = int(rest.split()[0])
    except OSError:
        pass
    return values
