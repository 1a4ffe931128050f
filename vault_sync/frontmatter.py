"""YAML frontmatter: split it off a note, read it, and change single keys in place.

A key is changed by replacing only its own lines, so every other key keeps its exact
text — comments, quoting, list style and keys we do not know survive our writes. Keys are
"blocks": a top-level ``key:`` line with the indented (or ``- item``) lines below it.
Dates stay strings, as Obsidian shows them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import yaml

from vault_sync.errors import FrontmatterError

__all__ = [
    "DELETE",
    "Document",
    "FrontmatterBlock",
    "dump_entry",
    "frontmatter_blocks",
    "parse_frontmatter",
    "split_document",
    "update_frontmatter",
]

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


def _without_timestamps(
    resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]],
) -> dict[Any, list[tuple[str, re.Pattern[str]]]]:
    return {
        first: [(tag, regexp) for tag, regexp in entries if tag != _TIMESTAMP]
        for first, entries in resolvers.items()
    }


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe loading, dates left as strings."""


_Loader.yaml_implicit_resolvers = _without_timestamps(yaml.SafeLoader.yaml_implicit_resolvers)

# Strings a YAML 1.2 reader (Obsidian's) would take for numbers although PyYAML (1.1)
# would not: quote them, or an id like ``12e45`` comes back as a float.
_YAML12_NUMBER = re.compile(
    r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
)


class _Dumper(yaml.SafeDumper):
    """Block style with indented lists, as Obsidian writes properties."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


_Dumper.yaml_implicit_resolvers = _without_timestamps(yaml.SafeDumper.yaml_implicit_resolvers)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style: str | None = None
    if "\n" in value:
        style = "|"
    elif _YAML12_NUMBER.fullmatch(value):
        style = "'"
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


@dataclass(frozen=True)
class Document:
    """A note split at its frontmatter fences; ``text`` puts it back together exactly."""

    frontmatter: str | None
    body: str
    opening: str = "---\n"
    closing: str = "---\n"

    @property
    def text(self) -> str:
        """The whole note."""
        if self.frontmatter is None:
            return self.body
        return self.opening + self.frontmatter + self.closing + self.body


def split_document(text: str) -> Document:
    """Split ``text`` into frontmatter (the lines between the ``---`` fences) and body.

    As in Obsidian, frontmatter must open on the first line and be closed; otherwise the
    whole text is body.
    """
    first = text.find("\n")
    if first == -1 or text[:first].rstrip(" \t") != "---":
        return Document(None, text)
    pos = first + 1
    while pos < len(text):
        end = text.find("\n", pos)
        stop = len(text) if end == -1 else end + 1
        if text[pos:stop].rstrip(" \t\n") == "---":
            return Document(text[first + 1 : pos], text[stop:], text[: first + 1], text[pos:stop])
        pos = stop
    return Document(None, text)


def parse_frontmatter(frontmatter: str | None) -> dict[str, Any]:
    """The frontmatter's keys and values (``{}`` when there is none).

    Raises:
        FrontmatterError: the YAML is malformed or is not a mapping with string keys.
    """
    if frontmatter is None or not frontmatter.strip():
        return {}
    try:
        data = yaml.load(frontmatter, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise FrontmatterError(f"malformed frontmatter: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(isinstance(key, str) for key in data):
        raise FrontmatterError("frontmatter is not a mapping of names to values")
    return data


@dataclass(frozen=True)
class FrontmatterBlock:
    """One top-level key's lines (``key`` None: leading comments or trailing blank lines)."""

    key: str | None
    text: str


def _is_key_line(line: str) -> bool:
    if not line or line[0] in " \t\n#" or line.startswith(("- ", "-\n", "---", "...")):
        return False
    return re.search(r":(\s|$)", line) is not None


def frontmatter_blocks(frontmatter: str) -> tuple[FrontmatterBlock, ...] | None:
    """The frontmatter cut into one block per top-level key, or None when its layout
    (flow mappings, multi-line keys, anchors shared across keys) does not allow that."""
    try:
        whole = parse_frontmatter(frontmatter)
    except FrontmatterError:
        return None
    # Trailing blank lines stand apart, so new keys go above them — unless they belong
    # to the last value (a block scalar that keeps its final newlines).
    return _cut(frontmatter, whole, split_tail=True) or _cut(frontmatter, whole, split_tail=False)


