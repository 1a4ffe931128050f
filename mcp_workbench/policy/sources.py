"""Policy files as read from disk: their text, the line of each policy, and a fingerprint.

A policy source is one ``.cedar`` file or a directory of them (``*.cedar``, not recursive,
in name order). A schema is optional: given explicitly, or found in the directory as its
one ``*.cedarschema`` (Cedar syntax) or ``*.cedarschema.json`` (JSON) file. Reading never
raises: what cannot be read becomes a :class:`PolicyProblem`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "SCHEMA_SUFFIXES",
    "PolicyProblem",
    "PolicySources",
    "SourceFile",
    "Statement",
    "read_sources",
    "split_statements",
]

SCHEMA_SUFFIXES = (".cedarschema", ".cedarschema.json")


@dataclass(frozen=True, slots=True)
class PolicyProblem:
    """Why a policy file, or the set as a whole, cannot be used: in which file (its path)
    and on which line (where the policy at fault starts), as far as is known."""

    message: str
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = ":".join(str(part) for part in (self.file, self.line) if part is not None)
        return f"{where}: {self.message}" if where else self.message

    def to_dict(self) -> dict[str, Any]:
        """The problem as JSON: ``file``, ``line`` (either may be null) and ``message``."""
        return {"file": self.file, "line": self.line, "message": self.message}


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file's text, and its label: its name, which policy ids start with."""

    label: str
    path: Path
    text: str


@dataclass(frozen=True, slots=True)
class Statement:
    """One policy as written: the line it starts on and its text, up to its ``;``."""

    line: int
    text: str


@dataclass(frozen=True, slots=True)
class PolicySources:
    """Everything read for one load, and a fingerprint that changes when any of it does."""

    path: Path
    files: tuple[SourceFile, ...]
    schema: SourceFile | None
    problems: tuple[PolicyProblem, ...]
    fingerprint: str


def _read(path: Path, label: str, problems: list[PolicyProblem]) -> SourceFile | None:
    try:
        return SourceFile(label, path, path.read_bytes().decode("utf-8"))
    except OSError as exc:
        problems.append(PolicyProblem(f"cannot read: {exc.strerror or exc}", str(path)))
    except UnicodeDecodeError:
        problems.append(PolicyProblem("not UTF-8 text", str(path)))
    return None


def _schema_in(directory: Path, problems: list[PolicyProblem]) -> Path | None:
    found = sorted(p for p in directory.iterdir() if p.name.endswith(SCHEMA_SUFFIXES))
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        problems.append(PolicyProblem(f"several schema files ({names}): keep one", str(directory)))
        return None
    return found[0] if found else None


def read_sources(path: Path, schema: Path | None = None) -> PolicySources:
    """Read the policy file or directory ``path`` and the schema (given, or found in it)."""
    problems: list[PolicyProblem] = []
    files: list[SourceFile] = []
    if path.is_dir():
        try:
            candidates = sorted(p for p in path.glob("*.cedar") if p.is_file())
            if schema is None:
                schema = _schema_in(path, problems)
        except OSError as exc:
            candidates = []
            problems.append(PolicyProblem(f"cannot list: {exc.strerror or exc}", str(path)))
        files = [f for p in candidates if (f := _read(p, p.name, problems))]
    elif path.exists():
        files = [f for f in [_read(path, path.name, problems)] if f]
    else:
        problems.append(PolicyProblem("no such file or directory", str(path)))
    schema_file = _read(schema, schema.name, problems) if schema is not None else None

    digest = hashlib.sha256()
    for part in [*files, *([schema_file] if schema_file else [])]:
        digest.update(f"{part.label}\0{len(part.text)}\0".encode())
        digest.update(part.text.encode())
    for problem in problems:
        digest.update(f"!{problem}\0".encode())
    return PolicySources(path, tuple(files), schema_file, tuple(problems), digest.hexdigest())


def split_statements(text: str) -> list[Statement]:
    """Cut Cedar policy text into its policies, each with the line it starts on.

    Knows just enough of Cedar's syntax to do that: ``//`` comments, strings with
    backslash escapes, and ``;`` ending a policy. Text after the last ``;`` that is not
    blank or a comment is a statement too (missing its ``;``).
    """
    statements: list[Statement] = []
    start: int | None = None  # offset where the current statement began
    start_line = line = 1
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "\n":
            line += 1
        elif char == "/" and text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif not char.isspace():
            if start is None:
                start, start_line = i, line
            if char == '"':
                i += 1
                while i < n and text[i] != '"':
                    if text[i] == "\\":
                        i += 1  # the escaped character cannot close the string
                    if i < n and text[i] == "\n":
                        line += 1
                    i += 1
            elif char == ";":
                statements.append(Statement(start_line, text[start : i + 1]))
                start = None
        i += 1
    if start is not None:
        statements.append(Statement(start_line, text[start:].rstrip()))
    return statements
