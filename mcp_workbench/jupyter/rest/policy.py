"""``/policy``: the access policy in force, and why it decides a request as it does
(admin)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from jupyter_server.auth.decorator import authorized
from tornado import web

from mcp_workbench.jupyter.rest.base import RestHandler, operation
from mcp_workbench.jupyter.rest.schemas import PolicyExplanation, PolicyQuestion, PolicyStatus
from mcp_workbench.jupyter.rest.spec import Route

if TYPE_CHECKING:
    from mcp_workbench.policy import PolicyEngine

__all__ = ["ROUTES"]


@functools.cache
def _built_in() -> PolicyEngine:
    """The allow-all default, to describe and explain when no policy is configured."""
    from mcp_workbench.policy import PolicyEngine  # noqa: PLC0415 - Cedar only when asked

    return PolicyEngine()


class _PolicyHandler(RestHandler):
    needs_store = False

    @property
    def policy(self) -> PolicyEngine:
        """The policy the engine applies, or the built-in default it stands for."""
        return self.server.engine.access.policy or _built_in()


class PolicyHandler(_PolicyHandler):
    """``/policy``"""

    @web.authenticated
    @authorized
    @operation(response=PolicyStatus, admin=True)
    async def get(self) -> PolicyStatus:
        """Show the policy in force

        Where it comes from, its version (one more per reload), how many permits and
        forbids it has, and why the last reload failed if it did (the previous version
        then stays in force).
        """
        policy = self.policy
        policies = policy.policies
        return PolicyStatus(
            active=self.server.engine.access.active,
            path=str(policy.path) if policy.path is not None else None,
            source=policies.source,
            version=policy.version,
            files=list(policies.files),
            permits=policies.count("permit"),
            forbids=policies.count("forbid"),
            last_error=policy.last_error,
        )


class PolicyExplainHandler(_PolicyHandler):
    """``/policy/explain``"""

    @web.authenticated
    @authorized
    @operation(body=PolicyQuestion, response=PolicyExplanation, admin=True)
    async def post(self, *, body: PolicyQuestion) -> PolicyExplanation:
        """Explain a decision

        Decide one request with the policy in force and tell which policies decided it
        (or that none permits it). Changes nothing.
        """
        explanation = self.policy.explanation(
            body.principal,
            body.roles,
            body.action,
            body.kind,
            body.name,
            context=body.context,
            attributes=body.attributes,
        )
        return PolicyExplanation.model_validate(explanation.to_dict())


ROUTES = [
    Route("/policy", PolicyHandler),
    Route("/policy/explain", PolicyExplainHandler),
]
