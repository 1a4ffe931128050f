"""The Kanban UI in a real browser against a real server: boards and cards shown, dragged
(pointer and keyboard) and saved to the vault, edited, live across browsers, MCP clients and
Obsidian edits, conflicts and WIP limits explained to the user."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, Route, WebSocketRoute, expect

from tests.ui.conftest import UiServer, eventually, screenshot

pytestmark = pytest.mark.timeout(60)


@dataclass
class OwnBoard:
    """A board of a test's own: its id, lanes by title, cards by title."""

    id: str
    title: str
    lanes: dict[str, str]
    cards: dict[str, str]

    def path(self) -> str:
        return f"board/?id={self.id}"


@pytest.fixture
def api(ui_server: UiServer) -> Iterator[httpx.Client]:
    with ui_server.api() as client:
        yield client


def new_board(api: httpx.Client, cards: dict[str, list[str]], **lanes: Any) -> OwnBoard:
    """A board with Todo, Doing, Done and the given cards in them."""
    title = f"Board {secrets.token_hex(3)}"
    board = api.post("/boards", json={"title": title, **lanes}).raise_for_status().json()
    lane_ids = {lane["title"]: lane["id"] for lane in board["lanes"]}
    card_ids: dict[str, str] = {}
    for lane, titles in cards.items():
        for card_title in titles:
            card = api.post(
                f"/boards/{board['id']}/cards", json={"lane": lane, "title": card_title}
            )
            card_ids[card_title] = card.raise_for_status().json()["id"]
    return OwnBoard(board["id"], title, lane_ids, card_ids)


def card(page: Page, title: str) -> Locator:
    return page.get_by_test_id("card").filter(has_text=title)


def lane(page: Page, title: str) -> Locator:
    return page.locator(f'[data-testid="lane"][data-lane="{title}"]')


def open_board(ui_server: UiServer, page: Page, board: OwnBoard) -> None:
    ui_server.open(page, board.path())
    expect(page.get_by_test_id("board")).to_have_attribute("data-ready", "true")
    expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "live")


def lane_of(api: httpx.Client, card_id: str) -> str:
    lane_id: str = api.get(f"/cards/{card_id}").raise_for_status().json()["lane_id"]
    return lane_id


def drag(page: Page, source: Locator, target: Locator) -> None:
    """Drag with the mouse as a person would: press, move past the activation distance,
    glide to the target, release."""
    start = source.bounding_box()
    end = target.bounding_box()
    assert start is not None
    assert end is not None
    x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 10, y + 10, steps=2)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 20, steps=10)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 24, steps=2)
    page.mouse.up()


