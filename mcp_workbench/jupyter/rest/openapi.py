"""The OpenAPI 3.1 document of the REST API, made from its route table: paths and methods
from the routes and their handlers' declared operations, schemas from the pydantic models
(JSON Schema 2020-12, which OpenAPI 3.1 takes as it is). Served at ``/openapi.json``,
with the API root ``/`` pointing at it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.utils import url_path_join
from pydantic import TypeAdapter
from pydantic.json_schema import JsonSchemaMode
from tornado import web

from mcp_workbench.__about__ import __version__
from mcp_workbench.jupyter.rest.base import ADMIN_ROLE, RestHandler, operation
from mcp_workbench.jupyter.rest.schemas import ApiIndex, ErrorReply
from mcp_workbench.jupyter.rest.spec import METHODS, Operation, Route, operation_of

__all__ = ["ApiDescription", "IndexHandler", "OpenApiHandler", "operations"]

OPENAPI_VERSION = "3.1.0"
_REF = "#/components/schemas/{model}"

_INTRODUCTION = f"""\
The workbench's prompts, notes, boards, tools, feedback and administration, for the web
UI, the JupyterLab panel and scripts.

**Authentication** is Jupyter's: its token (`Authorization: token ...`) or its login
cookie, with Jupyter's XSRF rules for the cookie. Jupyter's authorizer is asked about the
resource `mcp_workbench` (`read` for GET, else `write`). The caller is then the Jupyter user,
with the roles `jupyter_roles` gives, and the workbench's access policy decides per item:
reading needs `read`, changing `write`, lists show what may be listed; an item the caller
may not even list answers 404 exactly like a missing one, one it may list but not use 403.
While a policy is in force, the admin routes (sessions, audit, policy) need the role
`{ADMIN_ROLE}`. Every change is recorded in the audit log with transport `rest` and the
request's `X-Request-Id`.

**Versions.** A prompt, note, board or card is answered with `ETag: "<version>"`. A change
sent with `If-Match: "<version>"` is based on that version. A note write, a card change or
a new prompt version based on an older version than the current one is merged with the
changes made since (text by lines, as a vault edit is; other values taken from the side
that changed them) and saved as the next version; if both sides changed the same lines or
values differently, or for any other change, a stale version answers **409 Conflict** and
nothing changes. Its `data` has `current` and `expected` and, for a clash, `fields`: each
field that clashed, with how. It is the same conflict every other client of the store
gets, whatever the reason, so a client handles one status. `If-None-Match: *` asks that
the item not exist yet.

**Errors** are JSON, in Jupyter's shape: `message`, `reason` (the kind of error) and, from
the workbench, `data`. A request body larger than the `max_body_bytes` setting is refused
with 413 before it is read as JSON.
"""

_ERRORS = {
    400: "Invalid input: bad JSON, a value that breaks a rule, or bad parameters.",
    403: "Not authenticated or not authorized (Jupyter), or the access policy refuses.",
    404: "No such item, or one the caller may not see.",
    409: "Conflict: the version in If-Match is stale and the change cannot be merged with "
    "the changes since (data: current, expected, fields), or the change clashes with the "
    "current state.",
    413: "The request body is larger than max_body_bytes.",
    429: "A rate limit is reached: retry after Retry-After seconds.",
    503: "The store is off or failing.",
}


def operations(route: Route) -> list[tuple[str, Operation]]:
    """The methods a route's handler serves, with their declared operations."""
    found = []
    for method in METHODS:
        spec = operation_of(getattr(route.handler, method, None))
        if spec is not None:
            found.append((method, spec))
    return found


def _tag(route: Route) -> str:
    head = route.template.strip("/").split("/")[0]
    return {"cards": "boards", "openapi.json": "api", "": "api"}.get(head, head)


def _query_parameters(model: Any) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=_REF)
    required = set(schema.get("required", []))
    parameters = []
    for name, prop in schema["properties"].items():
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": {k: v for k, v in prop.items() if k != "description"},
        }
        if "description" in prop:
            parameter["description"] = prop["description"]
        parameters.append(parameter)
    return parameters


_ETAG = {
    "description": 'The version of what is answered, quoted: "3".',
    "schema": {"type": "string"},
}
_VERSION_HEADERS = [
    {
        "name": "If-Match",
        "in": "header",
        "required": False,
        "description": 'The version the change is based on ("3"). If the item has moved on, '
        "a note, card or prompt change is merged with the changes since; 409 when that "
        "merge clashes, and for any other change.",
        "schema": {"type": "string"},
    },
    {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "description": "'*': make the change only if the item does not exist yet.",
        "schema": {"type": "string", "enum": ["*"]},
    },
]


