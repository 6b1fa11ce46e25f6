"""The Dockerfile's install, done here: the lock alone, then the project, in a new virtual environment.

It proves what a build would: the lock is complete and consistent (pip check), and a non-editable
install carries everything the processes need at run time (migrations, the Alembic environment,
templates), so `coop migrate` and the services' pages work from it.
"""

import subprocess
import sys

import pytest

from coop.services import history
from shared import migrations
from tests.support.compose import ROOT


@pytest.fixture(scope="module")
def image_environment(tmp_path_factory, backend):
    if backend.is_real:
        pytest.skip("the image's install is the same whatever the servers; the embedded pass does it")
    venv = tmp_path_factory.mktemp("image") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin/python"), "-m", "pip", "install", "--quiet", "--no-deps"]
    subprocess.run([*pip, "-r", str(ROOT / "requirements.lock")], check=True, timeout=600)
    # A copy of the sources, as the Dockerfile's COPY makes: nothing from the working tree's build.
    source = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "coop", "shared", "services"):
        subprocess.run(["cp", "-r", str(ROOT / name), str(source)], check=True)
    subprocess.run([*pip, str(source)], check=True, timeout=600, cwd=source)
    return venv


def run(venv, *args, **options):
    return subprocess.run([str(venv / "bin" / args[0]), *args[1:]], capture_output=True, text=True, timeout=120,
                          **options)


def test_the_locked_dependencies_are_complete_and_consistent(image_environment):
    checked = run(image_environment, "python", "-m", "pip", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_installed_command_migrates_every_service_from_the_packaged_migrations(image_environment, tmp_path):
    for service in ("members", "contracts", "marketplace", "brokering"):
        result = run(image_environment, "coop", "migrate", service, cwd=tmp_path,
                     env={"COOP_DATA_DIR": str(tmp_path / "data"), "COOP_LOG_JSON": "false", "PATH": "/usr/bin:/bin"})
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"revision (empty) -> {migrations.head(history(service))}" in result.stdout


def test_the_installed_package_carries_the_page_templates(image_environment, tmp_path):
    script = ("from pathlib import Path; import services, shared; "
              "print(len(list(Path(services.__file__).parent.glob('**/templates/**/*.html'))), "
              "len(list(Path(shared.__file__).parent.glob('templates/*.html'))))")
    result = run(image_environment, "python", "-c", script, cwd=tmp_path)
    service_templates, shared_templates = map(int, result.stdout.split())
    assert service_templates == len(list(ROOT.glob("services/**/templates/**/*.html")))
    assert shared_templates == len(list(ROOT.glob("shared/templates/*.html")))
