"""The layering of STYLE.md, enforced: who may import whom, and that every module imports."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sip", "rtp", "media", "dialplan_engine", "http_api", "softswitch")

# package -> the project packages it must never import
FORBIDDEN: dict[str, frozenset[str]] = {
    "sip": frozenset({"rtp", "media", "dialplan_engine", "http_api", "softswitch"}),
    "rtp": frozenset({"sip", "media", "dialplan_engine", "http_api", "softswitch"}),
    "media": frozenset({"sip", "rtp", "dialplan_engine", "http_api", "softswitch"}),
    "dialplan_engine": frozenset({"sip", "rtp", "media", "http_api", "softswitch"}),
    "http_api": frozenset(),
    "softswitch": frozenset(),
}
# third-party packages confined to one place
CONFINED: dict[str, tuple[str, ...]] = {
    "sqlalchemy": ("softswitch/storage/",),
    "alembic": ("softswitch/storage/",),
    "aiohttp": ("http_api/",),
}


def _modules() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_layer_boundaries(path: Path) -> None:
    rel = path.relative_to(ROOT).as_posix()
    package = rel.split("/")[0]
    imported = _imports(path)
    bad = imported & FORBIDDEN[package]
    assert not bad, f"{rel} imports {sorted(bad)}, which its layer must not"
    for library, allowed in CONFINED.items():
        if library in imported:
            assert rel.startswith(allowed), f"{rel} imports {library}; only {allowed} may"


def test_every_module_imports_in_a_fresh_interpreter() -> None:
    names = []
    for path in _modules():
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if "migrations" in parts or parts[-1] == "__main__":
            continue  # alembic scripts run inside alembic; __main__ runs the CLI
        names.append(".".join(parts))
    code = "import importlib, sys\nfor n in sys.argv[1:]:\n    importlib.import_module(n)\n"
    result = subprocess.run(
        [sys.executable, "-c", code, *names],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("package", ["sip", "rtp", "media"])
def test_our_packages_shadow_the_pypi_namesakes(package: str) -> None:
    module = __import__(package)
    assert module.__file__ is not None
    assert Path(module.__file__).resolve().is_relative_to(ROOT), (
        f"{package} resolves to {module.__file__}: an unrelated PyPI distribution is installed"
    )
