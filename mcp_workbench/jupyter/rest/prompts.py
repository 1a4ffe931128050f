"""``/prompts``: stored prompts, their versions and labels, and rendering them.

A prompt is ``Prompt::"<name>"`` to the access policy: reading or rendering needs ``read``,
any change ``write``, the list shows what may be listed.
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from mcp_workbench.errors import NotFound
from mcp_workbench.jupyter.rest.base import RestHandler, operation
from mcp_workbench.jupyter.rest.schemas import (
    LabelSet,
    PromptCreate,
    PromptListQuery,
    PromptQuery,
    PromptUpdate,
    RenderRequest,
)
from mcp_workbench.jupyter.rest.spec import Param, Route
from mcp_workbench.service import PromptInfo, PromptVersion, split_ref
from mcp_workbench.tools.prompts import Rendered

__all__ = ["ROUTES"]


def _name(prompt: PromptInfo) -> str:
    return prompt.name


def _searched(prompt: PromptInfo) -> str:
    """The text ``?q=`` looks in."""
    return f"{prompt.name} {prompt.description}".casefold()


class _PromptHandler(RestHandler):
    def prompt(self, action: str, name: str) -> None:
        """Go on once the caller may ``action`` the existing prompt ``name`` (or the one a
        ``name@label`` reference names: the policy decides on the prompt's own name).

        Raises:
            NotFound: the caller may not even list it.
            PermissionDenied: it may list it, but not do this.
        """
        missing = NotFound(f"no prompt named {name!r}", data={"name": name})
        self.require(action, "prompt", split_ref(name)[0], missing)


class PromptsHandler(_PromptHandler):
    """``/prompts``"""

    @web.authenticated
    @authorized
    @operation(query=PromptListQuery, response=list[PromptInfo])
    async def get(self, *, query: PromptListQuery) -> list[PromptInfo]:
        """List prompts

        Every stored prompt the caller may list, by name, with its newest version,
        labels and arguments; with ``q``, only those whose name or description holds
        every word of it.
        """
        prompts = self.visible("prompt", await self.store.prompts.list(), _name)
        words = (query.q or "").casefold().split()
        return [p for p in prompts if all(w in _searched(p) for w in words)]

    @web.authenticated
    @authorized
    @operation(body=PromptCreate, response=PromptVersion, status=201, etag="version", errors=(409,))
    async def post(self, *, body: PromptCreate) -> PromptVersion:
        """Create a prompt

        Version 1 of a new prompt, from a template or messages; 409 if the name is taken.
        """
        self.require("write", "prompt", body.name, None)
        return await self.store.prompts.create(
            body.name,
            template=body.template,
            messages=body.messages,
            description=body.description,
            arguments=body.arguments,
            labels=body.labels,
            actor=self.actor,
        )


class PromptHandler(_PromptHandler):
    """``/prompts/{name}``"""

    @web.authenticated
    @authorized
    @operation(query=PromptQuery, response=PromptVersion, etag="version")
    async def get(self, name: str, *, query: PromptQuery) -> PromptVersion:
        """Read a prompt version

        By ``label``, by ``version`` number, or (neither) the newest. The ETag is the
        version's number.
        """
        self.prompt("read", name)
        return await self.store.prompts.get(name, label=query.label, version=query.version)

    @web.authenticated
    @authorized
    @operation(body=PromptUpdate, response=PromptVersion, etag="version", if_match=True)
    async def patch(self, name: str, *, body: PromptUpdate, expected: int | None) -> PromptVersion:
        """Make a new version

        What the body does not give is kept from the newest version. With ``If-Match``,
        only if the newest version is still that one.
        """
        self.prompt("write", name)
        return await self.store.prompts.update(
            name,
            expected_version=expected,
            template=body.template,
            messages=body.messages,
            description=body.description,
            arguments=body.arguments,
            message=body.message,
            labels=body.labels,
            actor=self.actor,
        )

    @web.authenticated
    @authorized
    @operation(status=204, if_match=True)
    async def delete(self, name: str, *, expected: int | None) -> None:
        """Delete a prompt

        With all its versions and labels.
        """
        self.prompt("write", name)
        await self.store.prompts.delete(name, expected_version=expected, actor=self.actor)


class PromptVersionsHandler(_PromptHandler):
    """``/prompts/{name}/versions``"""

    @web.authenticated
    @authorized
    @operation(response=list[PromptVersion])
    async def get(self, name: str) -> list[PromptVersion]:
        """List a prompt's versions

        Every version, newest first, each with the labels pointing at it.
        """
        self.prompt("read", name)
        return await self.store.prompts.versions(name)


class PromptLabelHandler(_PromptHandler):
    """``/prompts/{name}/labels/{label}``"""

    @web.authenticated
    @authorized
    @operation(body=LabelSet, response=PromptInfo, etag="latest", if_match=True)
    async def put(
        self, name: str, label: str, *, body: LabelSet, expected: int | None
    ) -> PromptInfo:
        """Point a label at a version

        ``latest`` cannot be moved: it always names the newest version.
        """
        self.prompt("write", name)
        return await self.store.prompts.set_label(
            name, label, body.version, expected_version=expected, actor=self.actor
        )

    @web.authenticated
    @authorized
    @operation(response=PromptInfo, etag="latest", if_match=True)
    async def delete(self, name: str, label: str, *, expected: int | None) -> PromptInfo:
        """Remove a label"""
        self.prompt("write", name)
        return await self.store.prompts.set_label(
            name, label, None, expected_version=expected, actor=self.actor
        )


class PromptRenderHandler(_PromptHandler):
    """``/prompts/{name}/render``"""

    @web.authenticated
    @authorized
    @operation(body=RenderRequest, response=Rendered)
    async def post(self, name: str, *, body: RenderRequest) -> Rendered:
        """Render a prompt

        Fill a version's ``{{placeholders}}`` with the arguments given (400 names the
        required ones missing). Changes nothing.
        """
        self.prompt("read", name)
        chosen, messages = await self.store.prompts.render(
            name, body.arguments, label=body.label, version=body.version
        )
        return Rendered(name=chosen.name, version=chosen.version, messages=messages)


_NAME = {"name": Param(r"[^/]+", "Prompt name, e.g. 'code-review'.")}
_LABEL = {**_NAME, "label": Param(r"[^/]+", "Label, e.g. 'production'.")}

ROUTES = [
    Route("/prompts", PromptsHandler),
    Route("/prompts/{name}", PromptHandler, _NAME),
    Route("/prompts/{name}/versions", PromptVersionsHandler, _NAME),
    Route("/prompts/{name}/labels/{label}", PromptLabelHandler, _LABEL),
    Route("/prompts/{name}/render", PromptRenderHandler, _NAME),
]
