"""The REST API under ``{base_url}mcp-workbench/api/v1/``: one module per area (prompts,
notes, boards and cards, tools, feedback, sessions, audit, metrics, policy, vault sync),
the handlers' shared base, and the OpenAPI document made from the same route table."""

from __future__ import annotations

from typing import Any

from mcp_workbench.jupyter.rest import (
    audit,
    boards,
    feedback,
    me,
    metrics,
    notes,
    policy,
    prompts,
    sessions,
    tools,
    vault,
)
from mcp_workbench.jupyter.rest.openapi import ApiDescription, IndexHandler, OpenApiHandler
from mcp_workbench.jupyter.rest.spec import Route

__all__ = ["ROUTES", "rest_handlers"]

_AREAS: list[Route] = [
    *prompts.ROUTES,
    *notes.ROUTES,
    *boards.ROUTES,
    *tools.ROUTES,
    *feedback.ROUTES,
    *sessions.ROUTES,
    *audit.ROUTES,
    *policy.ROUTES,
    *vault.ROUTES,
    *me.ROUTES,
    *metrics.ROUTES,
]

_ABOUT = (IndexHandler, OpenApiHandler)

ROUTES: list[Route] = [
    Route("/", IndexHandler),
    Route("/openapi.json", OpenApiHandler),
    *_AREAS,
]
"""Every route of the API, as the OpenAPI document lists them."""


def rest_handlers(prefix: str) -> list[tuple[str, Any, dict[str, Any]]]:
    """The API's routes, under ``prefix`` (``/mcp-workbench/api/v1``)."""
    # The root and the document say where the API is, and the document lists every route.
    about = {"description": ApiDescription(ROUTES), "prefix": prefix}
    return [
        (prefix + route.pattern, route.handler, about if route.handler in _ABOUT else {})
        for route in ROUTES
    ]
