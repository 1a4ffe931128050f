"""What a policy decision is about: the Cedar entities and request for one question.

Every question is "may ``User::"alice"`` (a member of ``Role::"editor"``, ...) do
``Action::"call"`` to ``Tool::"notes.read"``?". A tool, prompt or board belongs to
``Namespace::"notes"``, the part of its name before the first dot; a resource belongs to the
namespace named by its URI scheme (``note://x.md`` is in ``Namespace::"note"``). A name
with no dot (or a URI with no scheme) belongs to no namespace. Each resource entity carries
the attributes ``name`` and ``namespace`` (``""`` when it has none), plus any the caller
gives (the engine's convention: ``read_only`` and ``destructive`` for tools, from their
annotations).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

__all__ = [
    "ACTION",
    "ACTIONS",
    "ENTITY_TYPES",
    "RESOURCE_KINDS",
    "Action",
    "ResourceKind",
    "entity_label",
    "namespace_of",
    "principal_entity",
    "request",
    "resource_entity",
]

Action = Literal["list", "call", "read", "write", "admin"]
"""What a principal asks to do; ``Action::"<action>"`` in policies."""

ResourceKind = Literal["tool", "prompt", "resource", "board"]
"""What kind of thing the action is on; its Cedar entity type is in :data:`RESOURCE_KINDS`."""

ACTIONS: tuple[str, ...] = ("list", "call", "read", "write", "admin")
RESOURCE_KINDS: Mapping[str, str] = {
    "tool": "Tool",
    "prompt": "Prompt",
    "resource": "Resource",
    "board": "Board",
}
"""Each resource kind and the Cedar entity type that stands for it."""

USER = "User"
ROLE = "Role"
NAMESPACE = "Namespace"
ACTION = "Action"
ENTITY_TYPES = frozenset({USER, ROLE, NAMESPACE, ACTION, *RESOURCE_KINDS.values()})
"""Every entity type a request can hold: a policy naming another type can never match."""

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


def namespace_of(kind: str, name: str) -> str | None:
    """The namespace ``name`` belongs to: its URI scheme for a resource, else the part
    before the first dot; None when there is none."""
    if kind == "resource":
        match = _SCHEME.match(name)
        return match.group(1) if match else None
    head, dot, _ = name.partition(".")
    return head if dot and head else None


def _uid(type_: str, id_: str) -> dict[str, str]:
    # The JSON form takes any id as is, where Cedar's text syntax would need escaping.
    return {"type": type_, "id": id_}


def principal_entity(principal: str, roles: Iterable[str]) -> dict[str, Any]:
    """``User::"<principal>"``, a member of ``Role::"<role>"`` for each of ``roles``."""
    return {
        "uid": _uid(USER, principal),
        "attrs": {},
        "parents": [_uid(ROLE, role) for role in roles],
    }


def resource_entity(
    kind: str, name: str, attributes: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The entity for the ``kind`` named ``name``, in its namespace, with its attributes.

    ``kind`` must be one of :data:`RESOURCE_KINDS`.
    """
    namespace = namespace_of(kind, name)
    attrs: dict[str, Any] = {**(attributes or {}), "name": name, "namespace": namespace or ""}
    return {
        "uid": _uid(RESOURCE_KINDS[kind], name),
        "attrs": attrs,
        "parents": [_uid(NAMESPACE, namespace)] if namespace else [],
    }


def request(
    principal: str, action: str, kind: str, name: str, context: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The Cedar request asking whether ``principal`` may ``action`` the ``kind`` ``name``."""
    return {
        "principal": _uid(USER, principal),
        "action": _uid(ACTION, action),
        "resource": _uid(RESOURCE_KINDS[kind], name),
        "context": dict(context or {}),
    }


def entity_label(type_: str, id_: str) -> str:
    """An entity as policies write it: ``Tool::"notes.read"``."""
    escaped = id_.replace("\\", "\\\\").replace('"', '\\"')
    return f'{type_}::"{escaped}"'
