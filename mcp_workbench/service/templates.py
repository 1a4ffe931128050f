"""Prompt templates: ``{{name}}`` placeholders, found and filled in."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from mcp_workbench.errors import InvalidInput

__all__ = ["NAME", "check_arguments", "placeholders", "render"]

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def placeholders(texts: Iterable[str]) -> list[str]:
    """The placeholder names used in ``texts``, in order of first use."""
    seen: list[str] = []
    for text in texts:
        for match in _PLACEHOLDER.finditer(text):
            if match.group(1) not in seen:
                seen.append(match.group(1))
    return seen


def render(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each ``{{name}}`` replaced by ``values[name]``; unknown names are left.

    Values are inserted as they are: a value containing ``{{x}}`` is not expanded again.
    """
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def check_arguments(declared: Iterable[str], used: Iterable[str]) -> None:
    """Every placeholder must be a declared argument.

    Raises:
        InvalidInput: a placeholder names no argument.
    """
    missing = [name for name in used if name not in set(declared)]
    if missing:
        raise InvalidInput(f"placeholders without a declared argument: {', '.join(missing)}")
