"""Load user tools, prompts and resources from Python modules and entry points."""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from types import ModuleType

from mcp_workbench.registry.decorators import MARK, Marked
from mcp_workbench.registry.items import Prompt, Tool
from mcp_workbench.registry.registry import Registry

__all__ = ["ENTRY_POINT_GROUP", "load_entry_points", "load_module", "parse_module_spec"]

ENTRY_POINT_GROUP = "mcp_workbench.tools"


def parse_module_spec(spec: str) -> tuple[str | None, str]:
    """``"kb=pkg.module"`` -> ``("kb", "pkg.module")``; ``"pkg.module"`` -> ``(None, ...)``."""
    namespace, sep, module = spec.partition("=")
    return (namespace.strip(), module.strip()) if sep else (None, spec.strip())


def _register(registry: Registry, item: Marked, namespace: str | None) -> None:
    if isinstance(item, Tool):
        registry.add_tool(item, namespace=namespace)
    elif isinstance(item, Prompt):
        registry.add_prompt(item, namespace=namespace)
    else:
        registry.add_resource(item, namespace=namespace)


def load_module(registry: Registry, spec: str | ModuleType) -> int:
    """Import a module and register everything marked in it; returns how many items.

    A module may also define ``setup(registry)`` to register things itself.

    Raises:
        ImportError: the module cannot be imported.
    """
    namespace = None
    if isinstance(spec, str):
        namespace, name = parse_module_spec(spec)
        module = importlib.import_module(name)
    else:
        module = spec
    count = 0
    for value in list(vars(module).values()):
        for item in getattr(value, MARK, ()):
            _register(registry, item, namespace)
            count += 1
    setup = getattr(module, "setup", None)
    if callable(setup):
        setup(registry)
    return count


def load_entry_points(registry: Registry) -> list[str]:
    """Load every module published in the ``mcp_workbench.tools`` entry-point group.

    The entry point's name is used as the namespace. Returns the loaded module names.
    """
    loaded = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        module = ep.load()
        if not isinstance(module, ModuleType):
            module = importlib.import_module(ep.module)
        load_module(registry, f"{ep.name}={module.__name__}")
        loaded.append(module.__name__)
    return loaded