class ApiDescription:
    """Builds (once) the OpenAPI document of ``routes``."""

    def __init__(self, routes: Sequence[Route]) -> None:
        self.routes = list(routes)
        self._document: dict[str, Any] | None = None

    def document(self, server_url: str) -> dict[str, Any]:
        """The document, with the API served at ``server_url``."""
        if self._document is None:
            self._document = self._build()
        return {**self._document, "servers": [{"url": server_url}]}

    def _build(self) -> dict[str, Any]:
        inputs: list[tuple[str, JsonSchemaMode, TypeAdapter[Any]]] = [
            ("ErrorReply", "serialization", TypeAdapter(ErrorReply))
        ]
        for route in self.routes:
            for method, spec in operations(route):
                key = f"{route.template} {method}"
                if spec.body is not None and spec.body_schema is None:
                    inputs.append((key, "validation", TypeAdapter(spec.body)))
                if spec.response is not None:
                    inputs.append((key, "serialization", TypeAdapter(spec.response)))
        schemas, definitions = TypeAdapter.json_schemas(inputs, ref_template=_REF)
        paths: dict[str, Any] = {}
        for route in self.routes:
            item: dict[str, Any] = {}
            for method, spec in operations(route):
                key = f"{route.template} {method}"
                item[method] = self._operation(route, method, spec, key, schemas)
            paths[route.template] = item
        return {
            "openapi": OPENAPI_VERSION,
            "info": {
                "title": "MCP Workbench REST API",
                "version": __version__,
                "description": _INTRODUCTION,
            },
            "paths": paths,
            "components": {
                "schemas": definitions.get("$defs", {}),
                "securitySchemes": {
                    "jupyterToken": {
                        "type": "apiKey",
                        "in": "header",
                        "name": "Authorization",
                        "description": "'token <the Jupyter server's token>'",
                    }
                },
            },
            "security": [{"jupyterToken": []}],
        }

    @staticmethod
    def _operation(
        route: Route,
        method: str,
        spec: Operation,
        key: str,
        schemas: Mapping[tuple[str, JsonSchemaMode], Any],
    ) -> dict[str, Any]:
        parameters: list[dict[str, Any]] = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "description": param.description,
                "schema": {"type": "string", "pattern": f"^{param.pattern}$"},
            }
            for name, param in route.params.items()
        ]
        if spec.query is not None:
            parameters.extend(_query_parameters(spec.query))
        if spec.if_match:
            parameters.extend(_VERSION_HEADERS)
        operation: dict[str, Any] = {
            "operationId": f"{route.handler.__name__.removesuffix('Handler')}.{method}",
            "tags": [_tag(route)],
            "summary": spec.summary,
        }
        if spec.description:
            operation["description"] = spec.description
        if parameters:
            operation["parameters"] = parameters
        if spec.body is not None:
            body = dict(spec.body_schema) if spec.body_schema else schemas[(key, "validation")]
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": body}},
            }
        success: dict[str, Any]
        if spec.response is None:
            success = {"description": "Done."}
        else:
            success = {
                "description": "OK." if spec.status == 200 else "Created.",
                "content": {"application/json": {"schema": schemas[(key, "serialization")]}},
            }
            if spec.etag is not None:
                success["headers"] = {"ETag": _ETAG}
        responses: dict[str, Any] = {str(204 if spec.response is None else spec.status): success}
        if spec.status == 201 and method == "put":
            responses["200"] = {**success, "description": "Replaced."}
        error_schema = {"$ref": _REF.format(model="ErrorReply")}
        for status in sorted(_error_statuses(route, spec)):
            entry: dict[str, Any] = {
                "description": _ERRORS[status],
                "content": {"application/json": {"schema": error_schema}},
            }
            if status == 429:
                entry["headers"] = {
                    "Retry-After": {"description": "Seconds.", "schema": {"type": "integer"}}
                }
            responses[str(status)] = entry
        operation["responses"] = responses
        return operation


def _error_statuses(route: Route, spec: Operation) -> set[int]:
    statuses = {403, *spec.errors}
    if spec.body is not None:
        statuses |= {400, 413}
    if spec.query is not None or route.params:
        statuses.add(400)
    if route.params:
        statuses.add(404)
    if spec.if_match:
        statuses |= {400, 409}
    if getattr(route.handler, "needs_store", False):
        statuses.add(503)
    return statuses


class _ApiHandler(RestHandler):
    needs_store = False

    def initialize(self, description: ApiDescription, prefix: str) -> None:
        self.description = description
        self.prefix = prefix

    @property
    def api_url(self) -> str:
        """The API's URL path on this server (under Jupyter's ``base_url``)."""
        return url_path_join(self.base_url, self.prefix)


class OpenApiHandler(_ApiHandler):
    """``/openapi.json``"""

    @web.authenticated
    @authorized
    @operation(response=dict[str, Any])
    async def get(self) -> dict[str, Any]:
        """Describe the API

        This document: every route, its parameters, bodies and answers.
        """
        return self.description.document(self.api_url)


class IndexHandler(_ApiHandler):
    """``/``"""

    @web.authenticated
    @authorized
    @operation(response=ApiIndex)
    async def get(self) -> ApiIndex:
        """Show the API

        Its version, where its OpenAPI document is, and whether the store is on.
        """
        server = self.server
        return ApiIndex(
            name=server.settings.server_name,
            version=__version__,
            openapi=url_path_join(self.api_url, "openapi.json"),
            store=server.workbench is not None,
        )
