"""A few lines of urllib for talking to a running server over real HTTP."""

import json
import socket
import urllib.error
import urllib.request


def _send(request) -> tuple[int, object]:
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def get_json(url: str, headers: dict | None = None) -> tuple[int, object]:
    return _send(urllib.request.Request(url, headers=headers or {}))


def post_json(url: str, body, headers: dict | None = None) -> tuple[int, object]:
    data = json.dumps(body).encode()
    return _send(urllib.request.Request(url, data=data, method="POST",
                                        headers={"Content-Type": "application/json", **(headers or {})}))


def ok(url: str) -> bool:
    """Tell whether the URL answers 200 (False while the server is not up yet)."""
    try:
        return get_json(url)[0] == 200
    except OSError:
        return False


def get_text(url: str, headers: dict | None = None) -> str:
    """Return the body of a page that must answer 200."""
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
        return response.read().decode()


def status(url: str) -> int:
    """Return the status a GET of the URL gets."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def free_port() -> int:
    """Return a loopback port nothing listens on just now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
