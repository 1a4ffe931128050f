"""With the store off, its routes answer 503 and say why; the engine's routes still work
(the admin ones too, for a caller without the admin role: no policy, no restriction)."""

from __future__ import annotations

from typing import Any

import pytest
from traitlets.config import Config

from tests.jupyter.rest_api import Api


@pytest.fixture
def jp_server_config(jp_server_config: Config) -> Config:
    jp_server_config.MCPWorkbench.update(store=False, jupyter_roles=["reader"])
    return jp_server_config


async def test_store_routes_answer_503_and_the_rest_works(jp_fetch: Any) -> None:
    api = Api(jp_fetch)
    for method, path, body in [
        ("GET", "prompts", None),
        ("PUT", "notes/a.md", {"body": "x"}),
        ("GET", "boards/b", None),
        ("POST", "feedback", {"entity": "note", "entity_id": "x", "score": 1}),
        ("GET", "audit", None),
    ]:
        reply = await api(method, path, body)
        assert (reply.status, reply.body["reason"]) == (503, "StoreError"), (method, path)
        assert "store is off" in reply.body["message"]
    assert (await api.get("/")).body["store"] is False
    assert (await api("POST", "tools/echo/call", {"text": "still here"})).status == 200
    assert (await api.get("sessions")).status == 200
    assert (await api.get("policy")).status == 200
