"""Compiling policies: syntax errors by line, checks of the model, schema validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcp_workbench.errors import InvalidInput
from mcp_workbench.policy import EXAMPLES, check_policies, load_policies
from tests.policy.conftest import ALICE_NOTES, READERS, write


def test_policies_are_known_by_file_and_line(policies: Path) -> None:
    write(policies, "readers.cedar", READERS)
    write(policies, "alice.cedar", ALICE_NOTES)
    compiled = load_policies(policies)
    assert list(compiled.policies) == ["alice.cedar:2", "readers.cedar:1"]
    readers = compiled.policies["readers.cedar:1"]
    assert readers.annotation == "readers"
    assert readers.effect == "permit"
    assert readers.text == READERS.strip()
    assert compiled.files == ("alice.cedar", "readers.cedar")
    assert not compiled.uses_context


def test_syntax_errors_name_the_line_of_each_broken_policy(policies: Path) -> None:
    path = write(
        policies,
        "bad.cedar",
        "permit (principal, action, resource);\n"
        "\n"
        "permit (principal actn, resource);\n"
        "forbid (principal, action, resource)\n",
    )
    check = check_policies(policies)
    assert not check.ok
    assert [(p.file, p.line) for p in check.problems] == [(str(path), 3), (str(path), 4)]
    assert "actn" in check.problems[0].message
    assert str(check.problems[0]).startswith(f"{path}:3: ")


def test_a_typo_in_an_action_or_type_is_caught_without_a_schema(policies: Path) -> None:
    write(
        policies,
        "typo.cedar",
        'permit (principal in Group::"staff", action == Action::"cal", resource);',
    )
    messages = [p.message for p in check_policies(policies).problems]
    assert messages == [
        'unknown entity type in Group::"staff"',
        'unknown action Action::"cal" (known: list, call, read, write, admin)',
    ]


def test_templates_are_refused(policies: Path) -> None:
    write(policies, "t.cedar", "permit (principal == ?principal, action, resource);")
    (problem,) = check_policies(policies).problems
    assert problem.line == 1
    assert "templates" in problem.message


def test_schema_validation_failure_is_reported_by_line(policies: Path) -> None:
    schema = (EXAMPLES / "workbench.cedarschema").read_text()
    write(policies, "workbench.cedarschema", schema)
    write(
        policies,
        "p.cedar",
        READERS + 'permit (principal, action == Action::"call", resource)\n'
        'when { context.sesion == "x" };\n',
    )
    check = check_policies(policies)
    (problem,) = check.problems
    assert problem.line == 3
    assert problem.message == 'attribute `sesion` in context for Action::"call" not found'


def test_an_invalid_schema_is_a_problem(policies: Path, tmp_path: Path) -> None:
    write(policies, "p.cedar", READERS)
    schema = write(tmp_path, "broken.cedarschema", "entity User in [;")
    (problem,) = check_policies(policies, schema=schema).problems
    assert problem.file == str(schema)
    assert problem.message.startswith("invalid schema:")


def test_load_raises_with_every_problem(policies: Path) -> None:
    write(policies, "bad.cedar", "permit (;\nforbid (;")
    with pytest.raises(InvalidInput, match=r"bad.cedar:1: .* \(and 1 more\)") as raised:
        load_policies(policies)
    assert [p["line"] for p in raised.value.data["problems"]] == [1, 2]


def test_the_examples_are_valid_against_their_schema() -> None:
    check = check_policies(EXAMPLES)
    assert check.ok, check.problems
    assert check.policies is not None
    assert check.policies.schema == "workbench.cedarschema"
    assert check.policies.uses_context
