"""A live ``mcp-workbench serve`` (Jupyter with the workbench, a demo store and the fixture
tools) shared by the notebook client's tests, and helpers to reach it."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest

from tests.conftest import FIXTURE_TOOLS, fresh_data_dir
from tests.serving import Served, jupyter_env, serve

TOKEN = "notebook-test-token"


@pytest.fixture(scope="session")
def live_server() -> Iterator[Served]:
    home = fresh_data_dir()
    env = jupyter_env(
        home,
        TOKEN,
        MCP_WORKBENCH_VAULT_PATH=str(home / "vault"),
        # The fixture tools (echo, slow...) as a settings value: `serve --tools` passes
        # them as a Jupyter option, which reaches the workbench only when Jupyter knows
        # the extension's traits at parse time.
        MCP_WORKBENCH_TOOLS=orjson.dumps([FIXTURE_TOOLS]).decode(),
        MCP_WORKBENCH_ALLOW_CODE_EXECUTION="true",
    )
    options = ["--demo", "--vault", str(home / "vault"), "--data-dir", str(home / "workbench")]
    with serve(home, *options, token=TOKEN, env=env) as served:
        yield served
