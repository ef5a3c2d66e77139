"""The layers point one way (README, "Layout"): each package imports only the layers below it.

Read from the source's import statements (those under ``TYPE_CHECKING`` count too: a type is a dependency).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = ("foundation", "audit", "connectors", "sandbox", "auth", "hub", "schema")
WIRING = (
    "hub.app",
    "hub.cli",
    "hub.server",
    "hub.http_limits",
    "hub.migrate",
    "hub.migrations",
    "hub.health",
)
"""The top of hub/: the application, its server and command line; it may import everything."""
ALLOWED: dict[str, tuple[str, ...]] = {
    "foundation": ("foundation",),
    "audit": ("foundation", "audit"),
    "sandbox": ("foundation.credit_code", "sandbox"),
    "connectors": ("foundation", "connectors"),
    "auth": ("foundation", "audit", "connectors", "auth"),
    "hub": ("foundation", "audit", "connectors", "auth", "hub"),
    "schema": ("foundation", "audit", "connectors", "auth", "hub", "schema"),
}
EXCEPTIONS = {
    # The connector battery drives sandbox providers through their /_sandbox controls (tests only).
    ("connectors.testing", "sandbox.control"),
}


def _module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name for name in found if name.split(".")[0] in OURS}


def _layer(module: str) -> str:
    if any(module == wiring or module.startswith(f"{wiring}.") for wiring in WIRING):
        return "wiring"
    return module.split(".")[0]


def _allowed(layer: str, imported: str) -> bool:
    return any(imported == allowed or imported.startswith(f"{allowed}.") for allowed in ALLOWED[layer])


MODULES = sorted(path for package in OURS for path in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda path: _module_of(path))
def test_imports_point_down_the_layers(path: Path) -> None:
    module = _module_of(path)
    layer = _layer(module)
    if layer == "wiring":
        return
    wrong = sorted(
        imported
        for imported in _imports(path)
        if not _allowed(layer, imported)
        or (layer == "hub" and _layer(imported) == "wiring")  # services never import the wiring
    )
    wrong = [imported for imported in wrong if (module, imported) not in EXCEPTIONS]
    assert not wrong, f"{module} ({layer}) imports {wrong}"
