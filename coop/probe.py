"""Exit 0 if a URL answers 2xx, 1 otherwise: the containers' health check.

``python -m coop.probe URL`` imports nothing but the standard library, so a health check every few
seconds costs milliseconds, not the half second that loading the whole ``coop`` command takes.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request


def probe(url: str, timeout: float = 5.0) -> tuple[bool, str]:
    """Ask the URL; say whether it answered 2xx, and what happened."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        return False, f"{url} does not answer: {error}"
    return 200 <= status < 300, f"{url} answered {status}"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m coop.probe URL", file=sys.stderr)
        return 2
    healthy, said = probe(argv[0])
    print(said, file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
