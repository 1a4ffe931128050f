"""``/me`` over REST: the caller as the workbench knows it."""

from __future__ import annotations

import getpass
from typing import Any

from tests.jupyter.rest_api import Api


async def test_me_names_the_principal_changes_are_recorded_as(jp_fetch: Any) -> None:
    api = Api(jp_fetch)
    me = await api.get("me")
    assert me.status == 200
    assert me.body == {"principal": getpass.getuser(), "roles": ["admin"]}
    made = await api("POST", "prompts", {"name": "p", "template": "one"})
    assert made.body["author"] == me.body["principal"]
