"""The layers stay apart: shared/ holds mechanisms that know no service, and no service reaches into another.

Services talk only through events, so no service's code imports another's; and shared/ is what every
service builds on, so it imports no service and the command line, and names none of them in its code.
"""

import ast
import re
from pathlib import Path

import pytest

from coop.services import SERVICES

ROOT = Path(__file__).resolve().parents[3]
SERVICE_NAME = re.compile(rf"\b({'|'.join(SERVICES)})\b")


def python_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*.py") if "migrations" not in path.parts)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def names_in_code(path: Path) -> list[str]:
    """Every string literal and identifier of a module, leaving out docstrings and comments."""
    tree = ast.parse(path.read_text())
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            found.append(node.value)
        elif isinstance(node, ast.Name):
            found.append(node.id)
        elif isinstance(node, ast.Attribute):
            found.append(node.attr)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found.append(node.name)
    return found


@pytest.mark.parametrize("path", python_files(ROOT / "shared"), ids=lambda path: path.name)
def test_shared_imports_no_service_and_not_the_command_line(path):
    reaching = sorted(module for module in imported_modules(path) if module.split(".")[0] in ("services", "coop"))
    assert reaching == [], f"{path.relative_to(ROOT)} imports {reaching}"


@pytest.mark.parametrize("path", python_files(ROOT / "shared"), ids=lambda path: path.name)
def test_shared_names_no_service_in_its_code(path):
    naming = sorted({text for text in names_in_code(path) if SERVICE_NAME.search(text)})
    assert naming == [], f"{path.relative_to(ROOT)} names a service: {naming}"


def test_shared_templates_and_scripts_name_no_service():
    files = [*(ROOT / "shared/templates").rglob("*.html"), *(ROOT / "shared/static").rglob("*.js")]
    naming = [str(path.relative_to(ROOT)) for path in files
              if SERVICE_NAME.search(re.sub(r"\{#.*?#\}|/\*.*?\*/|//[^\n]*", "", path.read_text(), flags=re.S))]
    assert naming == []


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_imports_another(service):
    others = {f"services.{other}" for other in SERVICES if other != service}
    reaching = sorted({f"{path.relative_to(ROOT)}: {module}"
                       for path in python_files(ROOT / "services" / service)
                       for module in imported_modules(path)
                       if any(module == other or module.startswith(f"{other}.") for other in others)})
    assert reaching == []


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_imports_the_command_line(service):
    reaching = sorted({f"{path.relative_to(ROOT)}: {module}"
                       for path in python_files(ROOT / "services" / service)
                       for module in imported_modules(path) if module.split(".")[0] == "coop"})
    assert reaching == []


def test_no_test_module_imports_another():
    test_files = sorted((ROOT / "tests").rglob("test_*.py"))
    test_modules = {".".join(path.relative_to(ROOT).with_suffix("").parts) for path in test_files}
    reaching = sorted({f"{path.relative_to(ROOT)}: {module}" for path in test_files
                       for module in imported_modules(path) if module in test_modules})
    assert reaching == [], "move shared test helpers to tests/support"
