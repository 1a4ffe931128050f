"""The store's MCP surface through the official SDK client: every built-in tool, stored
prompts as MCP prompts, notes and boards as resources, and their notifications."""

from __future__ import annotations

import json
import uuid
from typing import Any

import anyio
import mcp_types as types
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp.shared.subscriptions import ResourceUpdated

from mcp_workbench.service import Workbench
from tests.tools.conftest import StoreConnect, StoreServer

pytestmark = pytest.mark.timeout(60)

BUILTIN_TOOLS = {
    "prompts.list", "prompts.get", "prompts.create", "prompts.update", "prompts.set_label",
    "prompts.delete", "prompts.render",
    "notes.read", "notes.write", "notes.move", "notes.delete", "notes.list", "notes.search",
    "tasks.list_boards", "tasks.get_board", "tasks.create_board", "tasks.update_board",
    "tasks.create_card", "tasks.update_card", "tasks.move_card", "tasks.archive_card",
    "feedback.add",
}  # fmt: skip


def unique(prefix: str) -> str:
    """A name no other test of the session uses (the store lives for the session)."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def ok(client: Client, tool: str, **arguments: Any) -> Any:
    """Call ``tool``; assert it succeeded; return its structured result."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    return result.structured_content


async def fails(client: Client, tool: str, **arguments: Any) -> str:
    """Call ``tool``; assert it reported an error; return the message."""
    result = await client.call_tool(tool, arguments)
    assert result.is_error, result.structured_content
    text = result.content[0]
    assert isinstance(text, types.TextContent)
    return text.text


async def all_pages(client: Client, method: str, key: str) -> list[Any]:
    items: list[Any] = []
    cursor = None
    while True:
        page = await getattr(client, method)(cursor=cursor)
        items += getattr(page, key)
        if (cursor := page.next_cursor) is None:
            return items


async def test_every_builtin_tool_is_listed_with_schemas(store_connect: StoreConnect) -> None:
    async with store_connect() as client:
        tools = {t.name: t for t in await all_pages(client, "list_tools", "tools")}
        assert tools.keys() >= BUILTIN_TOOLS
        for name in BUILTIN_TOOLS - {"prompts.delete", "notes.delete"}:
            assert tools[name].output_schema is not None, name
        assert tools["notes.read"].annotations is not None
        assert tools["notes.read"].annotations.read_only_hint is True
        assert tools["notes.delete"].annotations.destructive_hint is True


async def test_prompts_tools_and_mcp_prompts(store_connect: StoreConnect) -> None:
    name = unique("review")
    async with store_connect() as client:
        created = await ok(
            client,
            "prompts.create",
            name=name,
            template="Review {{code}} for {{goal}}",
            description="Code review",
            labels=["staging"],
        )
        assert (created["version"], created["labels"]) == (1, ["latest", "staging"])
        listed = {p.name: p for p in await all_pages(client, "list_prompts", "prompts")}
        assert [(a.name, a.required) for a in listed[name].arguments or []] == [
            ("code", True),
            ("goal", True),
        ]
        rendered = await client.get_prompt(name, {"code": "x = 1", "goal": "bugs"})
        assert rendered.messages[0].content.text == "Review x = 1 for bugs"  # type: ignore[union-attr]
        assert rendered.description == "Code review"

        v2 = await ok(
            client,
            "prompts.update",
            name=name,
            expected_version=1,
            template="Check {{code}}",
            message="shorter",
        )
        assert (v2["version"], v2["arguments"][0]["name"]) == (2, "code")
        stale = await fails(client, "prompts.update", name=name, expected_version=1, template="x")
        assert "version 2, not 1" in stale
        assert (await ok(client, "prompts.get", name=name))["messages"][0][
            "text"
        ] == "Check {{code}}"

        # A label picks the version served; name@label and name@N pick one explicitly.
        await ok(client, "prompts.set_label", name=name, label="production", version=1)
        plain = await client.get_prompt(name, {"code": "c", "goal": "g"})
        assert plain.messages[0].content.text == "Review c for g"  # type: ignore[union-attr]
        latest = await client.get_prompt(f"{name}@latest", {"code": "c"})
        assert latest.messages[0].content.text == "Check c"  # type: ignore[union-attr]
        by_number = await client.get_prompt(f"{name}@2", {"code": "n"})
        assert by_number.messages[0].content.text == "Check n"  # type: ignore[union-attr]
        assert "cannot be moved" in await fails(
            client, "prompts.set_label", name=name, label="latest", version=1
        )
        assert "invalid label" in await fails(
            client, "prompts.set_label", name=name, label="Not Valid", version=1
        )
        got = await ok(client, "prompts.get", name=name, label="production")
        assert (got["version"], got["labels"]) == (1, ["production", "staging"])
        rendered_tool = await ok(
            client, "prompts.render", name=f"{name}@2", arguments={"code": "z"}
        )
        assert rendered_tool["messages"] == [{"role": "user", "text": "Check z"}]
        names = [p["name"] for p in (await ok(client, "prompts.list"))["prompts"]]
        assert name in names

        with pytest.raises(MCPError) as missing:
            await client.get_prompt(f"{name}@latest", {})
        assert missing.value.error.code == -32602
        assert "code" in missing.value.error.message
        with pytest.raises(MCPError) as unknown:
            await client.get_prompt(unique("nope"), {})
        assert unknown.value.error.code == -32602

        await ok(client, "prompts.delete", name=name, expected_version=2)
        listed_after = {p.name for p in await all_pages(client, "list_prompts", "prompts")}
        assert name not in listed_after
        assert "no prompt named" in await fails(client, "prompts.get", name=name)


