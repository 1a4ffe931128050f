"""Jupyter's authorizer is asked before anything else on every operation of the API
(resource ``mcp_workbench``: ``read`` for GET, ``write`` for the rest)."""

from __future__ import annotations

import re
from typing import Any, ClassVar

import pytest
from jupyter_server.auth.authorizer import Authorizer
from traitlets.config import Config

from mcp_workbench.jupyter.rest import ROUTES
from mcp_workbench.jupyter.rest.openapi import ApiDescription
from tests.jupyter.rest_api import Api


class NoWorkbench(Authorizer):
    """Lets Jupyter's own resources through, and refuses every workbench one."""

    asked: ClassVar[list[tuple[str, str]]] = []

    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        self.asked.append((action, resource))
        return resource != "mcp_workbench"


@pytest.fixture
def jp_server_config(jp_server_config: Config) -> Config:
    jp_server_config.ServerApp.authorizer_class = NoWorkbench
    return jp_server_config


async def test_every_operation_asks_jupyters_authorizer(jp_fetch: Any) -> None:
    api = Api(jp_fetch)
    document = ApiDescription(ROUTES).document("")
    operations = 0
    for template, item in document["paths"].items():
        path = re.sub(r"\{(\w+)\}", lambda m: "x.md" if m.group(1) == "path" else "x", template)
        for method in item:
            NoWorkbench.asked.clear()
            body: dict[str, Any] | None = {} if method in ("post", "put", "patch") else None
            reply = await api(method.upper(), path.lstrip("/") or "/", body)
            assert reply.status == 403, (method, template, reply.body)
            assert reply.body["message"].endswith("on resource: mcp_workbench.")
            expected = "read" if method == "get" else "write"
            assert NoWorkbench.asked == [(expected, "mcp_workbench")], (method, template)
            operations += 1
    assert operations == sum(len(item) for item in document["paths"].values()) > 35
