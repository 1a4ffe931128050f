"""The knowledge pages in a real browser against a real server: the folder tree and search,
rendered notes whose wikilinks navigate, backlinks, edits saved with their version, changes
made elsewhere shown live, and the banner of a note vault sync holds in conflict."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from tests.ui.conftest import UiServer, screenshot

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def api(ui_server: UiServer) -> Iterator[httpx.Client]:
    with ui_server.api() as client:
        yield client


def new_note(api: httpx.Client, title: str, body: str) -> str:
    """A note of the test's own, in its own folder, titled by its file name; its path."""
    path = f"Tests/{secrets.token_hex(3)}/{title}.md"
    api.put(f"/notes/{path}", json={"body": body}).raise_for_status()
    return path


def open_note(ui_server: UiServer, page: Page, path: str, title: str) -> None:
    ui_server.open(page, f"note/?path={quote(path)}")
    # the page's title (the file name); the note's own "# Title" may follow
    expect(page.get_by_role("heading", name=title, exact=True).first).to_be_visible()


def test_the_notes_page_shows_the_folders_and_searches(ui_server: UiServer, page: Page) -> None:
    ui_server.open(page, "notes/")
    tree = page.get_by_role("navigation", name="Notes by folder")
    expect(tree.get_by_role("link", name="Alpha", exact=True)).to_be_visible()
    expect(tree.get_by_text("Projects", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Knowledge", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    page.get_by_label("Search notes").fill("alpha")
    results = page.get_by_role("list", name="Search results")
    expect(results.get_by_role("link", name=re.compile("^Alpha"))).to_be_visible()
    expect(results.locator("mark").first).to_have_text(re.compile("alpha", re.IGNORECASE))
    screenshot(page, "notes")
    results.get_by_role("link", name=re.compile("^Alpha")).click()
    expect(page.get_by_role("heading", name="Alpha", exact=True)).to_be_visible()


def test_a_wikilink_navigates_to_its_note_which_shows_its_backlinks(
    ui_server: UiServer, page: Page
) -> None:
    open_note(ui_server, page, "Welcome.md", "Welcome")
    note = page.get_by_role("region", name="Note")
    expect(note.get_by_role("heading", name="Welcome to MCP Workbench")).to_be_visible()
    expect(note.locator("code").first).to_have_text("notes.search")
    screenshot(page, "note")
    note.get_by_role("link", name="Projects/Alpha").click()
    expect(page).to_have_url(re.compile(r"/note/\?path=Projects%2FAlpha\.md$"))
    expect(page.get_by_role("heading", name="Alpha", exact=True)).to_be_visible()
    backlinks = page.get_by_role("list", name="Backlinks")
    expect(backlinks.get_by_role("link", name="Welcome", exact=True)).to_be_visible()
    page.get_by_role("region", name="Note").get_by_role("link", name="Welcome").click()
    expect(page).to_have_url(re.compile(r"/note/\?path=Welcome\.md$"))


def test_html_in_a_note_shows_as_text(ui_server: UiServer, page: Page, api: httpx.Client) -> None:
    path = new_note(
        api, "Unsafe", '# Unsafe\n\n<img src=x onerror="window.hacked=1">\n\n[[Nowhere]]\n'
    )
    open_note(ui_server, page, path, "Unsafe")
    note = page.get_by_role("region", name="Note")
    expect(note.locator("img")).to_have_count(0)
    expect(note.get_by_title("No note named “Nowhere” yet")).to_be_visible()
    assert page.evaluate("window.hacked") is None


def test_a_note_edited_through_rest_appears_live(
    ui_server: UiServer, page: Page, api: httpx.Client
) -> None:
    path = new_note(api, "Live", "# Live\n\nFirst words.\n")
    open_note(ui_server, page, path, "Live")
    api.put(f"/notes/{path}", json={"body": "# Live\n\nWords from a script.\n"}).raise_for_status()
    note = page.get_by_role("region", name="Note")
    expect(note).to_contain_text("Words from a script.")
    expect(page.get_by_text(f"{path} · v2")).to_be_visible()


def retype(page: Page, old: str, new: str) -> None:
    """In the note's Markdown editor, type ``new`` over the paragraph ``old``."""
    page.get_by_label("Markdown").get_by_text(old, exact=True).click()
    page.keyboard.press("End")
    page.keyboard.press("Shift+Home")
    page.keyboard.type(new)


def test_a_note_is_edited_and_saved_with_its_version(
    ui_server: UiServer, page: Page, api: httpx.Client
) -> None:
    path = new_note(api, "Edited", "# Edited\n\nBefore.\n")
    open_note(ui_server, page, path, "Edited")
    page.get_by_role("button", name="Edit").click()
    retype(page, "Before.", "After, see [[Welcome]].")
    screenshot(page, "note-editor")
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_role("region", name="Note").get_by_role("link", name="Welcome")
    ).to_be_visible()
    assert api.get(f"/notes/{path}").json()["body"] == "# Edited\n\nAfter, see [[Welcome]].\n"

    def change_first(route: Route) -> None:
        # Someone else saves the note just before this browser's edit reaches the server.
        if route.request.method == "PUT":
            api.put(f"/notes/{path}", json={"body": "# Edited\n\nTheirs.\n"}).raise_for_status()
        route.continue_()

    page.route(f"**/notes/{quote(path)}", change_first)
    page.get_by_role("button", name="Edit").click()
    retype(page, "After, see [[Welcome]].", "Mine.")
    page.get_by_role("button", name="Save").click()
    notice = page.get_by_role("status").filter(has_text=re.compile("Someone changed .* first"))
    expect(notice).to_be_visible()
    page.unroute(f"**/notes/{quote(path)}")
    assert api.get(f"/notes/{path}").json()["body"] == "# Edited\n\nTheirs.\n"
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("region", name="Note")).to_contain_text("Theirs.")


def test_a_note_in_conflict_shows_a_banner(
    ui_server: UiServer, page: Page, api: httpx.Client
) -> None:
    path = new_note(api, "Contested", "# Contested\n\nBoth sides changed me.\n")
    note_id = api.get(f"/notes/{path}").json()["id"]
    vault_path = f"Workbench/Knowledge/{path}"
    copy_path = vault_path.replace(".md", " (conflict).md")

    def with_conflict(route: Route) -> None:
        # Vault sync's answer while it holds this note in conflict.
        status = route.fetch().json()
        conflict = {"kind": "note", "id": note_id, "path": vault_path, "copy_path": copy_path}
        route.fulfill(json={**status, "conflicts": [*status["conflicts"], conflict]})

    page.route("**/api/v1/vault", with_conflict)
    open_note(ui_server, page, path, "Contested")
    banner = page.get_by_role("status").filter(has_text="changed both in the vault and here")
    expect(banner).to_contain_text(copy_path)
    screenshot(page, "note-conflict")
    # the banner came from the conflict alone: the server holds none about the note
    assert all(c["id"] != note_id for c in api.get("/vault").json()["conflicts"])
