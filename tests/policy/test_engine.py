"""PolicyEngine: decisions by principal, role and namespace; forbid; defaults; reloads."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from mcp_workbench.errors import InvalidInput, PermissionDenied
from mcp_workbench.policy import EXAMPLES, PolicyEngine
from tests.policy.conftest import ALICE_NOTES, READERS, write

NO_DELETES = """\
@id("no-deletes")
forbid (principal, action == Action::"call", resource)
when { resource.name like "*.delete" };
"""


@pytest.fixture
def engine(policies: Path) -> PolicyEngine:
    write(policies, "readers.cedar", READERS)
    write(policies, "alice.cedar", ALICE_NOTES)
    return PolicyEngine(policies)


def test_allow_and_deny_by_principal(engine: PolicyEngine) -> None:
    allowed = engine.decide("alice", [], "call", "tool", "notes.read")
    assert allowed.allowed
    assert allowed.reasons == ("alice.cedar:2",)
    assert allowed.version == 1
    assert not engine.decide("bob", [], "call", "tool", "notes.read").allowed


def test_allow_and_deny_by_role(engine: PolicyEngine) -> None:
    assert engine.decide("bob", ["reader"], "read", "resource", "note://x.md").allowed
    assert engine.decide("bob", ["guest", "reader"], "list", "prompt", "review").allowed
    assert not engine.decide("bob", ["guest"], "list", "prompt", "review").allowed
    assert not engine.decide("bob", ["reader"], "write", "board", "roadmap").allowed


def test_allow_and_deny_by_namespace(engine: PolicyEngine) -> None:
    assert engine.decide("alice", [], "call", "tool", "notes.search").allowed
    assert not engine.decide("alice", [], "call", "tool", "prompts.create").allowed
    assert not engine.decide("alice", [], "call", "tool", "notes").allowed  # no namespace


def test_resources_are_in_the_namespace_of_their_scheme(policies: Path) -> None:
    write(
        policies,
        "p.cedar",
        'permit (principal, action == Action::"read", resource in Namespace::"note");',
    )
    engine = PolicyEngine(policies)
    assert engine.decide("bob", [], "read", "resource", "note://projects/x.md").allowed
    assert not engine.decide("bob", [], "read", "resource", "board://roadmap").allowed


def test_forbid_overrides_permit(engine: PolicyEngine, policies: Path) -> None:
    write(policies, "forbid.cedar", NO_DELETES)
    engine.check_for_changes()
    denied = engine.decide("alice", [], "call", "tool", "notes.delete")
    assert not denied.allowed
    assert denied.forbidden
    assert denied.reasons == ("forbid.cedar:1",)
    assert engine.decide("alice", [], "call", "tool", "notes.write").allowed


def test_default_deny_when_the_policies_say_nothing(policies: Path) -> None:
    write(policies, "empty.cedar", "// nothing is permitted yet\n")
    engine = PolicyEngine(policies)
    decision = engine.decide("alice", ["admin"], "list", "tool", "notes.read")
    assert not decision.allowed
    assert not decision.forbidden
    assert decision.reasons == ()
    assert engine.allowed_names("alice", ["admin"], "list", "tool", ["a.b", "c.d"]) == []


def test_built_in_default_allows_everything_for_everyone() -> None:
    engine = PolicyEngine()
    assert engine.is_default
    for action in ("list", "call", "read", "write", "admin"):
        decision = engine.decide("anyone", [], action, "board", "roadmap")
        assert decision.allowed
        assert decision.reasons == ("built-in:allow-all",)
    assert engine.allowed_names("x", [], "list", "tool", ["a.b", "c"]) == ["a.b", "c"]
    assert not engine.check_for_changes()
    assert "built-in default" in engine.explain("x", [], "call", "tool", "a.b")


def test_unknown_things_are_denied_not_raised(engine: PolicyEngine) -> None:
    assert not engine.decide("", [], "call", "tool", "").allowed
    unknown_action = engine.decide("alice", [], "delete", "tool", "notes.read")
    assert not unknown_action.allowed
    assert unknown_action.errors == ("unknown action 'delete'",)
    assert not engine.decide("alice", [], "call", "widget", "notes.read").allowed
    # Cedar has no floats: the request cannot be built, so it is denied with an error.
    floats = engine.decide("alice", [], "call", "tool", "notes.read", attributes={"w": 0.5})
    assert not floats.allowed
    assert floats.errors


def test_context_in_conditions(policies: Path) -> None:
    write(
        policies,
        "local.cedar",
        'permit (principal, action, resource) when { context.transport == "stdio" };',
    )
    engine = PolicyEngine(policies)
    assert engine.policies.uses_context
    local = engine.decide("a", [], "call", "tool", "t.x", context={"transport": "stdio"})
    remote = engine.decide("a", [], "call", "tool", "t.x", context={"transport": "http"})
    assert local.allowed
    assert not remote.allowed
    missing = engine.decide("a", [], "call", "tool", "t.x")
    assert not missing.allowed
    assert "transport" in missing.errors[0]  # the policy erred, so it permitted nothing


def test_allowed_names_filters_in_order(engine: PolicyEngine) -> None:
    names = ["prompts.list", "notes.write", "tasks.get_board", "notes.read", "notes.write"]
    assert engine.allowed_names("alice", [], "call", "tool", names) == [
        "notes.write",
        "notes.read",
        "notes.write",
    ]
    assert engine.allowed_names("bob", ["reader"], "list", "tool", names) == names
    assert engine.allowed_names("bob", [], "list", "tool", names) == []


def test_allowed_names_uses_attributes(policies: Path) -> None:
    write(
        policies,
        "ro.cedar",
        "permit (principal, action, resource is Tool)\n"
        "when { resource has read_only && resource.read_only };",
    )
    engine = PolicyEngine(policies)
    names = [f"ns{i % 7}.tool{i}" for i in range(200)]
    attributes = {name: {"read_only": i % 2 == 0} for i, name in enumerate(names)}
    allowed = engine.allowed_names("a", [], "call", "tool", names, attributes=attributes)
    assert allowed == names[::2]
    # Cached now; the same answers again.
    assert engine.allowed_names("a", [], "call", "tool", names, attributes=attributes) == allowed


def test_require_raises_permission_denied(engine: PolicyEngine) -> None:
    assert engine.require("alice", [], "call", "tool", "notes.read").allowed
    with pytest.raises(PermissionDenied, match=r'bob may not call tool "notes\.read"'):
        engine.require("bob", [], "call", "tool", "notes.read")


def test_explain_names_the_deciding_policy(engine: PolicyEngine, policies: Path) -> None:
    text = engine.explain("bob", ["reader"], "list", "tool", "notes.read")
    assert text.startswith('allow: User::"bob" (roles: reader) may list Tool::"notes.read"')
    assert 'permitted by readers.cedar:1 @id("readers")' in text
    assert "denied by default" in engine.explain("bob", [], "call", "tool", "notes.read")

    write(policies, "forbid.cedar", NO_DELETES)
    engine.check_for_changes()
    explanation = engine.explanation("alice", [], "call", "tool", "notes.delete")
    assert [p.id for p in explanation.determining] == ["forbid.cedar:1"]
    assert [p.id for p in explanation.overridden] == ["alice.cedar:2"]
    text = str(explanation)
    assert 'forbidden by forbid.cedar:1 @id("no-deletes")' in text
    assert "overrides the permit of alice.cedar:2" in text
    assert "(version 2)" in text


def test_a_broken_policy_set_refuses_to_start(policies: Path) -> None:
    write(policies, "bad.cedar", "permit (;")
    with pytest.raises(InvalidInput, match=r"bad\.cedar:1"):
        PolicyEngine(policies)
    with pytest.raises(InvalidInput, match="no such file"):
        PolicyEngine(policies / "missing.cedar")


def test_hot_reload(engine: PolicyEngine, policies: Path, caplog: pytest.LogCaptureFixture) -> None:
    versions: list[int] = []
    engine.on_change(versions.append)
    assert not engine.check_for_changes()  # nothing changed
    assert not engine.decide("bob", [], "call", "tool", "notes.read").allowed

    # A new file: a new policy set, a new version, a new decision.
    write(policies, "bob.cedar", 'permit (principal == User::"bob", action, resource);')
    assert engine.check_for_changes()
    assert engine.version == 2
    assert engine.decide("bob", [], "call", "tool", "notes.read").allowed

    # A broken file: the last good set stays, and the error is exposed and logged.
    write(policies, "bob.cedar", 'permit (principal == User::"bob" action, resource);')
    with caplog.at_level(logging.WARNING, logger="mcp_workbench.policy"):
        assert not engine.check_for_changes()
    assert engine.version == 2
    assert engine.decide("bob", [], "call", "tool", "notes.read").allowed
    error = engine.last_error
    assert error is not None
    assert error.startswith(f"{policies / 'bob.cedar'}:1: unexpected token")
    assert [p.line for p in engine.problems] == [1]
    assert "version 2 stays in force" in caplog.text
    assert not engine.check_for_changes()  # still broken, not reloaded again

    # Fixed: the new policy is in force and the error is gone.
    write(
        policies,
        "bob.cedar",
        'permit (principal == User::"bob", action == Action::"list", resource);',
    )
    assert engine.check_for_changes()
    assert engine.version == 3
    assert engine.last_error is None
    assert not engine.decide("bob", [], "call", "tool", "notes.read").allowed
    assert engine.decide("bob", [], "list", "tool", "notes.read").allowed
    assert versions == [2, 3]

    # Removing a file is a change too.
    (policies / "bob.cedar").unlink()
    assert engine.check_for_changes()
    assert not engine.decide("bob", [], "list", "tool", "notes.read").allowed


def test_a_single_file_reloads(tmp_path: Path) -> None:
    path = write(tmp_path, "only.cedar", READERS)
    engine = PolicyEngine(path)
    assert not engine.decide("bob", [], "list", "tool", "x.y").allowed
    write(tmp_path, "only.cedar", "permit (principal, action, resource);")
    assert engine.check_for_changes()
    assert engine.decide("bob", [], "list", "tool", "x.y").allowed


async def test_watching_reloads_in_the_background(engine: PolicyEngine, policies: Path) -> None:
    engine.interval = 0.01
    reloaded = asyncio.Event()
    engine.on_change(lambda version: reloaded.set())
    engine.start_watching()
    try:
        write(policies, "bob.cedar", 'permit (principal == User::"bob", action, resource);')
        await asyncio.wait_for(reloaded.wait(), timeout=10)
    finally:
        await engine.stop_watching()
    assert engine.decide("bob", [], "call", "tool", "notes.read").allowed


def test_the_examples_give_roles_their_rights() -> None:
    engine = PolicyEngine(EXAMPLES)
    read_only = {"read_only": True}
    destructive = {"destructive": True}
    assert engine.decide(
        "r", ["reader"], "call", "tool", "notes.read", attributes=read_only
    ).allowed
    assert not engine.decide("r", ["reader"], "call", "tool", "notes.write").allowed
    assert not engine.decide("r", ["reader"], "write", "board", "roadmap").allowed
    assert engine.decide("e", ["editor"], "write", "board", "roadmap").allowed
    assert not engine.decide("e", ["editor"], "admin", "tool", "system.info").allowed
    assert not engine.decide(
        "e", ["editor"], "call", "tool", "notes.delete", attributes=destructive
    ).allowed
    stdio = {"transport": "stdio"}
    assert engine.decide(
        "a", ["admin"], "call", "tool", "notes.delete", context=stdio, attributes=destructive
    ).allowed
    assert not engine.decide(
        "a",
        ["admin"],
        "call",
        "tool",
        "notes.delete",
        context={"transport": "http"},
        attributes=destructive,
    ).allowed
