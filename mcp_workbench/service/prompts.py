"""Prompts: immutable numbered versions, movable labels, ``{{var}}`` rendering."""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import Session, col, select

from mcp_workbench.errors import Conflict, InvalidInput, NotFound
from mcp_workbench.service.core import ServiceCore, check_version
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
) -> EventDraft:
    return EventDraft(
        kind,
        "prompt",
        name,
        version,
        {
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

        Raises:
            NotFound: no such prompt.
            Conflict: ``expected_version`` is not the newest version.
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
            check_version("prompt", name, prompt.latest, expected_version)
            msgs = new_msgs or [PromptMessage(**m) for m in current.messages]
            if arguments is not None:
                args = self._arguments(msgs, arguments)
            elif new_msgs is not None:
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
                    description=current.description if description is None else description,
                    message=message,
                    actor=actor,
                    labels=labels,
                )
            ]

        await self.core.commit(mutation, actor)
        return await self.get(name)

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
