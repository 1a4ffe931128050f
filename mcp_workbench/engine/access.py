"""Who may see and use what: the engine's side of the access policy.

Lists show only what the caller may list; a call, read or completion of something the
caller may not even list fails exactly as if it did not exist, so names never leak. A
caller who may list an item but not use it is told so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from mcp_workbench.errors import PermissionDenied

if TYPE_CHECKING:
    # Only the type: cedarpy is loaded when a policy is configured, not at every start.
    from mcp_workbench.engine.session import Session
    from mcp_workbench.policy import PolicyEngine
    from mcp_workbench.registry.items import Tool

__all__ = ["Access", "tool_attributes"]

T = TypeVar("T")

_ANONYMOUS = "anonymous"


def tool_attributes(tool: Tool) -> dict[str, Any]:
    """What policies may ask of a tool: its read-only and destructive hints."""
    hints = tool.annotations or {}
    return {
        "read_only": bool(hints.get("readOnlyHint", False)),
        "destructive": bool(hints.get("destructiveHint", False)),
    }


class Access:
    """Applies a :class:`PolicyEngine` to sessions; everything is allowed without one."""

    def __init__(self, policy: PolicyEngine | None = None) -> None:
        self.policy = policy
        self.on_denied: Callable[[Session, str, str, str], None] | None = None
        """Told ``(session, action, kind, name)`` of each refusal, for the audit."""

    @property
    def active(self) -> bool:
        """False when there is no policy or it is the built-in allow-all one."""
        return self.policy is not None and not self.policy.is_default

    @staticmethod
    def _who(session: Session) -> tuple[str, frozenset[str], dict[str, Any]]:
        return session.principal or _ANONYMOUS, session.roles, {"transport": session.transport}

    def visible(
        self,
        session: Session,
        kind: str,
        items: Sequence[T],
        name_of: Callable[[T], str],
        attributes_of: Callable[[T], dict[str, Any]] | None = None,
    ) -> list[T]:
        """The ``items`` the session may list."""
        if not self.active or not items:
            return list(items)
        assert self.policy is not None
        principal, roles, context = self._who(session)
        names = [name_of(item) for item in items]
        attributes = (
            {name_of(i): attributes_of(i) for i in items} if attributes_of is not None else None
        )
        allowed = set(
            self.policy.allowed_names(
                principal, roles, "list", kind, names, context=context, attributes=attributes
            )
        )
        return [item for item, name in zip(items, names, strict=True) if name in allowed]

    def can(
        self,
        session: Session,
        action: str,
        kind: str,
        name: str,
        *,
        attributes: dict[str, Any] | None = None,
    ) -> bool:
        """Whether the session may do ``action`` on the named item."""
        if not self.active:
            return True
        assert self.policy is not None
        principal, roles, context = self._who(session)
        decision = self.policy.decide(
            principal, roles, action, kind, name, context=context, attributes=attributes
        )
        return decision.allowed

    def require(
        self,
        session: Session,
        action: str,
        kind: str,
        name: str,
        unknown: Exception | None,
        *,
        attributes: dict[str, Any] | None = None,
    ) -> None:
        """Allow ``action`` or raise: ``unknown`` when the item may not even be listed,
        else ``PermissionDenied``.

        ``unknown`` None: always ``PermissionDenied`` (for a name the caller chose itself, such
        as one it wants to create, so saying it is refused tells it nothing new).

        Raises:
            PermissionDenied: the caller sees the item but may not do this.
        """
        if self.can(session, action, kind, name, attributes=attributes):
            return
        if self.on_denied is not None:
            self.on_denied(session, action, kind, name)
        if unknown is None or (
            action != "list" and self.can(session, "list", kind, name, attributes=attributes)
        ):
            raise PermissionDenied(f"You may not {action} {name}")
        raise unknown
