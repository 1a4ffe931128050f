"""The JupyterLab side panel in a real browser against a real server: opened from the
palette, a tool called through the form its input schema makes, a prompt rendered and
inserted into a notebook cell, a note found and linked from a cell, the cards that mention
the user moved to another lane, the kanban board opened in a main-area tab."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from tests.ui.conftest import UiServer, eventually, screenshot
from tests.ui.lab_support import (
    card_id,
    cell_text,
    lane_id,
    make_board,
    new_notebook_cell,
    open_lab,
    open_panel,
    principal,
    run_command,
    show_tab,
)

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def lab(ui_server: UiServer, page: Page) -> Page:
    """JupyterLab with a fresh workspace, logged in with the token, once it has started."""
    return open_lab(page, ui_server)


def test_a_tool_is_called_through_its_form(lab: Page) -> None:
    panel = open_panel(lab)
    tools = panel.locator("#mcp-workbench-tools")
    expect(tools.locator("[data-tool='notes.search']")).to_be_visible()
    expect(tools.locator("[data-tool='workbench.info']")).to_be_visible()

    tools.get_by_placeholder("Filter tools").fill("notes.sea")
    expect(tools.locator("[data-tool]")).to_have_count(1)
    tools.locator("[data-tool='notes.search']").click()
    tools.locator("input[name='query']").fill("prompt")
    expect(tools.locator("input[name='limit']")).to_have_value("10")  # the schema's default
    tools.get_by_role("button", name="Call").click()

    result = tools.locator(".jp-McpWorkbench-result")
    expect(result).to_contain_text('"path": "Projects/Alpha.md"')
    expect(result).not_to_have_class("jp-McpWorkbench-error")
    screenshot(lab, "lab-tools")


def test_a_tool_call_shows_the_progress_the_tool_reports(
    tools_ui_server: UiServer, page: Page
) -> None:
    lab = open_lab(page, tools_ui_server)
    tools = open_panel(lab).locator("#mcp-workbench-tools")
    tools.get_by_placeholder("Filter tools").fill("slow")
    tools.locator("[data-tool='slow']").click()
    tools.locator("input[name='steps']").fill("150")  # a report every 10 ms or so
    tools.get_by_role("button", name="Call").click()
    result = tools.locator(".jp-McpWorkbench-result")
    expect(result.get_by_role("progressbar", name="Progress")).to_have_attribute("max", "150")
    expect(result).to_contain_text(re.compile(r"step \d+"))
    expect(result).to_contain_text("done 150", timeout=30_000)
    expect(result.get_by_role("progressbar")).to_have_count(0)


def test_a_rendered_prompt_is_inserted_into_the_active_cell(lab: Page) -> None:
    # The panel first: a new notebook takes the focus from the palette as its kernel starts.
    panel = open_panel(lab)
    lab.locator(".jp-LauncherCard[data-category='Notebook']").first.click()
    cell = lab.locator(".jp-NotebookPanel .jp-Cell").first
    expect(cell.locator(".cm-content")).to_be_visible()
    cell.locator(".cm-content").click()

    panel.locator(".lm-TabBar-tab", has_text="Prompts").click()
    prompts = panel.locator("#mcp-workbench-prompts")
    prompts.get_by_placeholder("Search prompts").fill("review")
    prompts.locator("[data-prompt='code-review']").click()
    prompts.locator("input[name='language']").fill("Python")
    prompts.locator("input[name='code']").fill("x = 1")
    prompts.get_by_role("button", name="Render").click()
    expected = "Review this Python code for bugs and unclear names:\n\nx = 1"
    expect(prompts.locator(".jp-McpWorkbench-result")).to_have_text(expected)

    prompts.get_by_role("button", name="Insert into cell").click()
    expect(prompts.get_by_text("Inserted into the active cell.")).to_be_visible()
    lines = cell.locator(".cm-line")
    expect(lines).to_have_count(3)
    texts: list[str] = lines.evaluate_all("lines => lines.map(line => line.textContent)")
    assert "\n".join(texts) == expected
    screenshot(lab, "lab-prompts")


def test_the_kanban_board_opens_in_a_main_area_tab(ui_server: UiServer, lab: Page) -> None:
    run_command(lab, "MCP Workbench: Open the kanban board")
    frame = lab.locator("#mcp-workbench-board iframe")
    expect(frame).to_have_attribute("src", f"{ui_server.ui}boards/")
    tab = lab.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="Kanban board")
    expect(tab).to_be_visible()


def test_a_note_is_found_read_and_linked_from_a_cell(ui_server: UiServer, lab: Page) -> None:
    knowledge = show_tab(lab, "Knowledge")
    cell = new_notebook_cell(lab)
    expect(knowledge.locator("[data-note='Welcome.md']")).to_be_visible()  # every note, unsearched

    knowledge.get_by_placeholder("Search notes").fill("code review")
    hit = knowledge.locator("[data-note='Projects/Alpha.md']")
    expect(hit).to_contain_text("Write down what done looks like")  # the snippet
    expect(knowledge.locator("[data-note='Welcome.md']")).to_have_count(0)
    hit.click()
    note = knowledge.locator(".jp-McpWorkbench-note")
    expect(note.get_by_role("heading", name="Next steps")).to_be_visible()  # rendered Markdown
    expect(knowledge.get_by_text("#project")).to_be_visible()
    screenshot(lab, "lab-knowledge")

    knowledge.get_by_role("button", name="Insert link").click()
    expect(knowledge.get_by_text("Inserted the link into the active cell.")).to_be_visible()
    expect(cell.locator(".cm-line")).to_have_text("[[Projects/Alpha]]")

    # A part of the note, selected in the rendered view, goes in as an excerpt.
    cell.locator(".cm-content").press("End")
    cell.locator(".cm-content").press("Enter")
    note.get_by_text("Write down what done looks like").select_text()
    knowledge.get_by_role("button", name="Insert text").click()
    expect(knowledge.get_by_text("Inserted the text into the active cell.")).to_be_visible()
    assert cell_text(cell).startswith("[[Projects/Alpha]]\nWrite down what done looks like")

    # The note's page of the web UI, in a main-area tab.
    knowledge.get_by_role("button", name="Open").click()
    frame = lab.locator(".jp-MainAreaWidget iframe[src*='/ui/note/']")
    expect(frame).to_have_attribute("src", f"{ui_server.ui}note/?path=Projects%2FAlpha.md")
    expect(lab.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="Alpha.md")).to_be_visible()


def test_my_cards_are_listed_and_one_moves_to_another_lane(ui_server: UiServer, lab: Page) -> None:
    me = principal(ui_server)
    mine, theirs, finished = f"Write the report @{me}", "Review the plan @nobody", f"Ship it @{me}"
    board = make_board(ui_server, [("Todo", mine), ("Todo", theirs), ("Done", finished)])
    tasks = show_tab(lab, "Tasks")
    entry = tasks.locator(f"[data-card='{card_id(board, mine)}']")
    expect(entry).to_contain_text(f"{board['title']} · Todo")
    # Only the open cards that mention the user; all open ones with the toggle.
    expect(tasks.locator(f"[data-card='{card_id(board, theirs)}']")).to_have_count(0)
    tasks.get_by_label("All open cards").check()
    expect(tasks.locator(f"[data-card='{card_id(board, theirs)}']")).to_be_visible()
    expect(tasks.locator(f"[data-card='{card_id(board, finished)}']")).to_have_count(0)
    tasks.get_by_label("All open cards").uncheck()
    expect(tasks.locator(f"[data-card='{card_id(board, theirs)}']")).to_have_count(0)

    entry.click()
    tasks.get_by_label("Lane").select_option("Doing")
    tasks.get_by_role("button", name="Move").click()
    expect(tasks.get_by_text("Moved to Doing.")).to_be_visible()
    expect(entry).to_contain_text(f"{board['title']} · Doing")
    screenshot(lab, "lab-tasks")

    # Stored, and written to the vault's board file under its new lane.
    with ui_server.api() as api:
        card = api.get(f"/cards/{card_id(board, mine)}").json()
    assert card["lane_id"] == lane_id(board, "Doing")
    assert card["version"] == 2

    def in_doing() -> bool:
        text = ui_server.board_file(board["id"]).read_text(encoding="utf-8")
        doing = text.split("## Doing", 1)[-1].split("## Done", 1)[0]
        return mine in doing

    eventually(lambda: in_doing() or None, "the card under ## Doing in the board file")

    # Its board, in the kanban web UI's tab.
    tasks.get_by_role("button", name="Open on the board").click()
    frame = lab.locator("#mcp-workbench-board iframe")
    expect(frame).to_have_attribute("src", f"{ui_server.ui}board/?id={board['id']}")


EVENTS = re.compile(r"/mcp-workbench/api/v1/events")


class EventsSocketGate:
    """Stands between the page and the events socket: lets connections through to the
    server, or refuses them (the server unreachable), and remembers the URLs asked for."""

    def __init__(self) -> None:
        self.refusing = False
        self.urls: list[str] = []
        self.open: list[WebSocketRoute] = []

    def __call__(self, socket: WebSocketRoute) -> None:
        self.urls.append(socket.url)
        if self.refusing:
            socket.close(code=1011, reason="unreachable")
        else:
            socket.connect_to_server()
            self.open.append(socket)

    def cut(self) -> None:
        """Drop the open connections and refuse new ones."""
        self.refusing = True
        for socket in self.open:
            socket.close(code=1011, reason="unreachable")
        self.open.clear()


def test_changes_made_elsewhere_show_up_live_and_resume_after_a_break(
    ui_server: UiServer, page: Page
) -> None:
    gate = EventsSocketGate()
    page.route_web_socket(EVENTS, gate)
    lab = open_lab(page, ui_server)
    tasks = show_tab(lab, "Tasks")
    tasks.get_by_label("All open cards").check()
    indicator = lab.locator("#mcp-workbench-panel .jp-McpWorkbench-live")

    # A card and a note made over REST show up without a reload.
    board = make_board(ui_server, [("Todo", "Made over REST")])
    entry = tasks.locator(f"[data-card='{card_id(board, 'Made over REST')}']")
    expect(entry).to_contain_text(f"{board['title']} · Todo")
    assert "after=" not in gate.urls[0]
    expect(indicator).to_be_hidden()
    knowledge = show_tab(lab, "Knowledge")
    expect(knowledge.locator("[data-note='Welcome.md']")).to_be_visible()
    path = f"Live/Note {board['id']}.md"
    with ui_server.api() as api:
        written = {"body": "Written while the panel is open"}
        api.put(f"/notes/{path}", json=written).raise_for_status()
    expect(knowledge.locator(f"[data-note='{path}']")).to_be_visible()
    knowledge.locator(f"[data-note='{path}']").click()
    note = knowledge.locator(".jp-McpWorkbench-note")
    expect(note).to_contain_text("Written while the panel is open")
    with ui_server.api() as api:
        api.put(f"/notes/{path}", json={"body": "And changed again"}).raise_for_status()
    expect(note).to_contain_text("And changed again")
    prompts = show_tab(lab, "Prompts")
    expect(prompts.locator("[data-prompt='code-review']")).to_be_visible()
    name = f"live-{board['id']}"
    with ui_server.api() as api:
        api.post("/prompts", json={"name": name, "template": "Hi"}).raise_for_status()
    expect(prompts.locator(f"[data-prompt='{name}']")).to_be_visible()

    # The socket drops and stays down: the panel says so.
    gate.cut()
    tasks = show_tab(lab, "Tasks")
    expect(indicator).to_contain_text("Live updates paused")
    screenshot(lab, "lab-paused")

    # Moved elsewhere meanwhile: the panel's move is refused as stale and the card read again.
    moved = card_id(board, "Made over REST")
    with ui_server.api() as api:
        api.post(f"/cards/{moved}/move", json={"lane": "Doing"}).raise_for_status()
    entry.click()
    tasks.get_by_label("Lane").select_option("Done")
    tasks.get_by_role("button", name="Move").click()
    refused = tasks.get_by_text("Not moved: the card was changed elsewhere meanwhile.")
    expect(refused).to_contain_text("The cards were read again")
    expect(entry).to_contain_text(f"{board['title']} · Doing")
    screenshot(lab, "lab-conflict")
    with ui_server.api() as api:
        assert api.get(f"/cards/{moved}").json()["lane_id"] == lane_id(board, "Doing")

    # What changes while the socket is down arrives once it is back, resumed by seq.
    with ui_server.api() as api:
        made = api.post(f"/boards/{board['id']}/cards", json={"lane": "Todo", "title": "Later"})
        made.raise_for_status()
    later = tasks.locator(f"[data-card='{made.json()['id']}']")
    expect(later).to_have_count(0)
    # "Retry now" tries at once, whatever the backoff has grown to (still refused here).
    # The gate is not opened before the click: an automatic retry the page began meanwhile
    # would get through, and the button would be gone before it is clicked.
    attempts = len(gate.urls)
    indicator.get_by_role("button", name="Retry now").click()
    for _ in range(20):  # within a second; route callbacks run while the test waits
        if len(gate.urls) > attempts:
            break
        page.wait_for_timeout(50)
    assert len(gate.urls) > attempts, gate.urls
    expect(indicator).to_contain_text("Live updates paused")
    # Reachable again: the backoff the button reset brings the panel back within a second
    # or two, resumed by seq.
    gate.refusing = False
    expect(indicator).to_be_hidden(timeout=10_000)
    expect(later).to_be_visible()
    assert re.search(r"[?&]after=\d+", gate.urls[-1]), gate.urls
