"""The notebook and kernel tools through the extension's MCP endpoint: listing and reading
notebooks under Jupyter's root (with a sync or an async contents manager), paths that
leave the root refused, code execution off by default, and, once allowed, code run in a
real ipykernel with its output, errors and a timeout that interrupts the kernel."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat as _nbformat
import orjson
import pytest
from tornado.web import HTTPError
from traitlets.config import Config

import mcp_workbench.policy
from mcp_workbench.errors import PERMISSION_DENIED
from mcp_workbench.jupyter.kernel_tools import CODE_EXECUTION_OFF

pytestmark = pytest.mark.timeout(60)

META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
}
MCP_HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/json, text/event-stream",
    "MCP-Protocol-Version": "2026-07-28",
}
nbformat: Any = _nbformat  # untyped
SAMPLE_POLICY = Path(mcp_workbench.policy.__file__).parent / "examples"
SYNC_MANAGER = "jupyter_server.services.contents.filemanager.FileContentsManager"


@pytest.fixture
def jp_server_config(jp_server_config: Config, request: pytest.FixtureRequest) -> Config:
    """The shared configuration; a test's (indirect) parameter adds ``MCPWorkbench``
    settings, and ``contents_manager`` picks Jupyter's contents manager class."""
    extra = dict(getattr(request, "param", {}))
    manager = extra.pop("contents_manager", None)
    if manager is not None:
        jp_server_config["ServerApp"]["contents_manager_class"] = manager
    jp_server_config["MCPWorkbench"].update(extra)
    return jp_server_config


async def call(jp_fetch: Any, name: str, **arguments: Any) -> dict[str, Any]:
    """``tools/call`` over the extension's Streamable HTTP endpoint; the result."""
    result: dict[str, Any] = (await rpc_call(jp_fetch, name, **arguments))["result"]
    return result


async def rpc_call(jp_fetch: Any, name: str, **arguments: Any) -> dict[str, Any]:
    """``tools/call`` over the extension's Streamable HTTP endpoint; the JSON-RPC reply."""
    message = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": name, "arguments": arguments, "_meta": META},
    }
    reply = await jp_fetch(
        "mcp",
        method="POST",
        body=orjson.dumps(message),
        headers={**MCP_HEADERS, "Mcp-Method": "tools/call", "Mcp-Name": name},
        request_timeout=50,
    )
    answer: dict[str, Any] = json.loads(reply.body)
    return answer


def structured(result: dict[str, Any]) -> dict[str, Any]:
    assert not result.get("isError"), result
    content: dict[str, Any] = result["structuredContent"]
    return content


def error_text(result: dict[str, Any]) -> str:
    assert result.get("isError") is True, result
    text: str = result["content"][0]["text"]
    return text


def write_notebook(root: Path) -> None:
    v4 = nbformat.v4
    notebook = v4.new_notebook(
        metadata={"language_info": {"name": "python"}},
        cells=[
            v4.new_markdown_cell("# Analysis"),
            v4.new_code_cell(
                "print('hi')\n1 + 1",
                execution_count=1,
                outputs=[
                    v4.new_output("stream", name="stdout", text="hi\n"),
                    v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1),
                ],
            ),
            v4.new_code_cell(
                "plot()",
                outputs=[
                    v4.new_output("display_data", {"image/png": "iVBORw0KGgo=", "text/plain": "F"}),
                    v4.new_output(
                        "error",
                        ename="NameError",
                        evalue="name 'plot' is not defined",
                        traceback=["\x1b[0;31mNameError\x1b[0m: name 'plot' is not defined"],
                    ),
                ],
            ),
            v4.new_code_cell(
                "print('x' * 5000)", outputs=[v4.new_output("stream", text="x" * 5000)]
            ),
            v4.new_code_cell(
                "for c in 'abc': print(c * 1200)",
                outputs=[v4.new_output("stream", text=c * 1200) for c in "abc"],
            ),
        ],
    )
    (root / "work").mkdir()
    nbformat.write(notebook, root / "work" / "analysis.ipynb")
    (root / "work" / "data.csv").write_text("a,b\n1,2\n")