def test_the_boards_page_lists_the_boards(ui_server: UiServer, page: Page) -> None:
    ui_server.open(page)
    expect(page.get_by_role("heading", name="Boards", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Roadmap"))).to_be_visible()
    expect(page.get_by_test_id("connection")).to_have_text("Live")
    assert "token=" not in page.url  # the token leaves the address bar once used
    screenshot(page, "boards")


def test_a_new_board_is_created_and_opened(ui_server: UiServer, page: Page) -> None:
    ui_server.open(page)
    title = f"Launch {secrets.token_hex(3)}"
    page.get_by_label("Title of the new board").fill(title)
    page.get_by_role("button", name="Create board").click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    expect(lane(page, "Todo")).to_be_visible()


def test_a_card_dragged_across_lanes_is_saved_in_the_vault(
    ui_server: UiServer, page: Page, api: httpx.Client
) -> None:
    board = new_board(
        api,
        {"Todo": ["Write the docs", "Fix the bug", "Plan the demo"], "Doing": ["Review"]},
        lanes=["Todo", {"title": "Doing", "wip_limit": 3}, "Done"],
    )
    for title, change in [
        ("Fix the bug", {"tags": ["bug", "urgent"], "due": "2020-02-01"}),
        ("Plan the demo", {"tags": ["demo"], "due": "2031-06-30"}),
        ("Review", {"tags": ["docs"]}),
    ]:
        api.patch(f"/cards/{board.cards[title]}", json=change).raise_for_status()
    open_board(ui_server, page, board)
    expect(card(page, "Fix the bug")).to_contain_text("#urgent")
    screenshot(page, "board")
    drag(page, card(page, "Write the docs"), lane(page, "Doing").locator("ol"))
    expect(lane(page, "Doing")).to_contain_text("Write the docs")
    eventually(lambda: lane_of(api, board.cards["Write the docs"]) == board.lanes["Doing"] or None)

    def in_doing() -> str | None:
        text = ui_server.board_file(board.id).read_text(encoding="utf-8")
        doing = text.split("## Doing", 1)[1].split("## Done", 1)[0]
        return text if "Write the docs" in doing else None

    eventually(in_doing)


def test_a_card_dragged_into_the_done_lane_is_done(
    ui_server: UiServer, page: Page, api: httpx.Client
) -> None:
    board = new_board(api, {"Doing": ["Ship it"]})
    open_board(ui_server, page, board)
    drag(page, card(page, "Ship it"), lane(page, "Done").locator("ol"))
    expect(card(page, "Ship it")).to_have_attribute("aria-label", "Ship it (done)")

    def done() -> bool | None:
        return api.get(f"/cards/{board.cards['Ship it']}").json()["done"] or None

    eventually(done)


def test_the_keyboard_moves_a_card_across_lanes(
    ui_server: UiServer, page: Page, api: httpx.Client
) -> None:
    board = new_board(api, {"Todo": ["By keyboard"]})
    open_board(ui_server, page, board)
    card(page, "By keyboard").focus()
    page.keyboard.press("Space")
    expect(card(page, "By keyboard")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("ArrowRight")
    expect(lane(page, "Doing")).to_contain_text("By keyboard")  # while still held
    page.keyboard.press("Space")
    expect(lane(page, "Doing")).to_contain_text("By keyboard")
    eventually(lambda: lane_of(api, board.cards["By keyboard"]) == board.lanes["Doing"] or None)


def test_a_card_is_added_edited_and_archived(
    ui_server: UiServer, page: Page, api: httpx.Client
) -> None:
    board = new_board(api, {})
    open_board(ui_server, page, board)
    page.get_by_role("button", name="Add a card to Todo").click()
    page.get_by_label("Title of the new card in Todo").fill("Plan the release")
    page.keyboard.press("Enter")
    expect(card(page, "Plan the release")).to_be_visible()

    page.get_by_role("button", name="Edit “Plan the release”").click()
    dialog = page.get_by_role("dialog", name="Edit card")
    dialog.get_by_label("Title").fill("Plan the 1.0 release")
    dialog.get_by_label("Description").fill("Dates, notes, announcement.")
    dialog.get_by_label("Due date").fill("2030-01-15")
    dialog.get_by_label("Tags").fill("release, planning")
    screenshot(page, "card-editor")
    dialog.get_by_role("button", name="Save").click()
    expect(card(page, "Plan the 1.0 release")).to_contain_text("#planning")
    expect(card(page, "Plan the 1.0 release")).to_contain_text("2030")

    def saved() -> dict[str, Any] | None:
        cards = api.get(f"/boards/{board.id}").json()["cards"]
        found = [c for c in cards if c["title"] == "Plan the 1.0 release"]
        return found[0] if found and found[0]["due"] else None

    saved_card = eventually(saved)
    assert saved_card["tags"] == ["release", "planning"]
    assert saved_card["due"] == "2030-01-15"
    assert saved_card["body"] == "Dates, notes, announcement."

    card(page, "Plan the 1.0 release").click()
    page.get_by_role("dialog", name="Edit card").get_by_role("button", name="Archive card").click()
    expect(card(page, "Plan the 1.0 release")).to_have_count(0)
    eventually(lambda: api.get(f"/cards/{saved_card['id']}").json()["archived"] or None)


def test_two_browsers_see_each_others_changes_live(
    ui_server: UiServer, browser: Browser, api: httpx.Client
) -> None:
    board = new_board(api, {"Todo": ["Shared card"]})
    first = browser.new_context(viewport={"width": 1280, "height": 800})
    second = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        one, two = first.new_page(), second.new_page()
        open_board(ui_server, one, board)
        open_board(ui_server, two, board)
        one.get_by_role("button", name="Add a card to Doing").click()
        one.get_by_label("Title of the new card in Doing").fill("From the first browser")
        one.keyboard.press("Enter")
        expect(lane(two, "Doing")).to_contain_text("From the first browser")

        drag(two, card(two, "Shared card"), lane(two, "Done").locator("ol"))
        expect(lane(one, "Done")).to_contain_text("Shared card")
        screenshot(two, "board-live")
    finally:
        first.close()
        second.close()


def test_a_vault_file_edit_appears_in_the_open_board(
    ui_server: UiServer, page: Page, api: httpx.Client
) -> None:
    board = new_board(api, {"Todo": ["Already here"]})
    open_board(ui_server, page, board)
    file = eventually(lambda: ui_server.board_file(board.id))
    text = file.read_text(encoding="utf-8")
    edited = text.replace("- [ ] Already here", "- [ ] Already here\n- [ ] Added in Obsidian", 1)
    assert edited != text
    file.write_text(edited, encoding="utf-8")
    expect(lane(page, "Todo")).to_contain_text("Added in Obsidian", timeout=10_000)


def test_a_change_by_an_mcp_client_appears_in_the_open_board(
    ui_server: UiServer, page: Page, api: httpx.Client
) -> None:
    board = new_board(api, {"Todo": ["Existing"]})
    open_board(ui_server, page, board)
    call = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {
            "name": "tasks.create_card",
            "arguments": {"board": board.id, "lane": "Doing", "title": "Made by an MCP client"},
            "_meta": {
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientCapabilities": {},
            },
        },
    }
    reply = httpx.post(
        f"{ui_server.url}mcp",
        content=json.dumps(call),
        headers={
            "Authorization": f"token {ui_server.token}",
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
            "MCP-Protocol-Version": "2026-07-28",
            "Mcp-Method": "tools/call",
            "Mcp-Name": "tasks.create_card",
        },
        timeout=10,
    )
    assert not reply.json()["result"].get("isError"), reply.text
    expect(lane(page, "Doing")).to_contain_text("Made by an MCP client")


def test_a_version_conflict_reloads_the_board_and_says_so(
    ui_server: UiServer, page: Page, api: httpx.Client
) -> None:
    board = new_board(api, {"Todo": ["Contested"]})
    card_id = board.cards["Contested"]
    open_board(ui_server, page, board)

    def change_first(route: Route) -> None:
        # Someone else saves the card just before this browser's change reaches the server.
        api.patch(f"/cards/{card_id}", json={"title": "Renamed elsewhere"}).raise_for_status()
        route.continue_()

    page.route(f"**/cards/{card_id}", change_first)
    page.get_by_role("button", name="Edit “Contested”").click()
    dialog = page.get_by_role("dialog", name="Edit card")
    dialog.get_by_label("Title").fill("Renamed here")
    dialog.get_by_role("button", name="Save").click()
    notice = page.get_by_role("status").filter(has_text="Someone else changed this card first")
    expect(notice).to_be_visible()
    expect(card(page, "Renamed elsewhere")).to_be_visible()
    screenshot(page, "conflict")
    page.unroute(f"**/cards/{card_id}")


def test_a_full_lane_refuses_a_card_until_told_to(
    ui_server: UiServer, page: Page, api: httpx.Client
) -> None:
    board = new_board(
        api,
        {"Todo": ["One more"], "Doing": ["Busy"]},
        lanes=["Todo", {"title": "Doing", "wip_limit": 1}, "Done"],
    )
    open_board(ui_server, page, board)
    expect(lane(page, "Doing")).to_contain_text("1 / 1")
    drag(page, card(page, "One more"), lane(page, "Doing").locator("ol"))
    notice = page.get_by_role("status").filter(has_text="is at its WIP limit of 1")
    expect(notice).to_be_visible()
    expect(lane(page, "Todo")).to_contain_text("One more")
    assert lane_of(api, board.cards["One more"]) == board.lanes["Todo"]
    notice.get_by_role("button", name="Move anyway").click()
    expect(lane(page, "Doing")).to_contain_text("Over the WIP limit of 1")
    eventually(lambda: lane_of(api, board.cards["One more"]) == board.lanes["Doing"] or None)


def test_the_ui_needs_a_jupyter_login(ui_server: UiServer, page: Page) -> None:
    page.goto(f"{ui_server.ui}boards/")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_a_dropped_socket_pauses_live_updates_and_resumes_by_seq(
    ui_server: UiServer, page: Page, api: httpx.Client
) -> None:
    board = new_board(api, {"Todo": ["Before the drop"]})
    sockets: list[WebSocketRoute] = []
    urls: list[str] = []
    accept = {"now": True}

    def events_socket(socket: WebSocketRoute) -> None:
        urls.append(socket.url)
        if not accept["now"]:
            socket.close(code=1001, reason="The server is shutting down")
            return
        socket.connect_to_server()
        sockets.append(socket)

    page.route_web_socket(re.compile(r"/api/v1/events"), events_socket)
    open_board(ui_server, page, board)
    api.post(f"/boards/{board.id}/cards", json={"lane": "Todo", "title": "Seen live"})
    expect(lane(page, "Todo")).to_contain_text("Seen live")  # the page now knows a seq
    reads: list[str] = []
    page.on("request", lambda r: reads.append(r.url) if f"/boards/{board.id}" in r.url else None)
    accept["now"] = False
    sockets[-1].close(code=1001, reason="The server is shutting down")
    connection = page.get_by_test_id("connection")
    expect(connection).to_have_attribute("data-state", "paused")
    expect(connection).to_have_text("Live updates paused")
    screenshot(page, "paused")

    api.post(f"/boards/{board.id}/cards", json={"lane": "Doing", "title": "While paused"})
    while len(urls) < 2:  # it tries again (the handler runs while Playwright waits)
        page.wait_for_timeout(50)
    accept["now"] = True
    expect(connection).to_have_attribute("data-state", "live", timeout=15_000)
    expect(lane(page, "Doing")).to_contain_text("While paused")
    assert re.search(r"[?&]after=\d+", urls[-1]), urls[-1]
    assert reads == []  # replayed from the event log, not read again
