"""``mcp-workbench policy check`` and ``policy explain``, run as real processes.

They must not touch the store: the environment points at a data directory that must stay
absent and a database no one could reach.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from mcp_workbench.policy import EXAMPLES
from tests.conftest import run_cli, server_env
from tests.policy.conftest import ALICE_NOTES, READERS, write

Result = subprocess.CompletedProcess[str]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **server_env(tmp_path / "no-data-dir"),
        "MCP_WORKBENCH_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
    }


@pytest.fixture(autouse=True)
def _no_store_is_opened(tmp_path: Path) -> Iterator[None]:
    yield
    assert not (tmp_path / "no-data-dir").exists()


def policy(env: dict[str, str], *args: str) -> Result:
    result = run_cli("policy", *args, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_check_valid(env: dict[str, str], policies: Path) -> None:
    write(policies, "readers.cedar", READERS)
    write(policies, "alice.cedar", ALICE_NOTES)
    result = policy(env, "check", str(policies))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{policies}: valid: 2 permit and 0 forbid in 2 files\n"

    result = policy(env, "check", str(EXAMPLES), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["valid"] is True
    assert report["schema"] == str(EXAMPLES / "workbench.cedarschema")
    assert (report["permits"], report["forbids"], report["problems"]) == (5, 1, [])


def test_check_invalid(env: dict[str, str], policies: Path) -> None:
    path = write(policies, "bad.cedar", READERS + "\npermit (principal actn, resource);\n")
    result = policy(env, "check", str(policies))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{path}:4: unexpected token `actn`",
        f"{policies}: invalid: 1 problem",
    ]

    result = policy(env, "check", str(path), "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert report["problems"] == [
        {"file": str(path), "line": 4, "message": "unexpected token `actn`"}
    ]


def test_check_against_a_schema(env: dict[str, str], policies: Path) -> None:
    path = write(
        policies, "p.cedar", 'permit (principal, action == Action::"read", resource is Tool);'
    )
    result = policy(env, "check", str(path), "--schema", str(EXAMPLES / "workbench.cedarschema"))
    assert result.returncode == 1
    assert f"{path}:1: " in result.stdout


def test_explain_allow_and_deny(env: dict[str, str], policies: Path) -> None:
    write(policies, "readers.cedar", READERS)
    base = ["explain", "--policies", str(policies), "--principal", "bob"]
    allowed = policy(
        env, *base, "--role", "reader", "--action", "list", "--resource", "tool:notes.read"
    )
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout.startswith('allow: User::"bob" (roles: reader) may list')
    assert 'permitted by readers.cedar:1 @id("readers")' in allowed.stdout

    denied = policy(env, *base, "--action", "call", "--resource", "tool:notes.read", "--json")
    assert denied.returncode == 1
    report = json.loads(denied.stdout)
    assert (report["allowed"], report["decision"], report["reasons"]) == (False, "deny", [])
    assert report["resource"] == 'Tool::"notes.read"'
    assert report["namespace"] == "notes"
    assert "denied by default" in report["explanation"]


def test_explain_a_forbid_with_context_and_attributes(env: dict[str, str]) -> None:
    result = policy(
        env,
        "explain",
        "--policies", str(EXAMPLES),
        "--principal", "eve",
        "--role", "editor",
        "--action", "call",
        "--resource", "tool:notes.delete",
        "--attribute", "destructive=true",
        "--context", "transport=http",
        "--json",
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["context"] == {"transport": "http"}
    assert [p["annotation"] for p in report["determining"]] == [
        "destructive-tools-need-local-admin"
    ]
    assert [p["annotation"] for p in report["overridden"]] == ["editors"]


def test_explain_with_broken_policies_is_one_clean_line(
    env: dict[str, str], policies: Path
) -> None:
    write(policies, "bad.cedar", "permit (;")
    result = policy(
        env, "explain", "--policies", str(policies), "--principal", "a",
        "--action", "list", "--resource", "tool:x",
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("mcp-workbench: error: invalid policies: ")
    assert len(result.stderr.splitlines()) == 1
