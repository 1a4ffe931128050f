"""Reading policy sources: statements and their lines, fingerprints, schema discovery."""

from __future__ import annotations

from pathlib import Path

from mcp_workbench.policy.sources import read_sources, split_statements
from tests.policy.conftest import write


def test_statements_start_where_their_policy_starts() -> None:
    text = (
        "// a comment; with a semicolon\n"
        "permit (principal, action, resource);\n"
        "\n"
        '@id("two")\n'
        "forbid (principal, action, resource)\n"
        '  when { context.x == "a;b\\"c" };\n'
        "permit (principal, action, resource)"
    )
    statements = split_statements(text)
    assert [s.line for s in statements] == [2, 4, 7]
    assert statements[1].text.startswith('@id("two")')
    assert statements[1].text.endswith('"a;b\\"c" };')
    assert statements[2].text == "permit (principal, action, resource)"


def test_nothing_but_comments_is_no_statement() -> None:
    assert split_statements("// nothing\n\n  // here\n") == []


def test_fingerprint_follows_content(policies: Path) -> None:
    write(policies, "a.cedar", "permit (principal, action, resource);")
    first = read_sources(policies)
    assert read_sources(policies).fingerprint == first.fingerprint
    write(policies, "a.cedar", "forbid (principal, action, resource);")  # same size
    assert read_sources(policies).fingerprint != first.fingerprint


def test_directory_schema_is_found_and_files_are_in_name_order(policies: Path) -> None:
    write(policies, "b.cedar", "")
    write(policies, "a.cedar", "")
    write(policies, "notes.txt", "not a policy")
    write(policies, "model.cedarschema", "entity User;")
    sources = read_sources(policies)
    assert [f.label for f in sources.files] == ["a.cedar", "b.cedar"]
    assert sources.schema is not None
    assert sources.schema.label == "model.cedarschema"
    assert sources.problems == ()


def test_two_schemas_and_a_missing_path_are_problems(policies: Path) -> None:
    write(policies, "one.cedarschema", "")
    write(policies, "two.cedarschema", "")
    assert "several schema files" in str(read_sources(policies).problems[0])
    missing = read_sources(policies / "nope")
    assert [p.message for p in missing.problems] == ["no such file or directory"]
