"""Resources and resource templates: what ``resources/list`` shows and ``resources/read``
returns."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from mcp_workbench.registry.items import (
    Completer,
    Target,
    completers_for,
    describe,
    first_paragraph,
)
from mcp_workbench.registry.uri_template import UriTemplate

__all__ = ["Resource", "ResourceTemplate", "make_resource", "resource_contents"]


@dataclass(slots=True)
class Resource:
    """A resource with a fixed URI."""

    uri: str
    name: str
    target: Target
    description: str | None = None
    title: str | None = None
    mime_type: str | None = None
    size: int | None = None
    annotations: dict[str, Any] | None = None
    icons: list[dict[str, Any]] | None = None

    def descriptor(self, structured: bool = True) -> dict[str, Any]:
        """The ``Resource`` object of ``resources/list``."""
        return describe(
            structured,
            {
                "uri": self.uri,
                "name": self.name,
                "title": self.title,
                "description": self.description,
                "mimeType": self.mime_type,
                "size": self.size,
                "annotations": self.annotations,
                "icons": self.icons,
            },
        )

    def contents(self, uri: str, value: Any) -> list[dict[str, Any]]:
        """Shape a return value into ``ReadResourceResult.contents``."""
        return resource_contents(uri, value, self.mime_type)


@dataclass(slots=True)
class ResourceTemplate:
    """A family of resources addressed by an RFC 6570 URI template."""

    template: UriTemplate
    name: str
    target: Target
    description: str | None = None
    title: str | None = None
    mime_type: str | None = None
    annotations: dict[str, Any] | None = None
    icons: list[dict[str, Any]] | None = None
    completers: dict[str, Completer] = field(default_factory=dict)

    @property
    def uri_template(self) -> str:
        """The template text."""
        return self.template.template

    def descriptor(self, structured: bool = True) -> dict[str, Any]:
        """The ``ResourceTemplate`` object of ``resources/templates/list``."""
        return describe(
            structured,
            {
                "uriTemplate": self.uri_template,
                "name": self.name,
                "title": self.title,
                "description": self.description,
                "mimeType": self.mime_type,
                "annotations": self.annotations,
                "icons": self.icons,
            },
        )

    def contents(self, uri: str, value: Any) -> list[dict[str, Any]]:
        """Shape a return value into ``ReadResourceResult.contents``."""
        return resource_contents(uri, value, self.mime_type)


def resource_contents(uri: str, value: Any, mime_type: str | None) -> list[dict[str, Any]]:
    """Text for ``str``, base64 blob for ``bytes``, dicts passed through."""
    if isinstance(value, list):
        return [c for v in value for c in resource_contents(uri, v, mime_type)]
    if isinstance(value, dict):
        return [{"uri": uri, **value}]
    entry: dict[str, Any] = {"uri": uri}
    if isinstance(value, bytes):
        entry["mimeType"] = mime_type or "application/octet-stream"
        entry["blob"] = base64.b64encode(value).decode("ascii")
    else:
        entry["mimeType"] = mime_type or "text/plain"
        entry["text"] = value if isinstance(value, str) else orjson.dumps(value).decode()
    return [entry]


def make_resource(
    fn: Callable[..., Any],
    uri: str,
    *,
    name: str | None = None,
    description: str | None = None,
    title: str | None = None,
    mime_type: str | None = None,
    size: int | None = None,
    annotations: dict[str, Any] | None = None,
    icons: list[dict[str, Any]] | None = None,
    completions: Mapping[str, Completer | list[str]] | None = None,
) -> Resource | ResourceTemplate:
    """A resource, or a resource template when ``uri`` has ``{variables}``."""
    target = Target.of(fn, structured_output=False)
    signature = target.signature
    desc = description if description is not None else first_paragraph(fn)
    rname = name or fn.__name__
    if UriTemplate.is_template(uri):
        template = UriTemplate(uri)
        params = {p for p, _, _ in signature.parameters}
        if not set(template.variables) <= params:
            missing = sorted(set(template.variables) - params)
            raise TypeError(f"{rname}: template variables {missing} are not parameters")
        return ResourceTemplate(
            template,
            rname,
            target,
            desc,
            title,
            mime_type,
            annotations,
            icons,
            completers_for(signature.choices, completions),
        )
    return Resource(uri, rname, target, desc, title, mime_type, size, annotations, icons)
