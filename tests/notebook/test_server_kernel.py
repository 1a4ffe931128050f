"""The client inside a kernel that the Jupyter server started for a notebook: it finds that
server by itself, its tools are named after the notebook, and they go when the kernel
is shut down."""

from __future__ import annotations

import re
import textwrap
import threading
from collections.abc import Iterator

import httpx
import pytest

from mcp_workbench.notebook import Workbench
from tests.serving import Served

pytestmark = pytest.mark.timeout(90)

IN_THE_KERNEL = textwrap.dedent(
    """
    from mcp_workbench.notebook import Workbench

    wb = Workbench()

    @wb.tool
    def triple(x: int) -> int:
        \"\"\"Three times x.\"\"\"
        return 3 * x

    print(wb.address.url, triple.tool_name)
    """
)


@pytest.fixture
def notebook_session(live_server: Served) -> Iterator[dict[str, str]]:
    """A Jupyter session (a kernel) for ``analysis/Sales Report.ipynb``."""
    with httpx.Client(base_url=live_server.url, headers=live_server.headers) as http:
        made = http.post(
            "api/sessions",
            json={
                "path": "analysis/Sales Report.ipynb",
                "type": "notebook",
                "name": "Sales Report.ipynb",
                "kernel": {"name": "python3"},
            },
        )
        assert made.status_code == 201, made.text
        session = made.json()
        yield {"id": session["id"], "kernel": session["kernel"]["id"]}
        http.delete(f"api/sessions/{session['id']}")


def test_a_kernel_of_the_server_connects_by_itself(
    live_server: Served, notebook_session: dict[str, str]
) -> None:
    removed = threading.Event()
    with Workbench(live_server.url, live_server.token, timeout=60) as outside:
        ran = outside.tools.kernels.execute(
            code=IN_THE_KERNEL, kernel_id=notebook_session["kernel"], timeout=45
        )
        url, name = ran["stdout"].split()
        assert url == live_server.url
        assert re.fullmatch(r"nb\.[A-Za-z0-9_-]+\.Sales_Report\.triple", name)
        assert outside.tools.refresh()[name](x=14) == 42
        assert outside.tools[name].info.description == "Three times x."

        outside._session.on_notification(
            "notifications/tools/list_changed", lambda _: removed.set()
        )
        with httpx.Client(base_url=live_server.url, headers=live_server.headers) as http:
            gone = http.delete(f"api/sessions/{notebook_session['id']}")
            assert gone.status_code == 204
        assert removed.wait(20), "no list_changed when the kernel stopped"
        assert name not in outside.tools.refresh()
