"""Build a ready engine from settings: registry, user modules, entry points."""

from __future__ import annotations

from mcp_workbench.config import Settings
from mcp_workbench.engine import Engine
from mcp_workbench.registry import Registry, load_entry_points, load_module
from mcp_workbench.tools import BUILTIN_MODULES

__all__ = ["build_engine"]


def build_engine(settings: Settings) -> Engine:
    """An engine serving the modules named in ``settings`` (and entry points, if enabled).

    Raises:
        ImportError: a named module cannot be imported.
    """
    registry = Registry(
        include=settings.include, exclude=settings.exclude, page_size=settings.page_size
    )
    if settings.builtin_tools:
        for spec in BUILTIN_MODULES:
            load_module(registry, spec)
    for spec in settings.tools:
        load_module(registry, spec)
    if settings.entry_points:
        load_entry_points(registry)
    return Engine(registry, settings)
