"""The Dockerfile builds a small image from pinned versions, and runs as a user that is not root.

No Docker engine runs here; tests/coop/integration/test_image_install.py performs the Dockerfile's install
steps in a fresh virtual environment instead.
"""

import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.compose import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text().splitlines()
INSTRUCTIONS = [line.strip() for line in DOCKERFILE if line.strip() and not line.lstrip().startswith("#")]


def pins() -> dict[str, str]:
    lines = (ROOT / "requirements.lock").read_text().splitlines()
    pairs = (line.split("==") for line in lines if line.strip() and not line.startswith("#"))
    return {canonicalize_name(name): version for name, version in pairs}


def stages() -> list[list[str]]:
    found = []
    for instruction in INSTRUCTIONS:
        if instruction.startswith("FROM "):
            found.append([])
        found[-1].append(instruction)
    return found


def test_every_runtime_dependency_is_pinned_in_the_lock_within_its_declared_range():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pinned = pins()
    for text in declared:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{name} is not in requirements.lock: run make lock"
        assert requirement.specifier.contains(pinned[name]), f"{name}=={pinned[name]} is outside {requirement}"


def test_the_image_is_built_in_two_stages_and_the_last_keeps_only_the_virtual_environment():
    build, run = stages()
    assert build[0].endswith(" AS build") and run[0].startswith("FROM python:")
    copies = [instruction for instruction in run if instruction.startswith("COPY")]
    assert copies == ["COPY --from=build /opt/coop /opt/coop"]
    assert not any(instruction.startswith("RUN") and ("pip" in instruction or "apt" in instruction)
                   for instruction in run)


def test_dependencies_are_installed_from_the_lock_and_nothing_else():
    installs = [instruction for instruction in INSTRUCTIONS if "pip install" in instruction]
    assert installs and all("--no-deps" in instruction for instruction in installs)
    assert any("-r /src/requirements.lock" in instruction for instruction in installs)


def test_the_image_runs_as_an_unprivileged_user():
    users = [instruction.split()[1] for instruction in stages()[-1] if instruction.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")


def test_everything_the_dockerfile_copies_exists():
    for instruction in INSTRUCTIONS:
        if instruction.startswith("COPY ") and "--from=" not in instruction:
            source = instruction.split()[1]
            assert (ROOT / source).exists(), instruction


def test_the_build_context_leaves_out_secrets_data_and_the_virtual_environment():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", "deploy/secrets", ".venv", "data", ".git"} <= set(ignored)