async def test_notes_tools_and_resources(store_connect: StoreConnect) -> None:
    folder = unique("kb")
    path = f"{folder}/Compost heap.md"
    uri = f"note://{folder}/Compost%20heap.md"
    async with store_connect() as client:
        note = await ok(
            client,
            "notes.write",
            path=path,
            body=f"# Compost\nTurn it weekly. #{folder} [[Garden]]",
        )
        assert (note["uri"], note["title"], note["tags"], note["links"]) == (
            uri,
            "Compost heap",
            [folder],
            ["Garden"],
        )
        read = await ok(client, "notes.read", path=path)
        assert read["body"].startswith("# Compost")
        resources = {str(r.uri): r for r in await all_pages(client, "list_resources", "resources")}
        assert resources[uri].mime_type == "text/markdown"
        assert resources[uri].title == "Compost heap"
        contents = (await client.read_resource(uri)).contents[0]
        assert isinstance(contents, types.TextResourceContents)
        assert contents.text.startswith("# Compost")
        templates = await all_pages(client, "list_resource_templates", "resource_templates")
        assert "note://{+path}" in {t.uri_template for t in templates}

        hits = (await ok(client, "notes.search", query="weekly compost", tag=folder))["hits"]
        assert [h["path"] for h in hits] == [path]
        assert "**" in hits[0]["snippet"]
        listed = (await ok(client, "notes.list", prefix=f"{folder}/"))["notes"]
        assert [n["path"] for n in listed] == [path]

        stale = await fails(client, "notes.write", path=path, body="x", expected_version=5)
        assert "version 1, not 5" in stale
        assert "a note exists" in await fails(
            client, "notes.write", path=path, body="x", expected_version=0
        )
        moved = await ok(client, "notes.move", path=path, new_path=f"{folder}/heap.md")
        assert moved["version"] == 2
        await ok(client, "notes.delete", path=f"{folder}/heap.md", expected_version=2)
        with pytest.raises(MCPError):
            await client.read_resource(f"note://{folder}/heap.md")
        assert "no note at" in await fails(client, "notes.read", path=f"{folder}/heap.md")


async def test_stale_writes_merge_or_fail_naming_the_clash(store_connect: StoreConnect) -> None:
    path = f"{unique('merge')}/plan.md"
    async with store_connect() as client:
        await ok(client, "notes.write", path=path, body="a\n\nb\n")
        await ok(client, "notes.write", path=path, body="a!\n\nb\n", expected_version=1)
        merged = await ok(client, "notes.write", path=path, body="a\n\nb!\n", expected_version=1)
        assert (merged["version"], merged["body"]) == (3, "a!\n\nb!\n")
        clash = await fails(client, "notes.write", path=path, body="a?\n\nb!\n", expected_version=1)
        assert clash.startswith(f"note {path} is at version 3, not 1")
        assert "body (lines 1-1 changed on both sides)" in clash
        assert (await ok(client, "notes.read", path=path))["version"] == 3


async def test_tasks_tools_and_board_resource(store_connect: StoreConnect) -> None:
    board_id = unique("board")
    async with store_connect() as client:
        board = await ok(
            client,
            "tasks.create_board",
            title="Release",
            id=board_id,
            lanes=["Todo", "Doing", "Done"],
        )
        assert [lane["title"] for lane in board["lanes"]] == ["Todo", "Doing", "Done"]
        cards = [
            await ok(
                client,
                "tasks.create_card",
                board=board_id,
                lane="Todo",
                title=t,
                tags=["rel"],
                due="2026-12-24",
            )
            for t in ("write notes", "tag", "publish")
        ]
        moved = await ok(
            client, "tasks.move_card", card=cards[2]["id"], lane="Doing", expected_version=1
        )
        assert (moved["position"], moved["version"]) == (0, 2)
        await ok(client, "tasks.move_card", card=cards[1]["id"], position=0)
        done = await ok(client, "tasks.update_card", card=cards[0]["id"], done=True, body="ok")
        assert done["done"] is True
        archived = await ok(client, "tasks.archive_card", card=cards[1]["id"])
        assert archived["archived"] is True
        view = await ok(client, "tasks.get_board", board=board_id)
        order = {
            lane["title"]: [c["title"] for c in view["cards"] if c["lane_id"] == lane["id"]]
            for lane in view["lanes"]
        }
        assert order == {"Todo": ["write notes"], "Doing": ["publish"], "Done": []}
        assert [c["position"] for c in view["cards"]] == [0, 0]

        updated = await ok(
            client,
            "tasks.update_board",
            board=board_id,
            lanes=[
                {
                    "id": lane["id"],
                    "title": lane["title"],
                    "wip_limit": 1 if lane["title"] == "Doing" else None,
                }
                for lane in board["lanes"]
            ],
        )
        assert updated["lanes"][1]["wip_limit"] == 1
        assert "WIP limit" in await fails(
            client, "tasks.move_card", card=cards[0]["id"], lane="Doing"
        )
        boards = (await ok(client, "tasks.list_boards"))["boards"]
        assert board_id in {b["id"] for b in boards}

        resource = await client.read_resource(f"board://{board_id}")
        contents = resource.contents[0]
        assert isinstance(contents, types.TextResourceContents)
        assert json.loads(contents.text)["id"] == board_id

        assert "no card" in await fails(client, "tasks.update_card", card="missing", done=True)
        assert "no board" in await fails(
            client, "tasks.create_card", board=unique("nope"), lane="Todo", title="x"
        )
        assert "due date" in await fails(
            client, "tasks.create_card", board=board_id, lane="Todo", title="x", due="soon"
        )
        feedback = await ok(
            client, "feedback.add", entity="card", id=cards[0]["id"], score=0.8, comment="smooth"
        )
        assert feedback["score"] == 0.8


