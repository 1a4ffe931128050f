"""The admin page in a real browser against a real server: the open MCP sessions, the audit
log (a call just made in it, followed live, filtered), charts of the calls and their
latency, and the access policy in force."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.ui.conftest import UiServer, screenshot

pytestmark = pytest.mark.timeout(60)

LEGACY = "2025-06-18"
AUDIT_PAGE = 50
"""The web UI's page of audit entries."""


class McpSession:
    """An MCP client session over Streamable HTTP (a legacy handshake: the engine holds a
    session for it, which stateless requests do not get)."""

    def __init__(self, server: UiServer, client: str) -> None:
        self.http = httpx.Client(
            base_url=server.url,
            headers={
                "Authorization": f"token {server.token}",
                "Accept": "application/json, text/event-stream",
            },
            timeout=10,
        )
        hello = {"protocolVersion": LEGACY, "capabilities": {}, "clientInfo": {"name": client}}
        reply = self.http.post("mcp", json=self._message("initialize", hello, 1))
        reply.raise_for_status()
        self.http.headers["Mcp-Session-Id"] = reply.headers["Mcp-Session-Id"]
        self.http.headers["MCP-Protocol-Version"] = LEGACY
        self.http.post("mcp", json=self._message("notifications/initialized", {}))
        self._ids = 1

    @staticmethod
    def _message(method: str, params: dict[str, Any], rid: int | None = None) -> dict[str, Any]:
        message = {"jsonrpc": "2.0", "method": method, "params": params}
        return message if rid is None else {**message, "id": rid}

    def call(self, tool: str, **arguments: Any) -> dict[str, Any]:
        self._ids += 1
        reply = self.http.post(
            "mcp",
            json=self._message("tools/call", {"name": tool, "arguments": arguments}, self._ids),
        )
        reply.raise_for_status()
        if reply.headers["Content-Type"].startswith("text/event-stream"):
            data = [line[5:] for line in reply.text.splitlines() if line.startswith("data:")]
            return dict(httpx.Response(200, content=data[-1]).json())
        return dict(reply.json())

    def close(self) -> None:
        self.http.delete("mcp")
        self.http.close()


@pytest.fixture
def mcp(policy_ui_server: UiServer) -> Iterator[McpSession]:
    session = McpSession(policy_ui_server, "admin-probe")
    try:
        yield session
    finally:
        session.close()


def test_the_admin_page_shows_sessions_audit_metrics_and_policy(
    policy_ui_server: UiServer, page: Page, mcp: McpSession
) -> None:
    first = f"admin/{secrets.token_hex(3)}.md"
    assert "error" not in mcp.call("notes.write", path=first, body="from a session")
    assert mcp.call("echo", text="hello")["result"]["content"][0]["text"] == "hello"

    policy_ui_server.open(page, "admin/")
    expect(page.get_by_role("link", name="Admin", exact=True)).to_have_attribute(
        "aria-current", "page"
    )

    sessions = page.get_by_role("table", name="Sessions")
    probe = sessions.get_by_role("row", name=re.compile("admin-probe"))
    expect(probe).to_contain_text("http")
    expect(probe).to_contain_text(LEGACY)

    audit = page.get_by_role("table", name="Audit entries")
    expect(audit.get_by_role("row").filter(has_text=first)).to_contain_text("note.created")
    # A change made while the page is open joins the log as it happens.
    second = f"admin/{secrets.token_hex(3)}.md"
    mcp.call("notes.write", path=second, body="later")
    expect(audit.locator("tbody tr").first).to_contain_text(second)  # on top: newest first

    calls = page.locator("svg[data-chart=calls]")
    expect(calls).to_have_attribute("aria-label", re.compile(r"Calls by method: [1-9]\d* requests"))
    bar = calls.locator("rect[data-value]").first
    expect(bar).to_have_attribute("data-value", re.compile(r"^[1-9]\d*$"))
    latency = page.locator("svg[data-chart=latency]")
    expect(latency).to_have_attribute("aria-label", re.compile(r": [1-9]\d* requests"))
    assert (
        sum(
            int(v)
            for v in latency.locator("rect").evaluate_all(
                "rects => rects.map(r => r.dataset.value)"
            )
        )
        > 0
    )

    policy = page.get_by_role("region", name="Access policy")
    expect(policy).to_contain_text("A policy is in force")
    expect(policy.get_by_role("definition").filter(has_text="permit")).to_have_text(
        "1 permit, 1 forbid"
    )
    expect(policy).to_contain_text("policy.cedar")
    screenshot(page, "admin")


def test_the_audit_log_filters_by_outcome_and_shows_refusals(
    policy_ui_server: UiServer, page: Page, mcp: McpSession
) -> None:
    refused = mcp.call("fail", message="x")  # hidden by the policy: refused and audited
    assert "error" in refused or refused["result"].get("isError")
    policy_ui_server.open(page, "admin/")
    audit = page.get_by_role("table", name="Audit entries")
    expect(audit.get_by_role("row").nth(1)).to_be_visible()
    page.get_by_label("Outcome").select_option("denied")
    expect(audit.locator("tbody tr").filter(has_text="fail").first).to_be_visible()
    outcomes = audit.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.outcome)")
    assert set(outcomes) == {"denied"}

    page.get_by_label("Who").fill("nobody-at-all")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No entries match.")).to_be_visible()


def test_the_admin_page_explains_a_policy_decision(policy_ui_server: UiServer, page: Page) -> None:
    policy_ui_server.open(page, "admin/")
    policy = page.get_by_role("region", name="Access policy")
    policy.get_by_text("Explain a decision").click()
    form = policy.get_by_role("form", name="Explain a decision")
    form.get_by_label("Principal").fill("ann")
    form.get_by_label("Action").select_option("call")
    form.get_by_label("Kind").select_option("tool")
    form.get_by_label("Name").fill("fail")
    form.get_by_role("button", name="Explain").click()
    expect(policy.get_by_label("Decision", exact=True)).to_contain_text("fail-is-hidden")


def test_the_audit_log_loads_more_a_page_at_a_time(policy_ui_server: UiServer, page: Page) -> None:
    with policy_ui_server.api() as api:
        entries = api.get("/audit", params={"limit": 1000}).json()
        for _ in range(AUDIT_PAGE + 1 - len(entries)):  # more than one page in all
            api.put(f"/notes/many/{secrets.token_hex(4)}.md", json={"body": "x"})
        every = api.get("/audit", params={"limit": 1000}).json()
    total = len(every)
    assert total > AUDIT_PAGE

    policy_ui_server.open(page, "admin/")
    rows = page.get_by_role("table", name="Audit entries").locator("tbody tr")
    expect(rows).to_have_count(AUDIT_PAGE)
    page.get_by_role("button", name="Load more").click()
    expect(rows).to_have_count(total)
    numbers = [int(n) for n in rows.locator("td:first-child").all_inner_texts()]
    assert numbers == sorted(numbers, reverse=True)  # newest first
    assert numbers[0] == every[-1]["id"]
