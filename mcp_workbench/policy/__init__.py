"""Access control as policy-as-code: who may list, call, read, write or administer what.

Policies are written in Cedar (https://www.cedarpolicy.com) and evaluated by ``cedarpy``.
The model (see :mod:`mcp_workbench.policy.model`):

- principals: ``User::"alice"``, a member of ``Role::"editor"`` for each role it holds;
- actions: ``Action::"list"``, ``"call"``, ``"read"``, ``"write"``, ``"admin"``;
- resources: ``Tool::"notes.read"``, ``Prompt::"review"``, ``Resource::"note://x.md"``,
  ``Board::"roadmap"``, each in ``Namespace::"notes"`` (the part of its name before the
  first dot; for a resource, its URI scheme), with attributes ``name`` and ``namespace``;
- ``context``: whatever the caller passes (the transport, the session id, ...).

A ``forbid`` overrides every ``permit``, and what no policy permits is denied. With no
policy files configured, the built-in default allows everything for everyone.
:class:`PolicyEngine` loads a file or directory of ``*.cedar`` files (and optionally a
schema), validates them, and reloads them when they change, keeping the last good set
when a change breaks them. ``examples/`` holds a sample policy and schema.

This layer imports nothing from the engine, transports or registry.
"""

from __future__ import annotations

from pathlib import Path

from mcp_workbench.policy.decision import Decision, Explanation
from mcp_workbench.policy.engine import DEFAULT_INTERVAL, PolicyEngine
from mcp_workbench.policy.model import ACTIONS, RESOURCE_KINDS, Action, ResourceKind
from mcp_workbench.policy.policy_set import (
    BUILT_IN,
    CompiledPolicies,
    Policy,
    PolicyCheck,
    check_policies,
    load_policies,
)
from mcp_workbench.policy.sources import PolicyProblem

__all__ = [
    "ACTIONS",
    "BUILT_IN",
    "DEFAULT_INTERVAL",
    "EXAMPLES",
    "RESOURCE_KINDS",
    "Action",
    "CompiledPolicies",
    "Decision",
    "Explanation",
    "Policy",
    "PolicyCheck",
    "PolicyEngine",
    "PolicyProblem",
    "ResourceKind",
    "check_policies",
    "load_policies",
]

EXAMPLES = Path(__file__).parent / "examples"
"""The sample policy and schema shipped with the package."""
