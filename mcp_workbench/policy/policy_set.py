"""A checked, compiled set of Cedar policies, each known by the file and line it came from.

Compiling checks, per file: Cedar syntax (an error is placed on the line where its policy
starts); that no policy is a template (``?principal``: nothing here would link it); then,
when a schema is given, Cedar's validation against it, else that every entity a policy
names has a type requests can hold and every action is one of
:data:`~mcp_workbench.policy.model.ACTIONS` (a typo there would silently never match).
Every problem is collected, not just the first. Each policy's id is ``<file>:<line>``;
its ``@id`` annotation, if any, is kept beside it.

The schema only validates policies at load time; requests are not checked against it, so
a context attribute the schema does not declare never makes a decision fail.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import cedarpy

from mcp_workbench.errors import InvalidInput
from mcp_workbench.policy.model import ACTION, ACTIONS, ENTITY_TYPES, entity_label
from mcp_workbench.policy.sources import (
    PolicyProblem,
    PolicySources,
    SourceFile,
    Statement,
    read_sources,
    split_statements,
)

__all__ = [
    "BUILT_IN",
    "CompiledPolicies",
    "Policy",
    "PolicyCheck",
    "check_policies",
    "compile_sources",
    "default_policies",
    "invalid_policies",
    "load_policies",
]

BUILT_IN = "<built-in>"
"""The source of the default policy set, used when no policy files are configured."""

Effect = Literal["permit", "forbid"]

_CEDAR_POLICY_ID = re.compile(r"^for policy `policy\d+`, ")


@dataclass(frozen=True, slots=True)
class Policy:
    """One policy as written, and where."""

    id: str
    effect: Effect
    file: str
    line: int
    text: str
    annotation: str | None = None
    """The value of its ``@id("...")`` annotation."""

    def __str__(self) -> str:
        name = f' @id("{self.annotation}")' if self.annotation is not None else ""
        return f"{self.id}{name}"

    def to_dict(self) -> dict[str, Any]:
        """The policy as JSON."""
        return {
            "id": self.id,
            "effect": self.effect,
            "file": self.file,
            "line": self.line,
            "annotation": self.annotation,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class CompiledPolicies:
    """A policy set ready to answer requests."""

    source: str
    """The file or directory read, or :data:`BUILT_IN`."""
    files: tuple[str, ...]
    schema: str | None
    policies: Mapping[str, Policy]
    """Every policy by id, in file and line order."""
    cedar: cedarpy.PolicySet
    permits: cedarpy.PolicySet
    """The permits alone: tells which permits a forbid overrode."""
    uses_context: bool
    """Whether any policy reads ``context``; if none does, decisions do not depend on it."""
    allow_all: bool = False
    """This is the built-in default: every request is allowed."""

    def count(self, effect: Effect) -> int:
        """How many policies have ``effect``."""
        return sum(1 for p in self.policies.values() if p.effect == effect)


@dataclass(frozen=True, slots=True)
class PolicyCheck:
    """What compiling a policy source gave: the policies, or the problems found."""

    sources: PolicySources
    policies: CompiledPolicies | None
    problems: tuple[PolicyProblem, ...]

    @property
    def ok(self) -> bool:
        """The policies can be used."""
        return self.policies is not None


def _policy_set(static: Mapping[str, Any]) -> cedarpy.PolicySet:
    document = {"staticPolicies": dict(static), "templates": {}, "templateLinks": []}
    return cedarpy.PolicySet.from_json_str(json.dumps(document))


def default_policies() -> CompiledPolicies:
    """The built-in policy set: everything is allowed, for everyone.

    It keeps single-user setups working unchanged when no policy files are configured.
    """
    text = "permit (principal, action, resource);"
    policy = Policy("built-in:allow-all", "permit", BUILT_IN, 1, text, "allow-all")
    body = json.loads(cedarpy.policies_to_json_str(text))["staticPolicies"]["policy0"]
    cedar = _policy_set({policy.id: body})
    return CompiledPolicies(
        BUILT_IN, (), None, {policy.id: policy}, cedar, cedar, False, allow_all=True
    )


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def _lint(body: Any) -> tuple[list[str], bool]:
    """What ``body`` (a policy as Cedar JSON) names that no request holds, and whether it
    reads ``context``."""
    complaints: list[str] = []
    uses_context = False
    for node in _walk(body):
        type_, id_ = node.get("type"), node.get("id")
        if isinstance(type_, str) and isinstance(id_, str):
            label = entity_label(type_, id_)
            if type_ not in ENTITY_TYPES:
                complaints.append(f"unknown entity type in {label}")
            elif type_ == ACTION and id_ not in ACTIONS:
                complaints.append(f"unknown action {label} (known: {', '.join(ACTIONS)})")
        entity_type = node.get("entity_type")
        if isinstance(entity_type, str) and entity_type not in ENTITY_TYPES:
            complaints.append(f"unknown entity type {entity_type}")
        uses_context = uses_context or node.get("Var") == "context"
    return complaints, uses_context


def _syntax_problems(
    file: SourceFile, statements: list[Statement], error: ValueError
) -> list[PolicyProblem]:
    # Cedar's parse errors carry no position: parse each policy alone to find which fail.
    found = []
    for statement in statements:
        try:
            cedarpy.policies_to_json_str(statement.text)
        except ValueError as exc:
            found.append(PolicyProblem(str(exc), str(file.path), statement.line))
    return found or [PolicyProblem(str(error), str(file.path))]


def _load_schema(file: SourceFile, problems: list[PolicyProblem]) -> cedarpy.Schema | None:
    try:
        if file.label.endswith(".json"):
            return cedarpy.Schema.from_json_str(file.text)
        return cedarpy.Schema.from_str(file.text)
    except ValueError as exc:
        problems.append(PolicyProblem(f"invalid schema: {exc}", str(file.path)))
        return None


def _compile_file(
    file: SourceFile, schema: cedarpy.Schema | None, problems: list[PolicyProblem]
) -> tuple[list[tuple[Policy, Any]], bool]:
    """The policies of ``file`` with their Cedar JSON, and whether any reads ``context``."""
    statements = split_statements(file.text)
    try:
        document = json.loads(cedarpy.policies_to_json_str(file.text))
    except ValueError as exc:
        problems.extend(_syntax_problems(file, statements, exc))
        return [], False
    static: dict[str, Any] = document.get("staticPolicies", {})
    templates: dict[str, Any] = document.get("templates", {})
    # Cedar numbers a file's policies policy0, policy1, ... in the order they are written.
    aligned = len(static) + len(templates) == len(statements)

    def line_of(policy_id: str) -> int | None:
        index = int(policy_id.removeprefix("policy"))
        return statements[index].line if aligned else None

    for policy_id in templates:
        problems.append(
            PolicyProblem(
                "templates (?principal, ?resource) are not supported: name the entities",
                str(file.path),
                line_of(policy_id),
            )
        )
    compiled = []
    uses_context = False
    for policy_id in sorted(static, key=lambda pid: int(pid.removeprefix("policy"))):
        body = static[policy_id]
        line = line_of(policy_id)
        complaints, reads_context = _lint(body)
        if schema is None:  # else Cedar's validation says the same, with the schema's words
            problems.extend(PolicyProblem(c, str(file.path), line) for c in complaints)
        uses_context = uses_context or reads_context
        index = int(policy_id.removeprefix("policy"))
        policy = Policy(
            id=f"{file.label}:{line if line is not None else policy_id}",
            effect=body["effect"],
            file=file.label,
            line=line or 0,
            text=statements[index].text if aligned else json.dumps(body),
            annotation=body.get("annotations", {}).get("id"),
        )
        compiled.append((policy, body))
    if schema is not None and static:
        result = cedarpy.validate_policies(file.text, schema)
        for error in result.errors:
            line = line_of(error.policy_id) if error.policy_id.startswith("policy") else None
            message = _CEDAR_POLICY_ID.sub("", error.error)  # its ids mean nothing here
            problems.append(PolicyProblem(message, str(file.path), line))
    return compiled, uses_context


def compile_sources(sources: PolicySources) -> PolicyCheck:
    """Check and compile what :func:`read_sources` read; never raises."""
    problems = list(sources.problems)
    schema = _load_schema(sources.schema, problems) if sources.schema else None
    policies: dict[str, Policy] = {}
    bodies: dict[str, Any] = {}
    uses_context = False
    for file in sources.files:
        found: list[PolicyProblem] = []
        compiled, reads_context = _compile_file(file, schema, found)
        problems.extend(sorted(found, key=lambda p: p.line or 0))
        uses_context = uses_context or reads_context
        for policy, body in compiled:
            policies[policy.id] = policy
            bodies[policy.id] = body
    if problems:
        return PolicyCheck(sources, None, tuple(problems))
    try:
        cedar = _policy_set(bodies)
        permits = _policy_set({k: v for k, v in bodies.items() if v["effect"] == "permit"})
    except ValueError as exc:  # every file compiled alone: should not happen together
        return PolicyCheck(sources, None, (PolicyProblem(str(exc), str(sources.path)),))
    compiled_set = CompiledPolicies(
        source=str(sources.path),
        files=tuple(f.label for f in sources.files),
        schema=sources.schema.label if sources.schema else None,
        policies=policies,
        cedar=cedar,
        permits=permits,
        uses_context=uses_context,
    )
    return PolicyCheck(sources, compiled_set, ())


def check_policies(path: str | Path, *, schema: str | Path | None = None) -> PolicyCheck:
    """Read, check and compile the policy file or directory ``path``; never raises."""
    return compile_sources(read_sources(Path(path), Path(schema) if schema else None))


def load_policies(path: str | Path, *, schema: str | Path | None = None) -> CompiledPolicies:
    """The compiled policies of ``path``.

    Raises:
        InvalidInput: they cannot be read or are invalid; ``data["problems"]`` lists why.
    """
    check = check_policies(path, schema=schema)
    if check.policies is None:
        raise invalid_policies(check)
    return check.policies


def invalid_policies(check: PolicyCheck) -> InvalidInput:
    """The error reporting the problems of a failed check: the first, and how many more."""
    first, more = check.problems[0], len(check.problems) - 1
    message = f"invalid policies: {first}" + (f" (and {more} more)" if more else "")
    return InvalidInput(message, data={"problems": [p.to_dict() for p in check.problems]})
