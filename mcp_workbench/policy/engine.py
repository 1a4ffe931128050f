"""``PolicyEngine``: decides who may do what, from Cedar policies it reloads when they change.

Deny overrides allow (a satisfied ``forbid`` beats every ``permit``), and a request no
policy permits is denied. With no policy path configured the built-in default applies:
everything is allowed, for everyone, so single-user setups work as before.

Decisions never raise: an unknown principal or resource is simply denied (nothing permits
it), and so is an unknown action or kind, or a context Cedar cannot take (with an error in
:attr:`Decision.errors`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from mcp_workbench.errors import PermissionDenied
from mcp_workbench.policy.decider import PolicyVersion, Question
from mcp_workbench.policy.decision import Decision, Explanation
from mcp_workbench.policy.model import RESOURCE_KINDS, USER, entity_label, namespace_of
from mcp_workbench.policy.policy_set import (
    CompiledPolicies,
    PolicyCheck,
    compile_sources,
    default_policies,
    invalid_policies,
)
from mcp_workbench.policy.sources import PolicyProblem, read_sources

__all__ = ["DEFAULT_INTERVAL", "PolicyEngine"]

log = logging.getLogger("mcp_workbench.policy")

DEFAULT_INTERVAL = 2.0
"""Seconds between checks of the policy files for changes."""


class PolicyEngine:
    """Decides requests with the policies at ``path`` (a ``.cedar`` file or a directory
    of them), or with the built-in allow-all default when ``path`` is None.

    ``schema``: a Cedar schema file to validate the policies against on every load (in a
    directory, its one ``*.cedarschema`` file is used when none is given). ``interval``:
    seconds between checks for changes once :meth:`start_watching` is called.

    Raises:
        InvalidInput: the policies cannot be read or are invalid (``data["problems"]``).
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        schema: str | Path | None = None,
        interval: float = DEFAULT_INTERVAL,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.schema = Path(schema) if schema is not None else None
        self.interval = interval
        self._lock = threading.Lock()
        self._seen: str | None = None  # fingerprint of the sources last read, good or bad
        self._problems: tuple[PolicyProblem, ...] = ()
        self._listeners: list[Callable[[int], None]] = []
        self._task: asyncio.Task[None] | None = None
        if self.path is None:
            self._version = PolicyVersion(default_policies(), 1)
            return
        sources = read_sources(self.path, self.schema)
        self._seen = sources.fingerprint
        check = compile_sources(sources)
        if check.policies is None:
            raise invalid_policies(check)
        self._version = PolicyVersion(check.policies, 1)
        self._log_loaded()

    # -- what is loaded ----------------------------------------------------------------------
    @property
    def policies(self) -> CompiledPolicies:
        """The policy set in force."""
        return self._version.policies

    @property
    def version(self) -> int:
        """The version of the policy set in force: 1 at start, then one more per reload."""
        return self._version.version

    @property
    def is_default(self) -> bool:
        """The built-in allow-all default is in force (no policy path configured)."""
        return self._version.policies.allow_all

    @property
    def problems(self) -> tuple[PolicyProblem, ...]:
        """Why the last reload failed (the previous set stays in force); empty once one works."""
        return self._problems

    @property
    def last_error(self) -> str | None:
        """The problems of the last failed reload, one per line; None once a reload works."""
        return "\n".join(str(p) for p in self._problems) or None

    # -- reloading ---------------------------------------------------------------------------
    def on_change(self, listener: Callable[[int], None]) -> Callable[[], None]:
        """Call ``listener(version)`` after each successful reload; returns an unsubscriber.

        Listeners run where the reload happens: in the event loop under
        :meth:`start_watching`, else in the caller of :meth:`check_for_changes`.
        """
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _read_if_changed(self, path: Path) -> PolicyCheck | None:
        with self._lock:
            sources = read_sources(path, self.schema)
            if sources.fingerprint == self._seen:
                return None
            self._seen = sources.fingerprint
            return compile_sources(sources)

    def _apply(self, check: PolicyCheck | None) -> bool:
        if check is None:
            return False
        if check.policies is None:
            self._problems = check.problems
            log.warning(
                "policies in %s are invalid; version %d stays in force:\n%s",
                self.path,
                self._version.version,
                self.last_error,
            )
            return False
        self._problems = ()
        self._version = PolicyVersion(check.policies, self._version.version + 1)
        self._log_loaded()
        for listener in list(self._listeners):
            try:
                listener(self._version.version)
            except Exception:  # one listener's bug must not stop the others or the reload
                log.exception("policy change listener %r failed", listener)
        return True

    def _log_loaded(self) -> None:
        policies = self._version.policies
        log.info(
            "policies from %s: version %d, %d permit and %d forbid in %d file(s)%s",
            policies.source,
            self._version.version,
            policies.count("permit"),
            policies.count("forbid"),
            len(policies.files),
            f", validated against {policies.schema}" if policies.schema else "",
        )
        if not policies.policies:
            log.warning("no policies in %s: every request is denied", policies.source)

    def check_for_changes(self) -> bool:
        """Reload the policies if their files changed; True if a new set is in force.

        A set that fails to load leaves the last good one in force, logs why, and sets
        :attr:`problems` and :attr:`last_error`.
        """
        if self.path is None:
            return False
        return self._apply(self._read_if_changed(self.path))

    def start_watching(self) -> None:
        """Check for changes every ``interval`` seconds, in the background, until
        :meth:`stop_watching`. Needs a running event loop; does nothing without a path."""
        if self.path is not None and self._task is None:
            watch = self._watch(self.path)
            self._task = asyncio.get_running_loop().create_task(watch, name="policy-watch")

    async def stop_watching(self) -> None:
        """Stop the background checks."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _watch(self, path: Path) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                # Reading and compiling block: a thread does them; the swap happens here.
                self._apply(await asyncio.to_thread(self._read_if_changed, path))
            except Exception:
                log.exception("checking the policies in %s failed", path)

    # -- deciding ----------------------------------------------------------------------------
    def decide(
        self,
        principal: str,
        roles: Iterable[str],
        action: str,
        resource_kind: str,
        resource_name: str,
        *,
        context: Mapping[str, Any] | None = None,
        attributes: Mapping[str, Any] | None = None,
    ) -> Decision:
        """May ``principal`` (holding ``roles``) do ``action`` to the ``resource_kind`` named
        ``resource_name``? ``context`` is Cedar's ``context`` record (``transport``,
        ``session``, ...); ``attributes`` become the resource's entity attributes."""
        attrs = {resource_name: attributes} if attributes else None
        question = Question.of(
            principal, roles, action, resource_kind, context=context, attributes=attrs
        )
        return self._version.decide(question, [resource_name])[0]

    def allowed_names(
        self,
        principal: str,
        roles: Iterable[str],
        action: str,
        kind: str,
        names: Sequence[str],
        *,
        context: Mapping[str, Any] | None = None,
        attributes: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> list[str]:
        """Those of ``names`` (all of one ``kind``) that ``principal`` may ``action``, in
        order. ``attributes`` maps a name to its resource's attributes.

        Decided in one Cedar batch; decisions this policy version already made are cached.
        """
        question = Question.of(
            principal, roles, action, kind, context=context, attributes=attributes
        )
        decisions = self._version.decide(question, names)
        return [name for name, d in zip(names, decisions, strict=True) if d.allowed]

    def require(
        self,
        principal: str,
        roles: Iterable[str],
        action: str,
        resource_kind: str,
        resource_name: str,
        *,
        context: Mapping[str, Any] | None = None,
        attributes: Mapping[str, Any] | None = None,
    ) -> Decision:
        """:meth:`decide`, raising unless allowed.

        Raises:
            PermissionDenied: the request is denied.
        """
        decision = self.decide(
            principal,
            roles,
            action,
            resource_kind,
            resource_name,
            context=context,
            attributes=attributes,
        )
        if not decision.allowed:
            name = json.dumps(resource_name)
            raise PermissionDenied(f"{principal} may not {action} {resource_kind} {name}")
        return decision

    def explanation(
        self,
        principal: str,
        roles: Iterable[str],
        action: str,
        resource_kind: str,
        resource_name: str,
        *,
        context: Mapping[str, Any] | None = None,
        attributes: Mapping[str, Any] | None = None,
    ) -> Explanation:
        """The decision :meth:`decide` makes, with the policies behind it."""
        version = self._version
        attrs = {resource_name: attributes} if attributes else None
        question = Question.of(
            principal, roles, action, resource_kind, context=context, attributes=attrs
        )
        decision = version.decide(question, [resource_name])[0]
        overridden: tuple[str, ...] = ()
        if decision.forbidden:  # which permits did the forbid beat?
            overridden = version.evaluate(question, [resource_name], permits_only=True)[0].reasons
        policies = version.policies
        return Explanation(
            decision=decision,
            principal=entity_label(USER, principal),
            roles=question.roles,
            action=action,
            resource=entity_label(RESOURCE_KINDS.get(resource_kind, "?"), resource_name),
            namespace=namespace_of(resource_kind, resource_name),
            context=dict(context or {}),
            source=policies.source,
            determining=tuple(policies.policies[r] for r in decision.reasons),
            overridden=tuple(policies.policies[r] for r in overridden),
        )

    def explain(
        self,
        principal: str,
        roles: Iterable[str],
        action: str,
        resource_kind: str,
        resource_name: str,
        *,
        context: Mapping[str, Any] | None = None,
        attributes: Mapping[str, Any] | None = None,
    ) -> str:
        """A human-readable account of the decision: allow or deny, and which policy
        permitted or forbade it (or that none permits it)."""
        explanation = self.explanation(
            principal,
            roles,
            action,
            resource_kind,
            resource_name,
            context=context,
            attributes=attributes,
        )
        return str(explanation)
