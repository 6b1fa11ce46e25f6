"""axe-core (bundled by axe-playwright-python) run on a page open in the browser tests."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

SERIOUS = ("serious", "critical")
_AXE = Axe()


def serious_violations(page) -> list[str]:
    """Run axe-core on the page and describe each violation whose impact is serious or critical."""
    violations = _AXE.run(page).response["violations"]
    return [f"{violation['id']} ({violation['impact']}): {violation['help']} at "
            + ", ".join(" ".join(map(str, node["target"])) for node in violation["nodes"][:3])
            for violation in violations if violation["impact"] in SERIOUS]