@pytest.mark.parametrize(
    "jp_server_config",
    [{}, {"contents_manager": SYNC_MANAGER}],
    ids=["async", "sync"],
    indirect=True,
)
@pytest.mark.filterwarnings("ignore:The synchronous ContentsManager classes:DeprecationWarning")
async def test_list_and_read_a_notebook(jp_fetch: Any, jp_root_dir: Path) -> None:
    write_notebook(jp_root_dir)
    root = structured(await call(jp_fetch, "notebooks.list"))
    assert root["path"] == ""
    assert [(e["name"], e["type"]) for e in root["entries"]] == [("work", "directory")]
    listing = structured(await call(jp_fetch, "notebooks.list", path="work"))
    assert [(e["path"], e["type"]) for e in listing["entries"]] == [
        ("work/analysis.ipynb", "notebook"),
        ("work/data.csv", "file"),
    ]

    notebook = structured(await call(jp_fetch, "notebooks.read", path="work/analysis.ipynb"))
    assert (notebook["language"], notebook["cell_count"]) == ("python", 5)
    markdown, code, failed, long, many = notebook["cells"]
    assert (markdown["cell_type"], markdown["source"], markdown["outputs"]) == (
        "markdown",
        "# Analysis",
        [],
    )
    assert code["source"] == "print('hi')\n1 + 1"
    assert code["execution_count"] == 1
    assert code["outputs"] == ["hi\n", "2"]
    assert failed["outputs"] == [
        "F\n[image/png output]",
        # name, value, then the traceback without its colour codes
        "NameError: name 'plot' is not defined\nNameError: name 'plot' is not defined",
    ]
    assert long["outputs"] == ["x" * 2000 + "\n… [3000 more characters]"]
    # 2000 characters per cell, over all its outputs
    assert many["outputs"] == [
        "a" * 1200,
        "b" * 800 + "\n… [400 more characters]",
        "… [1 more output]",
    ]

    page = structured(
        await call(jp_fetch, "notebooks.read", path="work/analysis.ipynb", start=1, limit=1)
    )
    assert [c["index"] for c in page["cells"]] == [1]
    assert page["cell_count"] == 5


async def test_paths_outside_the_root_are_refused(
    jp_fetch: Any, jp_root_dir: Path, jp_serverapp: Any
) -> None:
    secret = jp_root_dir.parent / "secret.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), secret)
    for path in ("..", "../secret.ipynb", "work/../../secret.ipynb"):
        tool = "notebooks.list" if path == ".." else "notebooks.read"
        refused = error_text(await call(jp_fetch, tool, path=path))
        assert refused == f"invalid path {path!r}: it leaves Jupyter's root directory"
    # The contents manager refuses them too (for clients that reach it otherwise).
    with pytest.raises(HTTPError) as outside:
        await jp_serverapp.contents_manager.get("../secret.ipynb")
    assert outside.value.status_code == 404
    missing = error_text(await call(jp_fetch, "notebooks.read", path="nothing.ipynb"))
    assert missing == "nothing at 'nothing.ipynb' under Jupyter's root directory"
    (jp_root_dir / "notes.txt").write_text("plain")
    not_notebook = error_text(await call(jp_fetch, "notebooks.read", path="notes.txt"))
    assert not_notebook.startswith("cannot open 'notes.txt'")


async def test_running_code_is_off_by_default(jp_fetch: Any, jp_serverapp: Any) -> None:
    refused = error_text(await call(jp_fetch, "kernels.execute", code="print(1)"))
    assert refused == CODE_EXECUTION_OFF
    assert "c.MCPWorkbench.allow_code_execution = True" in refused
    assert jp_serverapp.kernel_manager.list_kernel_ids() == []  # nothing was started
    assert structured(await call(jp_fetch, "kernels.list")) == {"kernels": []}


