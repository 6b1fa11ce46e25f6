"""Every operation in a service's API document, with the roles it says it allows, for access tests."""

from __future__ import annotations

import re

OPEN = "any signed-in account"


def operations(client) -> list[tuple[str, str, tuple[str, ...] | None]]:
    """(method, path with ids filled in, roles allowed or None for any signed-in account) of each secured operation."""
    document = client.get("/openapi.json").json
    found = []
    for path, item in document["paths"].items():
        # Ids become 1; a parameter with a fixed set of values gets the first of them.
        filled = path
        for parameter in item.get("parameters", []):
            if parameter["in"] == "path":
                value = str(parameter["schema"].get("enum", [1])[0])
                filled = filled.replace("{" + parameter["name"] + "}", value)
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete") or not operation.get("security"):
                continue
            allowed = re.search(r"Allowed for: (.+?)\.", operation.get("description", "") + " ").group(1)
            roles = None if allowed == OPEN else tuple(role.strip() for role in allowed.split(","))
            found.append((method, filled, roles))
    return found


def call(client, method: str, path: str, headers: dict | None = None):
    return getattr(client, method)(path, headers=headers or {}, json={})
