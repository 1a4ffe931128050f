"""The package's public surface and its layering rules."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import mcp_workbench

PACKAGE = Path(mcp_workbench.__file__).parent
# Each layer may import only itself and the layers listed after it.
LAYERS = [
    "jupyter",
    "tools",
    "transports",
    "engine",
    "service",
    "audit",
    "events",
    "store",
    "policy",
    "auth",
    "protocol",
    "registry",
    "jsonrpc",
]
ENGINE_LAYERS = {"jsonrpc", "engine", "protocol", "registry", "transports"}
FORBIDDEN_IN_ENGINE = {"traitlets", "jupyter_server", "notebook", "jupyterlab"}


def test_public_api() -> None:
    assert sorted(mcp_workbench.__all__) == [
        "Engine",
        "Registry",
        "Settings",
        "ToolContext",
        "ToolResult",
        "__version__",
        "load_settings",
        "prompt",
        "resource",
        "tool",
    ]
    for name in mcp_workbench.__all__:
        assert hasattr(mcp_workbench, name)


def _modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages([str(PACKAGE)], "mcp_workbench.")]


@pytest.mark.parametrize("module", _modules())
def test_every_module_declares_what_it_exports(module: str) -> None:
    mod = importlib.import_module(module)
    if module.endswith("__about__") or module.endswith(".cli"):
        return
    exported = getattr(mod, "__all__", None)
    assert exported is not None, f"{module} has no __all__"
    for name in exported:
        assert hasattr(mod, name), f"{module}.__all__ names missing {name}"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "mcp_workbench" else None


@pytest.mark.parametrize("layer", LAYERS)
def test_imports_only_go_down(layer: str) -> None:
    allowed = set(LAYERS[LAYERS.index(layer) :])
    for path in (PACKAGE / layer).rglob("*.py"):
        for module in _imports(path):
            top = module.split(".")[0]
            if layer != "jupyter":  # the one adapter that may
                assert top not in FORBIDDEN_IN_ENGINE, f"{path} imports {module}"
            target = _layer_of(module)
            if target in set(LAYERS) and target not in allowed:
                pytest.fail(f"{path.relative_to(PACKAGE)} ({layer}) imports {module} ({target})")


def test_py_typed_is_shipped() -> None:
    assert (PACKAGE / "py.typed").exists()


VAULT_SYNC = PACKAGE.parent / "vault_sync"


def test_vault_sync_imports_nothing_from_the_workbench() -> None:
    """vault_sync is a standalone library: the workbench adapts to it, never the reverse."""
    paths = sorted(VAULT_SYNC.rglob("*.py"))
    assert paths, "vault_sync has no modules"
    for path in paths:
        for module in _imports(path):
            assert module.split(".")[0] != "mcp_workbench", f"{path.name} imports {module}"


@pytest.mark.parametrize(
    "module", [m.name for m in pkgutil.walk_packages([str(VAULT_SYNC)], "vault_sync.")]
)
def test_every_vault_sync_module_declares_what_it_exports(module: str) -> None:
    mod = importlib.import_module(module)
    exported = getattr(mod, "__all__", None)
    assert exported is not None, f"{module} has no __all__"
    for name in exported:
        assert hasattr(mod, name), f"{module}.__all__ names missing {name}"


def test_vault_sync_ships_py_typed() -> None:
    assert (VAULT_SYNC / "py.typed").exists()
