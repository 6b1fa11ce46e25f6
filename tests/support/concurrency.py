"""Many requests at one transition at once, through a real multi-threaded HTTP server.

The Flask test client runs one request at a time; a race needs a server that runs each request on its
own thread with its own connection from the service's real pool, as gunicorn's threads do. ``serve``
puts a service's app behind werkzeug's threaded server on a free loopback port; ``at_once`` fires
calls from N threads released together by a barrier, and returns each one's answer.
"""

from __future__ import annotations

import contextlib
import json
import threading
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from werkzeug.serving import WSGIRequestHandler, make_server

# At least this many requests go at each transition (the "N >= 20").
N = 20


@dataclass(frozen=True)
class Answer:
    status: int
    body: object

    @property
    def is_server_error(self) -> bool:
        return self.status >= 500


@dataclass
class Server:
    """A service reached over real HTTP: ``post(path, body, headers)`` gives an ``Answer``."""

    base: str

    def post(self, path: str, body=None, headers: dict | None = None) -> Answer:
        return self.send("POST", path, body, headers)

    def send(self, method: str, path: str, body=None, headers: dict | None = None) -> Answer:
        data = json.dumps({} if body is None else body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return Answer(response.status, _json(response.read()))
        except urllib.error.HTTPError as error:
            return Answer(error.code, _json(error.read()))


def _json(raw: bytes):
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return raw.decode(errors="replace")


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass  # the service logs its own requests; werkzeug's line for each of N is noise


@contextlib.contextmanager
def serve(app) -> Iterator[Server]:
    """Serve the app on a loopback port with a thread per request until the block ends."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="race-server", daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


def at_once(calls: list[Callable[[], Answer]]) -> list[Answer]:
    """Run every call on its own thread, all released at the same instant; return the answers in order."""
    together = threading.Barrier(len(calls))

    def run(call):
        together.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [future.result(timeout=120) for future in [pool.submit(run, call) for call in calls]]


def statuses(answers: list[Answer]) -> Counter:
    """Count the answers by status, for assertions and for a readable failure message."""
    return Counter(answer.status for answer in answers)


def no_server_errors(answers: list[Answer]) -> bool:
    return not any(answer.is_server_error for answer in answers)
