"""``prompts.*`` tools, and stored prompts served as MCP prompts."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from mcp_workbench.registry import Prompt, Registry, ToolContext
from mcp_workbench.service import (
    PromptArgument,
    PromptInfo,
    PromptMessage,
    PromptVersion,
    Workbench,
    split_ref,
)
from mcp_workbench.tools import entity_access as access

__all__ = ["SERVED_LABEL", "PromptList", "Rendered", "actor_of", "register", "stored_prompt"]

_READ = {"readOnlyHint": True, "idempotentHint": True}
_WRITE = {"readOnlyHint": False, "destructiveHint": False}

Name = Annotated[str, Field(description="Prompt name, e.g. 'code-review'.")]
ExpectedVersion = Annotated[
    int | None,
    Field(description="The version your change is based on; a newer one makes this fail."),
]
Template = Annotated[
    str | None, Field(description="The text of a one-message prompt; {{name}} marks an argument.")
]
Messages = Annotated[
    list[PromptMessage] | None,
    Field(description="Several messages (role user/assistant), instead of a template."),
]


class PromptList(BaseModel):
    """Every stored prompt."""

    prompts: list[PromptInfo]


class Rendered(BaseModel):
    """A prompt version filled in with arguments."""

    name: str
    version: int
    messages: list[PromptMessage]


def actor_of(ctx: ToolContext) -> str:
    """Who a tool call acts for, as recorded in the event log."""
    return ctx.principal or "anonymous"


def _messages(messages: list[PromptMessage]) -> list[dict[str, Any]]:
    return [{"role": m.role, "content": {"type": "text", "text": m.text}} for m in messages]


SERVED_LABEL = "production"
"""The label a stored prompt's plain name serves when set; otherwise the newest version."""


def stored_prompt(
    workbench: Workbench,
    name: str,
    arguments: list[PromptArgument],
    description: str,
    *,
    label: str | None = None,
    version: int | None = None,
    ref: str | None = None,
) -> Prompt:
    """The MCP prompt rendering stored prompt ``name`` at ``label`` or ``version`` (the
    newest when neither), listed with ``arguments`` and ``description``.

    ``ref`` (``name@label``, ``name@3``) names a variant asked for by name; such a prompt
    takes any arguments and lets the chosen version say which are missing.
    """

    async def render(**values: str) -> dict[str, Any]:
        chosen, messages = await workbench.prompts.render(
            name, values, label=label, version=version
        )
        result: dict[str, Any] = {"messages": _messages(messages)}
        if chosen.description:
            result["description"] = chosen.description
        return result

    params = [(a.name, a.description or None, a.required) for a in arguments]
    return Prompt.from_arguments(
        ref or name,
        render,
        [] if ref else params,
        description=description or None,
        accepts_extra=ref is not None,
    )


def _name(prompt: PromptInfo) -> str:
    return prompt.name


def register(registry: Registry, workbench: Workbench) -> None:
    """Add the ``prompts.*`` tools to ``registry``."""
    service = workbench.prompts

    @registry.tool("prompts.list", annotations=_READ, title="List prompts")
    async def list_prompts(ctx: ToolContext) -> PromptList:
        """Every stored prompt with its newest version, labels and arguments."""
        prompts = await service.list()
        return PromptList(prompts=ctx.visible("prompt", prompts, _name))

    @registry.tool("prompts.get", annotations=_READ, title="Read a prompt version")
    async def get(
        ctx: ToolContext,
        name: Name,
        label: Annotated[str | None, Field(description="e.g. 'production'")] = None,
        version: Annotated[int | None, Field(description="A version number.")] = None,
    ) -> PromptVersion:
        """One version of a prompt: by label, by number, or the newest."""
        access.prompt(ctx, "read", split_ref(name)[0])
        return await service.get(name, label=label, version=version)

    @registry.tool("prompts.create", annotations=_WRITE, title="Create a prompt")
    async def create(
        ctx: ToolContext,
        name: Name,
        template: Template = None,
        messages: Messages = None,
        description: str = "",
        arguments: Annotated[
            list[PromptArgument] | None,
            Field(description="Declared arguments; by default every {{placeholder}}."),
        ] = None,
        labels: Annotated[list[str], Field(description="Labels to put on version 1.")] = [],  # noqa: B006
    ) -> PromptVersion:
        """Create a prompt (version 1) from a template or messages."""
        access.prompt(ctx, "write", name, new=True)
        return await service.create(
            name,
            template=template,
            messages=messages,
            description=description,
            arguments=arguments,
            labels=labels,
            actor=actor_of(ctx),
        )

    @registry.tool("prompts.update", annotations=_WRITE, title="New prompt version")
    async def update(
        ctx: ToolContext,
        name: Name,
        expected_version: ExpectedVersion = None,
        template: Template = None,
        messages: Messages = None,
        description: str | None = None,
        arguments: list[PromptArgument] | None = None,
        message: Annotated[str, Field(description="What changed, for the history.")] = "",
        labels: Annotated[list[str], Field(description="Labels to move to it.")] = [],  # noqa: B006
    ) -> PromptVersion:
        """Make a new version of a prompt; what is not given is kept from the newest. An
        update based on an older version is merged with the versions made since; it fails,
        naming what clashed, only where both changed the same lines or values."""
        access.prompt(ctx, "write", name)
        return await service.update(
            name,
            expected_version=expected_version,
            template=template,
            messages=messages,
            description=description,
            arguments=arguments,
            message=message,
            labels=labels,
            actor=actor_of(ctx),
        )

    @registry.tool("prompts.set_label", annotations=_WRITE, title="Move a prompt label")
    async def set_label(
        ctx: ToolContext,
        name: Name,
        label: Annotated[str, Field(description="e.g. 'production' or 'staging'.")],
        version: Annotated[int | None, Field(description="The version; null removes it.")],
        expected_version: ExpectedVersion = None,
    ) -> PromptInfo:
        """Point a label at a version of a prompt, or remove it."""
        access.prompt(ctx, "write", name)
        return await service.set_label(
            name, label, version, expected_version=expected_version, actor=actor_of(ctx)
        )

    @registry.tool("prompts.delete", annotations={"destructiveHint": True}, title="Delete a prompt")
    async def delete(ctx: ToolContext, name: Name, expected_version: ExpectedVersion = None) -> str:
        """Delete a prompt with all its versions."""
        access.prompt(ctx, "write", name)
        await service.delete(name, expected_version=expected_version, actor=actor_of(ctx))
        return f"Deleted prompt {name}"

    @registry.tool("prompts.render", annotations=_READ, title="Render a prompt")
    async def render(
        ctx: ToolContext,
        name: Annotated[str, Field(description="Name, 'name@label' or 'name@3'.")],
        arguments: dict[str, str] = {},  # noqa: B006
        label: str | None = None,
        version: int | None = None,
    ) -> Rendered:
        """Fill a prompt version's {{placeholders}} with arguments."""
        access.prompt(ctx, "read", split_ref(name)[0])
        chosen, messages = await service.render(name, arguments, label=label, version=version)
        return Rendered(name=chosen.name, version=chosen.version, messages=messages)

    del list_prompts, get, create, update, set_label, delete, render