async def test_bad_input_is_reported_and_the_server_keeps_serving(
    store_connect: StoreConnect,
) -> None:
    async with store_connect() as client:
        big = "x" * (1024 * 1024 + 1)
        assert "the limit is 1048576" in await fails(
            client, "notes.write", path=unique("big"), body=big
        )
        assert "Invalid arguments" in await fails(client, "notes.write", path=3, body=None)
        assert "invalid note path" in await fails(client, "notes.write", path="../x", body="y")
        assert "invalid prompt name" in await fails(
            client, "prompts.create", name="has space", template="t"
        )
        assert "either a template" in await fails(client, "prompts.create", name=unique("p"))
        board = await ok(client, "tasks.create_board", title=unique("Bad input"))
        assert "invalid tag" in await fails(
            client,
            "tasks.create_card",
            board=board["id"],
            lane="Todo",
            title="t",
            tags=["two words"],
        )
        assert "at least one lane" in await fails(
            client, "tasks.update_board", board=board["id"], lanes=[]
        )
        # Still serving.
        assert (await ok(client, "notes.search", query="anything"))["hits"] is not None


async def test_changes_notify_subscribers(store_connect_any: StoreConnect) -> None:
    path = f"{unique('watched')}.md"
    uri = f"note://{path}"
    modern = store_connect_any.revision == "2026-07-28"  # type: ignore[attr-defined]
    updated: list[str] = []
    prompt_lists = anyio.Event()
    resource_lists = anyio.Event()
    got_update = anyio.Event()

    async def on_message(message: Any) -> None:
        if isinstance(message, types.ResourceUpdatedNotification):
            updated.append(str(message.params.uri))
            got_update.set()
        if isinstance(message, types.PromptListChangedNotification):
            prompt_lists.set()
        if isinstance(message, types.ResourceListChangedNotification):
            resource_lists.set()

    async with store_connect_any(message_handler=on_message) as client:
        await ok(client, "notes.write", path=path, body="one")
        if modern:
            async with client.listen(
                resource_subscriptions=[uri],
                prompts_list_changed=True,
                resources_list_changed=True,
            ) as sub:
                await ok(client, "notes.write", path=unique("other"), body="x")
                await ok(client, "notes.write", path=path, body="two")
                await ok(client, "prompts.create", name=unique("p"), template="t")
                kinds: set[str] = set()
                with anyio.fail_after(5):
                    async for event in sub:
                        if isinstance(event, ResourceUpdated):
                            assert event.uri == uri
                        kinds.add(type(event).__name__)
                        if kinds >= {
                            "ResourceUpdated",
                            "PromptsListChanged",
                            "ResourcesListChanged",
                        }:
                            break
        else:
            await client.subscribe_resource(uri)
            await ok(client, "notes.write", path=unique("other"), body="x")
            await ok(client, "notes.write", path=path, body="two")
            await ok(client, "prompts.create", name=unique("p"), template="t")
            with anyio.fail_after(5):
                await got_update.wait()
                await prompt_lists.wait()
                await resource_lists.wait()
            assert updated == [uri]


async def test_changes_by_another_process_reach_clients(store_http_server: StoreServer) -> None:
    """A note written by another process (the CLI, another node) shows up as a resource."""
    served = store_http_server.server.workbench
    assert served is not None
    path = f"{unique('external')}.md"
    other = Workbench.open(database_url=served.db.url, poll_interval=0)
    try:
        await other.notes.write(path, "from outside", actor="cli")
    finally:
        other.close()
    async with Client(store_http_server.url, cache=None) as client:
        with anyio.fail_after(10):
            while True:
                uris = {str(r.uri) for r in await all_pages(client, "list_resources", "resources")}
                if f"note://{path}" in uris:
                    break
                await anyio.sleep(0.1)
        contents = (await client.read_resource(f"note://{path}")).contents[0]
        assert isinstance(contents, types.TextResourceContents)
        assert contents.text == "from outside"
