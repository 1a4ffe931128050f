"""The settings model as traitlets: ``c.MCPWorkbench.<field> = ...`` for every field of
:class:`~mcp_workbench.config.Settings`, with its description as help text.

Only values set in Jupyter's config (files or ``--MCPWorkbench.<field>=...``) override
the settings file and environment; an unset trait says nothing.
"""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any

import traitlets

from mcp_workbench.config import Settings

__all__ = ["settings_traits"]


def _trait(annotation: Any, help_text: str) -> traitlets.TraitType[Any, Any]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _trait(inner[0] if len(inner) == 1 else Any, help_text)
    trait: traitlets.TraitType[Any, Any]
    if annotation is bool:
        trait = traitlets.Bool(None, allow_none=True, help=help_text)
    elif annotation is int:
        trait = traitlets.Int(None, allow_none=True, help=help_text)
    elif annotation is float:
        trait = traitlets.Float(None, allow_none=True, help=help_text)
    elif annotation in (str, Path) or origin is typing.Literal:
        trait = traitlets.Unicode(None, allow_none=True, help=help_text)
    elif annotation is list or origin is list:
        trait = traitlets.List(None, allow_none=True, help=help_text)
    elif annotation is dict or origin is dict:
        trait = traitlets.Dict(None, allow_none=True, help=help_text)
    else:
        trait = traitlets.Any(None, allow_none=True, help=help_text)
    return trait.tag(config=True)


def settings_traits(skip: typing.Collection[str]) -> dict[str, traitlets.TraitType[Any, Any]]:
    """A trait per settings field, except those named in ``skip`` (names the Jupyter
    application already uses, and fields that mean nothing inside Jupyter)."""
    traits: dict[str, traitlets.TraitType[Any, Any]] = {}
    for name, field in Settings.model_fields.items():
        if name in skip:
            continue
        default = field.get_default(call_default_factory=True)
        shown = "" if default is None or default in ([], {}) else f" Default: {default!r}."
        traits[name] = _trait(field.annotation, f"{field.description or name}{shown}")
    return traits
