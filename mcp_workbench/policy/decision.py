"""The answer to one access question, and a human-readable account of how it was reached."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mcp_workbench.policy.policy_set import BUILT_IN, Policy

__all__ = ["Decision", "Explanation"]


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether a request is allowed, which policies decided it, and what went wrong."""

    allowed: bool
    reasons: tuple[str, ...] = ()
    """Ids of the determining policies: the permits that allowed the request, or the
    forbids that denied it; empty when it was denied because nothing permits it."""
    errors: tuple[str, ...] = ()
    """Errors while evaluating: a policy that errs is skipped; a bad request is denied."""
    version: int = 0
    """The version of the policy set that decided."""

    @property
    def forbidden(self) -> bool:
        """Denied by a ``forbid`` (rather than by default)."""
        return not self.allowed and bool(self.reasons)

    def to_dict(self) -> dict[str, Any]:
        """The decision as JSON."""
        return {
            "allowed": self.allowed,
            "reasons": list(self.reasons),
            "errors": list(self.errors),
            "version": self.version,
        }


def _indent(text: str, prefix: str = "    ") -> list[str]:
    return [prefix + line for line in text.splitlines()]


@dataclass(frozen=True, slots=True)
class Explanation:
    """A decision with what it was about and the policies behind it; ``str()`` tells it."""

    decision: Decision
    principal: str
    """The principal as policies name it: ``User::"alice"``."""
    roles: tuple[str, ...]
    action: str
    resource: str
    """The resource as policies name it: ``Tool::"notes.read"``."""
    namespace: str | None
    context: Mapping[str, Any]
    source: str
    """Where the policies came from: a path, or ``<built-in>``."""
    determining: tuple[Policy, ...] = ()
    overridden: tuple[Policy, ...] = ()
    """Permits that would have allowed the request but a forbid overrode."""

    def __str__(self) -> str:
        decision = self.decision
        roles = ", ".join(self.roles) or "none"
        may = "may" if decision.allowed else "may not"
        lines = [
            f"{'allow' if decision.allowed else 'deny'}: {self.principal} (roles: {roles})"
            f" {may} {self.action} {self.resource}"
        ]
        if self.namespace is not None:
            lines.append(f'  resource in Namespace::"{self.namespace}"')
        if self.context:
            lines.append(f"  context: {json.dumps(dict(self.context), sort_keys=True)}")
        if decision.allowed or decision.forbidden:
            verb = "permitted" if decision.allowed else "forbidden"
            for policy in self.determining:
                lines.append(f"  {verb} by {policy}:")
                lines.extend(_indent(policy.text))
        else:
            lines.append("  no policy permits it (denied by default)")
        for policy in self.overridden:
            lines.append(f"  a forbid overrides the permit of {policy}")
        lines.extend(f"  error: {error}" for error in decision.errors)
        if self.source == BUILT_IN:
            lines.append(
                "  policies: the built-in default (no policy files configured:"
                " everything is allowed)"
            )
        else:
            lines.append(f"  policies: {self.source} (version {decision.version})")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The explanation as JSON, with its text under ``explanation``."""
        return {
            **self.decision.to_dict(),
            "decision": "allow" if self.decision.allowed else "deny",
            "principal": self.principal,
            "roles": list(self.roles),
            "action": self.action,
            "resource": self.resource,
            "namespace": self.namespace,
            "context": dict(self.context),
            "source": self.source,
            "determining": [p.to_dict() for p in self.determining],
            "overridden": [p.to_dict() for p in self.overridden],
            "explanation": str(self),
        }
