"""Prompts: immutable numbered versions, movable labels, ``{{var}}`` rendering."""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import Session, col, select

from mcp_workbench.errors import Conflict, InvalidInput, NotFound
from mcp_workbench.service.core import ServiceCore, check_version
from mcp_workbench.service.merge import StaleWrite, stale_write
from mcp_workbench.service.models import (
    PromptArgument,
    PromptInfo,
    PromptMessage,
    PromptVersion,
)
from mcp_workbench.service.templates import NAME, check_arguments, placeholders, render
from mcp_workbench.store import EventDraft
from mcp_workbench.store.tables import PromptLabelRow, PromptRow, PromptVersionRow

__all__ = ["LATEST", "PromptService", "split_ref"]

LATEST = "latest"
"""The label every prompt has: its newest version. Kept by the store, never set by hand."""

_PROMPT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_LABEL = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


def split_ref(ref: str) -> tuple[str, str | None, int | None]:
    """``name``, ``name@label`` or ``name@3`` → (name, label, version)."""
    name, _, selector = ref.partition("@")
    if not selector:
        return name, None, None
    if selector.isdigit():
        return name, None, int(selector)
    return name, selector, None


def _check_name(name: str) -> None:
    if not _PROMPT_NAME.match(name):
        raise InvalidInput(
            f"invalid prompt name {name!r}: 1-128 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )


def _check_label(label: str) -> None:
    if label == LATEST:
        raise InvalidInput("'latest' always names the newest version; it cannot be moved")
    if not _LABEL.match(label):
        raise InvalidInput(
            f"invalid label {label!r}: 1-32 lowercase letters, digits, '_' or '-', "
            "starting with a letter"
        )


def _version_event(
    kind: str,
    *,
    name: str,
    version: int,
    created: float,
    now: float,
    messages: list[PromptMessage],
    arguments: list[PromptArgument],
    description: str,
    message: str,
    actor: str,
    labels: Sequence[str],
    merged: Mapping[str, int] | None = None,
) -> EventDraft:
    return EventDraft(
        kind,
        "prompt",
        name,
        version,
        {
            **({} if merged is None else {"merged": dict(merged)}),
            "prompt": {
                "name": name,
                "latest": version,
                "created_at": created,
                "updated_at": now,
            },
            "version": {
                "name": name,
                "version": version,
                "description": description,
                "messages": [m.model_dump() for m in messages],
                "arguments": [a.model_dump() for a in arguments],
                "message": message,
                "author": actor,
                "created_at": now,
            },
            "labels": {label: version for label in labels},
        },
    )


def _stored(version: PromptVersionRow) -> dict[str, Any]:
    """What an update may change in a stored version."""
    return {
        "messages": version.messages,
        "description": version.description,
        "arguments": version.arguments,
    }


def _message_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with its messages as one text field each (``message 1``, ...)."""
    if "messages" not in fields:
        return fields
    split = {k: v for k, v in fields.items() if k != "messages"}
    for i, msg in enumerate(fields["messages"], 1):
        split[f"message {i}"] = msg["text"]
    return split


def _version_model(row: PromptVersionRow, labels: dict[str, int], latest: int) -> PromptVersion:
    """The stored version ``row``, with the labels (of ``labels``) that point at it."""
    pointing = [lbl for lbl, v in sorted(labels.items()) if v == row.version]
    if row.version == latest:
        pointing.insert(0, LATEST)
    return PromptVersion(
        name=row.name,
        version=row.version,
        description=row.description,
        messages=[PromptMessage(**m) for m in row.messages],
        arguments=[PromptArgument(**a) for a in row.arguments],
        message=row.message,
        author=row.author,
        created_at=row.created_at,
        labels=pointing,
    )


class PromptService:
    """Create, version, label and render prompts."""

    def __init__(self, core: ServiceCore) -> None:
        self.core = core

    # -- validation ----------------------------------------------------------------------
    def _messages(
        self, template: str | None, messages: list[PromptMessage] | None
    ) -> list[PromptMessage]:
        if (template is None) == (messages is None):
            raise InvalidInput("give either a template (one user message) or messages")
        result = [PromptMessage(text=template)] if template is not None else list(messages or [])
        if not result:
            raise InvalidInput("a prompt needs at least one message")
        total = sum(len(m.text.encode("utf-8")) for m in result)
        if total > self.core.limits.max_body_bytes:
            raise InvalidInput(
                f"prompt text is {total} bytes; the limit is {self.core.limits.max_body_bytes}"
            )
        return result

    @staticmethod
    def _arguments(
        messages: list[PromptMessage], arguments: list[PromptArgument] | None
    ) -> list[PromptArgument]:
        used = placeholders(m.text for m in messages)
        if arguments is None:
            return [PromptArgument(name=n) for n in used]
        names = [a.name for a in arguments]
        for name in names:
            if not NAME.match(name):
                raise InvalidInput(f"invalid argument name {name!r}")
        if len(set(names)) != len(names):
            raise InvalidInput("argument names must be unique")
        check_arguments(names, used)
        return list(arguments)

    # -- mutations -----------------------------------------------------------------------
    async def create(
        self,
        name: str,
        *,
        template: str | None = None,
        messages: list[PromptMessage] | None = None,
        description: str = "",
        arguments: list[PromptArgument] | None = None,
        labels: Sequence[str] = (),
        actor: str,
    ) -> PromptVersion:
        """A new prompt at version 1.

        Raises:
            InvalidInput: bad name, label, template or arguments.
            Conflict: a prompt of that name exists.
        """
        _check_name(name)
        for label in labels:
            _check_label(label)
        msgs = self._messages(template, messages)
        args = self._arguments(msgs, arguments)

        def mutation(session: Session, now: float) -> list[EventDraft]:
            if session.get(PromptRow, name) is not None:
                raise Conflict(f"prompt {name} exists: update it to make a new version")
            return [
                _version_event(
                    "prompt.created",
                    name=name,
                    version=1,
                    created=now,
                    now=now,
                    messages=msgs,
                    arguments=args,
                    description=description,
                    message="created",
                    actor=actor,
                    labels=labels,
                )
            ]

        await self.core.commit(mutation, actor)
        return await self.get(name)

    async def update(
        self,
        name: str,
        *,
        expected_version: int | None = None,
        template: str | None = None,
        messages: list[PromptMessage] | None = None,
        description: str | None = None,
        arguments: list[PromptArgument] | None = None,
        message: str = "",
        labels: Sequence[str] = (),
        actor: str,
    ) -> PromptVersion:
        """A new version of ``name``; what is not given is carried over from the newest.

        An update based on an older version is merged with the versions made since
        (message texts and the description by lines).

        Raises:
            NotFound: no such prompt.
            Conflict: ``expected_version`` is ahead, or the changes since clash with this.
            InvalidInput: bad template, arguments or label.
        """
        for label in labels:
            _check_label(label)
        new_msgs = (
            self._messages(template, messages)
            if template is not None or messages is not None
            else None
        )

        def mutation(session: Session, now: float) -> list[EventDraft]:
            prompt, current = self._load(session, name)
            given_msgs, given_description, given_args = new_msgs, description, arguments
            stale = stale_write("prompt", name, prompt.latest, expected_version)
            if stale is not None:
                base = session.get(PromptVersionRow, (name, stale.expected))
                given_msgs, given_description, given_args = self._merge_stale(
                    stale,
                    base,
                    current,
                    messages=new_msgs,
                    description=description,
                    arguments=arguments,
                )
            msgs = given_msgs or [PromptMessage(**m) for m in current.messages]
            if given_args is not None:
                args = self._arguments(msgs, given_args)
            elif given_msgs is not None:
                kept = {a["name"]: PromptArgument(**a) for a in current.arguments}
                args = [kept.get(a.name, a) for a in self._arguments(msgs, None)]
            else:
                args = [PromptArgument(**a) for a in current.arguments]
            version = prompt.latest + 1
            return [
                _version_event(
                    "prompt.versioned",
                    name=name,
                    version=version,
                    created=prompt.created_at,
                    now=now,
                    messages=msgs,
                    arguments=args,
                    description=current.description
                    if given_description is None
                    else given_description,
                    message=message,
                    actor=actor,
                    labels=labels,
                    merged=None if stale is None else stale.marker,
                )
            ]

        await self.core.commit(mutation, actor)
        return await self.get(name)

    def _merge_stale(
        self,
        stale: StaleWrite,
        base: PromptVersionRow | None,
        current: PromptVersionRow,
        *,
        messages: list[PromptMessage] | None,
        description: str | None,
        arguments: list[PromptArgument] | None,
    ) -> tuple[list[PromptMessage] | None, str | None, list[PromptArgument] | None]:
        """What an update based on version ``base`` sets, merged with ``current``: each
        message's text by lines while every side has the same roles in the same order,
        the description by lines, the arguments as a whole.

        Raises:
            Conflict: the changes clash.
            InvalidInput: the merged messages are too long.
        """
        incoming: dict[str, Any] = {}
        if messages is not None:
            incoming["messages"] = [m.model_dump() for m in messages]
        if description is not None:
            incoming["description"] = description
        if arguments is not None:
            incoming["arguments"] = [a.model_dump() for a in arguments]
        was = None if base is None else _stored(base)
        now = _stored(current)
        roles = {tuple(m["role"] for m in side["messages"]) for side in (was, now) if side}
        if messages is not None:
            roles.add(tuple(m.role for m in messages))
        by_message = messages is not None and len(roles) == 1
        if by_message:
            was = None if was is None else _message_fields(was)
            now, incoming = _message_fields(now), _message_fields(incoming)
        texts = ["description", *(key for key in incoming if key.startswith("message "))]
        merged = stale.merge(was, now, incoming, text=texts)
        if by_message:
            (order,) = roles
            merged["messages"] = [
                {"role": role, "text": merged[f"message {i}"]} for i, role in enumerate(order, 1)
            ]
        return (
            None
            if "messages" not in merged
            else self._messages(None, [PromptMessage(**m) for m in merged["messages"]]),
            merged.get("description"),
            None
            if "arguments" not in merged
            else [PromptArgument(**a) for a in merged["arguments"]],
        )

    async def set_label(
        self,
        name: str,
        label: str,
        version: int | None,
        *,
        expected_version: int | None = None,
        actor: str,
    ) -> PromptInfo:
        """Point ``label`` at ``version`` (None removes the label).

        Raises:
            InvalidInput: ``label`` is invalid or is ``latest``.
            NotFound: no such prompt or version.
            Conflict: ``expected_version`` is not the newest version.
        """
        _check_label(label)

        def mutation(session: Session, _now: float) -> list[EventDraft]:
            prompt, _ = self._load(session, name)
            check_version("prompt", name, prompt.latest, expected_version)
            if version is not None and not 1 <= version <= prompt.latest:
                raise NotFound(f"prompt {name} has no version {version} (latest: {prompt.latest})")
            payload: dict[str, Any] = {"name": name, "label": label, "version": version}
            if version is not None:
                # What the label now serves, so followers need not read the version back.
                target = session.get(PromptVersionRow, (name, version))
                assert target is not None
                payload["description"] = target.description
                payload["arguments"] = target.arguments
            return [EventDraft("prompt.labelled", "prompt", name, prompt.latest, payload)]

        await self.core.commit(mutation, actor)
        return await self.info(name)

    async def rename(
        self, name: str, new_name: str, *, expected_version: int | None = None, actor: str
    ) -> PromptInfo:
        """Give a prompt a new name, keeping its versions, labels and feedback.

        Raises:
            InvalidInput: ``new_name`` is not a valid prompt name.
            NotFound: no such prompt.
            Conflict: a prompt is called ``new_name``, or the version is stale.
        """
        _check_name(new_name)

        def mutation(session: Session, now: float) -> list[EventDraft]:
            prompt, _ = self._load(session, name)
            check_version("prompt", name, prompt.latest, expected_version)
            if new_name == name:
                return []
            if session.get(PromptRow, new_name) is not None:
                raise Conflict(f"a prompt is already called {new_name!r}")
            state = {
                "name": new_name,
                "latest": prompt.latest,
                "created_at": prompt.created_at,
                "updated_at": now,
            }
            return [
                EventDraft(
                    "prompt.renamed",
                    "prompt",
                    new_name,
                    prompt.latest,
                    {"from": name, "prompt": state},
                )
            ]

        await self.core.commit(mutation, actor)
        return await self.info(new_name)

    async def delete(self, name: str, *, expected_version: int | None = None, actor: str) -> None:
        """Delete a prompt and all its versions.

        Raises:
            NotFound: no such prompt.
            Conflict: ``expected_version`` is not the newest version.
        """

        def mutation(session: Session, _now: float) -> list[EventDraft]:
            prompt, _ = self._load(session, name)
            check_version("prompt", name, prompt.latest, expected_version)
            return [EventDraft("prompt.deleted", "prompt", name, prompt.latest, {"name": name})]

        await self.core.commit(mutation, actor)

    # -- reads ---------------------------------------------------------------------------
    @staticmethod
    def _load(session: Session, name: str) -> tuple[PromptRow, PromptVersionRow]:
        prompt = session.get(PromptRow, name)
        if prompt is None:
            raise NotFound(f"no prompt named {name!r}", data={"name": name})
        current = session.get(PromptVersionRow, (name, prompt.latest))
        assert current is not None
        return prompt, current

    @staticmethod
    def _labels(session: Session, name: str) -> dict[str, int]:
        rows = session.exec(select(PromptLabelRow).where(col(PromptLabelRow.name) == name))
        return {r.label: r.version for r in rows}

    def _read_version(
        self, session: Session, name: str, label: str | None, version: int | None
    ) -> PromptVersion:
        prompt, latest = self._load(session, name)
        labels = self._labels(session, name)
        if label is not None and label != LATEST:
            if label not in labels:
                raise NotFound(f"prompt {name} has no label {label!r}")
            version = labels[label]
        number = version if version is not None else prompt.latest
        row = latest if number == prompt.latest else session.get(PromptVersionRow, (name, number))
        if row is None:
            raise NotFound(f"prompt {name} has no version {number} (latest: {prompt.latest})")
        return _version_model(row, labels, prompt.latest)

    async def get(
        self, name: str, *, label: str | None = None, version: int | None = None
    ) -> PromptVersion:
        """One version of a prompt: by ``label``, by number, or the newest.

        Raises:
            NotFound: no such prompt, label or version.
        """
        return await self.core.db.read(lambda s: self._read_version(s, name, label, version))

    async def versions(self, name: str) -> builtins.list[PromptVersion]:
        """Every version of a prompt, newest first, each with the labels pointing at it.

        Raises:
            NotFound: no such prompt.
        """

        def read(session: Session) -> builtins.list[PromptVersion]:
            prompt, _ = self._load(session, name)
            labels = self._labels(session, name)
            rows = session.exec(
                select(PromptVersionRow)
                .where(col(PromptVersionRow.name) == name)
                .order_by(col(PromptVersionRow.version).desc())
            )
            return [_version_model(row, labels, prompt.latest) for row in rows]

        return await self.core.db.read(read)

    def _info(self, session: Session, prompt: PromptRow) -> PromptInfo:
        current = session.get(PromptVersionRow, (prompt.name, prompt.latest))
        assert current is not None
        return PromptInfo(
            name=prompt.name,
            latest=prompt.latest,
            description=current.description,
            labels={LATEST: prompt.latest, **self._labels(session, prompt.name)},
            arguments=[PromptArgument(**a) for a in current.arguments],
            updated_at=prompt.updated_at,
        )

    async def info(self, name: str) -> PromptInfo:
        """A prompt's newest version number and labels.

        Raises:
            NotFound: no such prompt.
        """
        return await self.core.db.read(lambda s: self._info(s, self._load(s, name)[0]))

    async def list(self) -> list[PromptInfo]:
        """Every prompt, by name."""

        def read(session: Session) -> builtins.list[PromptInfo]:
            rows = session.exec(select(PromptRow).order_by(col(PromptRow.name)))
            return [self._info(session, row) for row in rows]

        return await self.core.db.read(read)

    async def render(
        self,
        ref: str,
        values: Mapping[str, str],
        *,
        label: str | None = None,
        version: int | None = None,
    ) -> tuple[PromptVersion, builtins.list[PromptMessage]]:
        """The messages of prompt ``ref`` (``name``, ``name@label``, ``name@3``) filled in.

        Raises:
            NotFound: no such prompt, label or version.
            InvalidInput: a required argument is missing.
        """
        name, ref_label, ref_version = split_ref(ref)
        chosen = await self.get(
            name, label=label or ref_label, version=version if version is not None else ref_version
        )
        missing = [a.name for a in chosen.arguments if a.required and a.name not in values]
        if missing:
            raise InvalidInput(
                f"prompt {name} needs the argument(s): {', '.join(missing)}",
                data={"missing": missing},
            )
        filled = {k: str(v) for k, v in values.items()}
        for arg in chosen.arguments:
            filled.setdefault(arg.name, "")
        return chosen, [
            PromptMessage(role=m.role, text=render(m.text, filled)) for m in chosen.messages
        ]