async def test_execute_is_announced_as_destructive(jp_fetch: Any) -> None:
    message = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": META}}
    reply = await jp_fetch(
        "mcp",
        method="POST",
        body=orjson.dumps(message),
        headers={**MCP_HEADERS, "Mcp-Method": "tools/list"},
    )
    tools = {t["name"]: t for t in json.loads(reply.body)["result"]["tools"]}
    assert {"notebooks.list", "notebooks.read", "kernels.list", "kernels.execute"} <= set(tools)
    assert tools["kernels.execute"]["annotations"]["destructiveHint"] is True
    assert tools["notebooks.read"]["annotations"]["readOnlyHint"] is True


@pytest.mark.parametrize("jp_server_config", [{"allow_code_execution": True}], indirect=True)
async def test_code_runs_in_a_real_kernel(jp_fetch: Any) -> None:
    code = "import sys\nprint('out')\nprint('err', file=sys.stderr)\nx = 21\nx * 2"
    ran = structured(await call(jp_fetch, "kernels.execute", code=code, timeout=40))
    assert (ran["stdout"], ran["stderr"], ran["results"]) == ("out\n", "err\n", ["42"])
    assert ran["execution_count"] == 1
    kernel = ran["kernel_id"]
    [listed] = structured(await call(jp_fetch, "kernels.list"))["kernels"]
    assert (listed["id"], listed["name"]) == (kernel, "python3")

    # The caller's kernel is kept: its state is there on the next call.
    again = structured(await call(jp_fetch, "kernels.execute", code="x + 1"))
    assert (again["kernel_id"], again["results"]) == (kernel, ["22"])

    syntax = error_text(await call(jp_fetch, "kernels.execute", code="print('before')\ndef ("))
    assert syntax.startswith("SyntaxError: ")

    failed = error_text(
        await call(jp_fetch, "kernels.execute", code="print('so far')\n1 / 0", kernel_id=kernel)
    )
    assert failed.startswith("ZeroDivisionError: division by zero\n")
    assert failed.endswith("\n[stdout]\nso far\n")

    slow = "import time\nprint('started', flush=True)\ntime.sleep(30)"
    timed_out = error_text(await call(jp_fetch, "kernels.execute", code=slow, timeout=1))
    assert timed_out == "Timed out after 1 s; the kernel was interrupted.\n[stdout]\nstarted\n"
    # Interrupted, not stuck: the kernel answers the next call at once.
    after = structured(await call(jp_fetch, "kernels.execute", code="'free'", timeout=10))
    assert after["results"] == ["'free'"]

    unknown = error_text(await call(jp_fetch, "kernels.execute", code="1", kernel_id="nope"))
    assert unknown == "no kernel 'nope'; kernels.list shows the running ones"
    big = structured(
        await call(jp_fetch, "kernels.execute", code="print('y' * 500)", max_output_chars=100)
    )
    assert big["stdout"] == "y" * 100 + "\n… [401 more characters]"


@pytest.mark.parametrize(
    "jp_server_config",
    [{"allow_code_execution": True, "policy_path": str(SAMPLE_POLICY)}],
    indirect=True,
)
async def test_allowed_execution_is_still_up_to_the_access_policy(
    jp_fetch: Any, jp_serverapp: Any
) -> None:
    # The sample policy keeps destructive tools to admins on stdio: Jupyter's owner (an
    # admin, over HTTP) may list the tool but not call it.
    refused = await rpc_call(jp_fetch, "kernels.execute", code="1")
    assert refused["error"]["code"] == PERMISSION_DENIED
    assert refused["error"]["message"] == "You may not call kernels.execute"
    assert jp_serverapp.kernel_manager.list_kernel_ids() == []
    assert structured(await call(jp_fetch, "kernels.list")) == {"kernels": []}
