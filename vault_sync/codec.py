"""Vault file text ↔ entity, for each kind of managed file.

Rendering is always done *onto* the file's current text: only the parts whose meaning
changed are rewritten (a frontmatter key, the body, the board), so unknown keys, comments,
spacing and the board's settings block stay byte for byte. ``parse(render(e, t)) == e``
and ``render(parse(t), t) == t``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from vault_sync.errors import FrontmatterError
from vault_sync.frontmatter import (
    DELETE,
    Document,
    parse_frontmatter,
    split_document,
    update_frontmatter,
)
from vault_sync.kanban import new_board_file, parse_board, serialize_board
from vault_sync.markdown import frontmatter_list
from vault_sync.model import (
    Board,
    Entity,
    EntityKind,
    PromptArgument,
    VaultNote,
    VaultPrompt,
)

__all__ = ["parse_entity", "read_id", "render_entity", "same_entity"]

_PROMPT_KEYS = ("id", "name", "description", "arguments", "labels")
_NOTE_KEYS = ("id", "tags", "aliases")
_MISSING = object()


def _stem(location: str) -> str:
    name = location.rsplit("/", 1)[-1]
    return name[:-3] if name.endswith(".md") else name


def _split_body(body: str) -> tuple[str, str]:
    """(blank lines after the frontmatter, the content without its final newline)."""
    content = body.lstrip("\n")
    gap = body[: len(body) - len(content)]
    return gap, content[:-1] if content.endswith("\n") else content


def _arguments(value: Any) -> tuple[PromptArgument, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise FrontmatterError("'arguments' must be a list")
    out: list[PromptArgument] = []
    for item in value:
        if isinstance(item, str):
            out.append(PromptArgument(item))
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            out.append(
                PromptArgument(
                    item["name"],
                    str(item.get("description") or ""),
                    bool(item.get("required", False)),
                )
            )
        else:
            raise FrontmatterError("each of 'arguments' needs a name")
    return tuple(out)


def _argument_yaml(argument: PromptArgument) -> dict[str, Any]:
    out: dict[str, Any] = {"name": argument.name}
    if argument.description:
        out["description"] = argument.description
    if argument.required:
        out["required"] = True
    return out


def _id(data: dict[str, Any]) -> str:
    value = data.get("id")
    return "" if value is None else str(value)


def parse_entity(
    kind: EntityKind, location: str, text: str, *, frontmatter: dict[str, Any] | None = None
) -> Entity:
    """The entity a file holds. ``location`` is a note's path below ``Knowledge/``, or the
    file name for the other kinds (a board's name, a prompt's name when it has none).
    ``frontmatter``: the text's frontmatter when the caller parsed it already.

    Raises:
        UnreadableFile: the frontmatter or (for boards) the Kanban format is malformed.
    """
    if kind is EntityKind.BOARD:
        return parse_board(text, name=_stem(location)).board
    doc = split_document(text)
    data = parse_frontmatter(doc.frontmatter) if frontmatter is None else frontmatter
    _, body = _split_body(doc.body)
    if kind is EntityKind.PROMPT:
        name = data.get("name")
        return VaultPrompt(
            id=_id(data),
            name=_stem(location) if name is None else str(name),
            template=body,
            description=str(data.get("description") or ""),
            arguments=_arguments(data.get("arguments")),
            labels=frontmatter_list(data.get("labels")),
            properties={k: v for k, v in data.items() if k not in _PROMPT_KEYS},
        )
    return VaultNote(
        id=_id(data),
        path=location,
        body=body,
        tags=frontmatter_list(data.get("tags"), tags=True),
        aliases=frontmatter_list(data.get("aliases")),
        properties={k: v for k, v in data.items() if k not in _NOTE_KEYS},
    )


def read_id(text: str) -> str | None:
    """The frontmatter ``id`` of a file, None when it has none or it cannot be read."""
    try:
        data = parse_frontmatter(split_document(text).frontmatter)
    except FrontmatterError:
        return None
    value = _id(data)
    return value or None


def _owned(entity: VaultPrompt | VaultNote) -> dict[str, Any]:
    """The frontmatter values the entity's own fields stand for (None: key absent)."""
    if isinstance(entity, VaultPrompt):
        return {
            "id": entity.id or None,
            "name": entity.name,
            "description": entity.description or None,
            "arguments": [_argument_yaml(a) for a in entity.arguments] or None,
            "labels": list(entity.labels) or None,
        }
    return {
        "id": entity.id or None,
        "tags": list(entity.tags) or None,
        "aliases": list(entity.aliases) or None,
    }


def _body_of(entity: VaultPrompt | VaultNote) -> str:
    return entity.template if isinstance(entity, VaultPrompt) else entity.body


def _fresh(entity: Entity) -> str:
    if isinstance(entity, Board):
        return serialize_board(new_board_file(entity))
    values = {k: v for k, v in _owned(entity).items() if v is not None}
    values.update(entity.properties or {})
    frontmatter = update_frontmatter(None, values)
    body = _body_of(entity)
    return Document(frontmatter, body + "\n" if body else "").text


def render_entity(
    entity: Entity, onto: str | None = None, location: str = "", *, old: Entity | None = None
) -> str:
    """The file text for ``entity``: a new file, or ``onto`` (the file's text now, read
    from ``location``) with only what differs rewritten. ``old`` is what ``onto`` parses
    to, when the caller has it already.

    Raises:
        UnreadableFile: ``onto`` cannot be parsed.
    """
    if onto is None:
        return _fresh(entity)
    if isinstance(entity, Board):
        file = parse_board(onto, name=_stem(location))
        if file.board == entity:
            return onto
        if replace(file.board, id=entity.id) == entity:  # only the id: touch the frontmatter
            doc = split_document(onto)
            frontmatter = update_frontmatter(doc.frontmatter, {"id": entity.id})
            return replace(doc, frontmatter=frontmatter).text
        return serialize_board(replace(file, board=entity))
    if old is None or old.kind is not entity.kind:
        old = parse_entity(entity.kind, location, onto)
    assert isinstance(old, VaultPrompt | VaultNote)
    changes: dict[str, Any] = {}
    before = _owned(old)
    for key, value in _owned(entity).items():
        if value != before[key]:
            changes[key] = DELETE if value is None else value
    if entity.properties is not None:
        previous = old.properties or {}
        for key in {**previous, **entity.properties}:
            value = entity.properties.get(key, _MISSING)
            if value != previous.get(key, _MISSING):
                changes[key] = DELETE if value is _MISSING else value
    doc = split_document(onto)
    if changes:
        frontmatter = update_frontmatter(doc.frontmatter, changes, valid=True)
        doc = replace(doc, frontmatter=frontmatter)
    body = _body_of(entity)
    if body != _body_of(old):
        gap, _ = _split_body(doc.body)
        doc = replace(doc, body=gap + body + "\n" if body else "")
    return doc.text


def same_entity(left: Entity, right: Entity) -> bool:
    """Whether two entities say the same; ``properties`` None ("not carried") matches any."""
    if (
        isinstance(left, VaultPrompt | VaultNote)
        and isinstance(right, VaultPrompt | VaultNote)
        and (left.properties is None or right.properties is None)
    ):
        return replace(left, properties=None) == replace(right, properties=None)
    return left == right
