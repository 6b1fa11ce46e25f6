"""Read docker-compose.yml as Compose would: YAML merge keys, then ${VARIABLE} interpolation."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}; $$ is a literal $.
_VARIABLE = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


class MissingVariable(Exception):
    """A ${NAME:?message} variable was not set: Compose would refuse to start."""


def load(path: Path = COMPOSE_FILE) -> dict:
    """Return the compose file as written (merge keys resolved, variables left as they are)."""
    return yaml.safe_load(path.read_text())


def variables_named(document) -> set[str]:
    """Return every variable the document interpolates."""
    text = yaml.safe_dump(document)
    return {match["name"] for match in _VARIABLE.finditer(text) if match["name"]}


def interpolate(document, environment: dict[str, str]):
    """Return the document with every ${...} replaced as Compose replaces it."""
    if isinstance(document, dict):
        return {key: interpolate(value, environment) for key, value in document.items()}
    if isinstance(document, list):
        return [interpolate(item, environment) for item in document]
    if isinstance(document, str):
        return _VARIABLE.sub(lambda match: _value(match, environment), document)
    return document


def _value(match, environment: dict[str, str]) -> str:
    if match.group(0) == "$$":
        return "$"
    name, op, arg = match["name"], match["op"], match["arg"]
    value = environment.get(name)
    unset_or_empty = value is None or (op is not None and op.startswith(":") and value == "")
    if op in (":-", "-") and unset_or_empty:
        return arg
    if op in (":?", "?") and unset_or_empty:
        raise MissingVariable(f"{name}: {arg}")
    return value or ""