def _cut(
    frontmatter: str, whole: dict[str, Any], *, split_tail: bool
) -> tuple[FrontmatterBlock, ...] | None:
    blocks: list[list[Any]] = []
    for line in frontmatter.splitlines(keepends=True):
        if _is_key_line(line) or not blocks:
            blocks.append([None, line])
        else:
            blocks[-1][1] += line
    if split_tail and blocks:
        content = blocks[-1][1]
        stripped = content.rstrip("\n")
        if stripped and len(content) > len(stripped) + 1:
            blocks[-1][1] = stripped + "\n"
            blocks.append([None, content[len(stripped) + 1 :]])
    keys: list[str] = []
    for block in blocks:
        if not _is_key_line(block[1]):
            if block[1].strip() and not all(
                line.lstrip().startswith("#") or not line.strip() for line in block[1].splitlines()
            ):
                return None
            continue
        try:
            data = yaml.load(block[1], Loader=_Loader)
        except yaml.YAMLError:
            return None
        if not isinstance(data, dict) or len(data) != 1:
            return None
        (key,) = data
        if not isinstance(key, str) or key in keys or data[key] != whole.get(key):
            return None
        block[0] = key
        keys.append(key)
    if keys != list(whole):
        return None
    return tuple(FrontmatterBlock(key, text) for key, text in blocks)


def dump_entry(key: str, value: Any) -> str:
    """``key: value`` as YAML lines, in the style Obsidian writes."""
    text: str = yaml.dump(
        {key: value},
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=4096,
    )
    # PyYAML closes a document after a block scalar that keeps trailing newlines; inside
    # a frontmatter that marker would end the mapping.
    return text[: -len("...\n")] if text.endswith("\n...\n") else text


def _gap(block: str) -> str:
    """The blank lines after a key's value that are layout, not part of the value."""
    trimmed = block.rstrip("\n") + "\n"
    if trimmed == block:
        return ""
    try:
        same = yaml.load(trimmed, Loader=_Loader) == yaml.load(block, Loader=_Loader)
    except yaml.YAMLError:
        return ""
    return block[len(trimmed) :] if same else ""


class _Delete:
    def __repr__(self) -> str:
        return "DELETE"


DELETE: Final[Any] = _Delete()
"""A value for :func:`update_frontmatter` that removes the key."""


_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_KEEP = re.compile(r"[|>](?:[1-9]?\+|\+[1-9]?)")


class _Resolver(yaml.resolver.Resolver):
    """Which type a bare scalar reads as, by the loader's own rules."""


_Resolver.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
_RESOLVER = _Resolver()


def _plain_scalar(value: Any) -> bool:
    """Whether ``value`` is a string YAML writes bare and reads back as the same string."""
    return (
        isinstance(value, str)
        and _PLAIN.fullmatch(value) is not None
        and not _YAML12_NUMBER.fullmatch(value)
        and _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
        == "tag:yaml.org,2002:str"
    )


def _add_plain_key(frontmatter: str, key: str, value: str) -> str | None:
    """``frontmatter`` (a valid block mapping) with a new ``key: value`` line after its
    keys, without parsing it; None when its layout needs the careful path."""
    lines = frontmatter.splitlines(keepends=True)
    first = next((ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")), None)
    if first is None or not _is_key_line(first) or not _PLAIN.fullmatch(key):
        return None
    for line in lines:
        if line[:1] in "\"'?&*!|>%@`{[" or line.startswith((f"{key}:", f"{key} :")):
            return None
        if _KEEP.search(line):  # a block scalar that keeps the blank lines at its end
            return None
    body = frontmatter.rstrip("\n")
    tail = frontmatter[len(body) :]
    if len(tail) > 1:  # blank lines at the end stay at the end
        return body + "\n" + f"{key}: {value}\n" + tail[1:]
    return body + "\n" + f"{key}: {value}\n"


def update_frontmatter(
    frontmatter: str | None, changes: Mapping[str, Any], *, valid: bool = False
) -> str:
    """The frontmatter with ``changes`` applied key by key; untouched keys keep their text.

    New keys go after the existing ones; ``DELETE`` removes a key. ``valid`` says the
    caller has parsed ``frontmatter`` already: adding one plain key (a new id) then skips
    the parsing.

    Raises:
        FrontmatterError: the existing frontmatter is malformed.
    """
    if valid and frontmatter and len(changes) == 1:
        ((key, value),) = changes.items()
        if _plain_scalar(value):
            added = _add_plain_key(frontmatter, key, value)
            if added is not None:
                return added
    frontmatter = frontmatter or ""
    blocks = frontmatter_blocks(frontmatter)
    if blocks is None:
        # Unusual layout: rewrite the whole mapping (its values survive, not its styling).
        data = parse_frontmatter(frontmatter)
        for key, value in changes.items():
            if value is DELETE:
                data.pop(key, None)
            else:
                data[key] = value
        return "".join(dump_entry(key, value) for key, value in data.items())
    out = list(blocks)
    for key, value in changes.items():
        index = next((i for i, block in enumerate(out) if block.key == key), None)
        if value is DELETE:
            if index is not None:
                del out[index]
            continue
        entry = FrontmatterBlock(key, dump_entry(key, value))
        if index is not None:
            out[index] = FrontmatterBlock(key, entry.text + _gap(out[index].text))
        else:
            blank_tail = len(out) > 1 and out[-1].key is None and not out[-1].text.strip()
            out.insert(len(out) - 1 if blank_tail else len(out), entry)
    return "".join(block.text for block in out)
