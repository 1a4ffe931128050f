"""``GET /prompts?q=``: the prompts whose name or description holds every word, in any
case; still only those the access policy lets the caller list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from traitlets.config import Config

from tests.jupyter.rest_api import Api


@pytest.fixture
def api(jp_fetch: Any) -> Api:
    return Api(jp_fetch)


async def _create(api: Api, name: str, description: str) -> None:
    body = {"name": name, "template": "{{x}}", "description": description}
    assert (await api("POST", "prompts", body)).status == 201


async def _names(api: Api, **params: str) -> list[str]:
    reply = await api.get("prompts", **params)
    assert reply.status == 200
    return [p["name"] for p in reply.body]


async def test_every_word_must_occur_in_the_name_or_description(api: Api) -> None:
    await _create(api, "code-review", "Ask for a focused code review")
    await _create(api, "release-notes", "Summarise the changes of a release")
    await _create(api, "focus", "Say what matters")

    assert await _names(api) == ["code-review", "focus", "release-notes"]
    assert await _names(api, q="") == ["code-review", "focus", "release-notes"]
    assert await _names(api, q="FOCUS") == ["code-review", "focus"]
    assert await _names(api, q="focused review") == ["code-review"]
    assert await _names(api, q="release  changes") == ["release-notes"]
    assert await _names(api, q="review release") == []


class TestUnderAPolicy:
    @pytest.fixture
    def jp_server_config(self, jp_server_config: Config, tmp_path: Path) -> Config:
        policy = tmp_path / "policy.cedar"
        policy.write_text(
            "permit (principal, action, resource);\n"
            'forbid (principal, action, resource == Prompt::"secret-review");\n'
        )
        jp_server_config.MCPWorkbench.update(policy_path=str(policy))
        return jp_server_config

    async def test_a_hidden_prompt_is_not_found_by_a_search(
        self, api: Api, jp_serverapp: Any
    ) -> None:
        store = jp_serverapp.web_app.settings["mcp_workbench"].workbench
        for name in ("secret-review", "open-review"):
            await store.prompts.create(name, template="{{x}}", actor="setup")
        assert await _names(api, q="review") == ["open-review"]
