"""One version of the policy set answering questions, with Cedar and a cache.

Decisions are pure functions of the policy set and the question, so each version keeps the
ones it made; when no policy reads ``context``, the context is left out of the cache key.
Deciding never raises: an unknown action or kind, or a context or attribute Cedar cannot
take, is denied with an error in :attr:`Decision.errors`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cedarpy

from mcp_workbench.policy.decision import Decision
from mcp_workbench.policy.model import (
    ACTIONS,
    RESOURCE_KINDS,
    principal_entity,
    request,
    resource_entity,
)
from mcp_workbench.policy.policy_set import CompiledPolicies

__all__ = ["CACHE_LIMIT", "PolicyVersion", "Question"]

log = logging.getLogger("mcp_workbench.policy")

CACHE_LIMIT = 50_000
"""Decisions kept per policy version; past this the cache starts afresh."""

_Key = tuple[str, tuple[str, ...], str, str, str, str, str]
"""principal, roles, action, kind, name, context and attributes (as canonical JSON)."""


def _canonical(value: Any) -> str | None:
    """``value`` as canonical JSON, or None if it cannot be encoded (then it is not cached)."""
    if not value:
        return ""
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class Question:
    """May ``principal``, holding ``roles``, do ``action`` to things of ``kind``?"""

    principal: str
    roles: tuple[str, ...]
    """Distinct and sorted."""
    action: str
    kind: str
    context: Mapping[str, Any] | None = None
    attributes: Mapping[str, Mapping[str, Any]] | None = None
    """Each resource's attributes, by name."""

    @classmethod
    def of(
        cls,
        principal: str,
        roles: Iterable[str],
        action: str,
        kind: str,
        *,
        context: Mapping[str, Any] | None = None,
        attributes: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Question:
        """The question, with ``roles`` made distinct and sorted."""
        return cls(principal, tuple(sorted(set(roles))), action, kind, context, attributes)


class PolicyVersion:
    """A compiled policy set, its version number, and the decisions made with it."""

    __slots__ = ("_allow_all", "_cache", "policies", "version")

    def __init__(self, policies: CompiledPolicies, version: int) -> None:
        self.policies = policies
        self.version = version
        self._cache: dict[_Key, Decision] = {}
        self._allow_all = Decision(True, tuple(policies.policies), (), version)

    def decide(self, question: Question, names: Sequence[str]) -> list[Decision]:
        """The decision for each of ``names``, in order: cached, or asked of Cedar at once."""
        action, kind = question.action, question.kind
        if action not in ACTIONS or kind not in RESOURCE_KINDS:
            what = f"action {action!r}" if action not in ACTIONS else f"resource kind {kind!r}"
            return [Decision(False, (), (f"unknown {what}",), self.version)] * len(names)
        if self.policies.allow_all:
            return [self._allow_all] * len(names)
        keys = self._keys(question, names)
        cache = self._cache
        found = [cache.get(key) if key is not None else None for key in keys]
        missing = list(dict.fromkeys(n for n, d in zip(names, found, strict=True) if d is None))
        if not missing:
            return [d for d in found if d is not None]
        fresh = dict(zip(missing, self.evaluate(question, missing), strict=True))
        if len(cache) + len(fresh) > CACHE_LIMIT:
            cache.clear()
        decisions = []
        for name, key, cached in zip(names, keys, found, strict=True):
            decision = cached or fresh[name]
            if cached is None and key is not None:
                cache[key] = decision
            decisions.append(decision)
        return decisions

    def _keys(self, question: Question, names: Sequence[str]) -> list[_Key | None]:
        context = _canonical(question.context) if self.policies.uses_context else ""
        attributes = question.attributes or {}
        keys: list[_Key | None] = []
        for name in names:
            attrs = _canonical(attributes.get(name))
            if context is None or attrs is None:
                keys.append(None)
            else:
                q = question
                keys.append((q.principal, q.roles, q.action, q.kind, name, context, attrs))
        return keys

    def evaluate(
        self, question: Question, names: Sequence[str], *, permits_only: bool = False
    ) -> list[Decision]:
        """Ask Cedar about each of ``names`` (distinct), in one batch, bypassing the cache.

        ``permits_only`` leaves the forbids out: it tells which permits a forbid overrode.
        """
        q = question
        attributes = q.attributes or {}
        policy_set = self.policies.permits if permits_only else self.policies.cedar
        try:
            entities = [principal_entity(q.principal, q.roles)]
            entities += [resource_entity(q.kind, n, attributes.get(n)) for n in names]
            context = json.dumps(dict(q.context or {}))
            requests = []
            for name in names:
                asked = request(q.principal, q.action, q.kind, name, None)
                asked["context"] = context  # encoded once, not once per name
                requests.append(asked)
            results = cedarpy.is_authorized_batch(requests, policy_set, json.dumps(entities))
        except (TypeError, ValueError) as exc:  # a context or attribute Cedar cannot take
            log.warning("cannot evaluate %s %s by %s: %s", q.action, q.kind, q.principal, exc)
            return [Decision(False, (), (f"cannot evaluate: {exc}",), self.version)] * len(names)
        decisions = []
        for name, result in zip(names, results, strict=True):
            diagnostics = result.diagnostics
            errors = tuple(diagnostics.errors)
            decisions.append(
                Decision(result.allowed, tuple(diagnostics.reasons), errors, self.version)
            )
            if errors:
                log.warning(
                    "errors deciding %s %s %s by %s: %s",
                    *(q.action, q.kind, name, q.principal, "; ".join(errors)),
                )
        return decisions
