"""The prompts pages in a real browser against a real server: the list and its search, a
prompt edited into a new version, compared with the old one, labelled, tried and rated,
changes by others shown live, and a version conflict explained."""

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


def new_prompt(api: httpx.Client, template: str = "Summarise {{text}} for {{audience}}.") -> str:
    """A prompt of the test's own (version 1, labelled production); its name."""
    name = f"prompt-{secrets.token_hex(3)}"
    body = {"name": name, "template": template, "description": "A test's prompt"}
    api.post("/prompts", json={**body, "labels": ["production"]}).raise_for_status()
    return name


def open_prompt(ui_server: UiServer, page: Page, name: str) -> None:
    ui_server.open(page, f"prompt/?name={quote(name)}")
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()


def test_the_prompts_page_lists_and_searches_the_prompts(ui_server: UiServer, page: Page) -> None:
    ui_server.open(page, "prompts/")
    prompts = page.get_by_role("list", name="Prompts")
    expect(prompts.get_by_role("link", name=re.compile("code-review"))).to_be_visible()
    expect(page.get_by_role("link", name="Prompts", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    screenshot(page, "prompts")
    page.get_by_label("Search prompts").fill("no such prompt anywhere")
    expect(page.get_by_text("No prompt matches.")).to_be_visible()
    page.get_by_label("Search prompts").fill("focused review")
    prompts.get_by_role("link", name=re.compile("code-review")).click()
    expect(page).to_have_url(re.compile(r"/prompt/\?name=code-review$"))
    expect(page.get_by_role("heading", name="code-review", exact=True)).to_be_visible()


def test_an_edited_prompt_is_a_new_version_that_is_labelled_and_tried(
    ui_server: UiServer, page: Page, api: httpx.Client
) -> None:
    name = new_prompt(api)
    open_prompt(ui_server, page, name)

    page.get_by_role("button", name="Edit").click()
    page.get_by_label("Template").fill("Summarise {{text}} for {{audience}} in a {{tone}} tone.")
    page.get_by_label("What changed").fill("Ask for a tone")
    page.get_by_role("button", name="Save as new version").click()
    versions = page.get_by_role("table", name="Versions")
    expect(versions.get_by_role("row", name=re.compile("Ask for a tone"))).to_be_visible()
    expect(page.get_by_role("heading", name="Version 2")).to_be_visible()
    assert api.get(f"/prompts/{name}").json()["version"] == 2

    versions.get_by_role("row", name=re.compile("v2")).get_by_role(
        "button", name="Make production"
    ).click()
    v1 = versions.get_by_role("row", name=re.compile("v1"))
    expect(v1.get_by_role("button", name="Make production")).to_be_visible()  # production left v1
    expect(v1.get_by_role("button", name="Remove label production")).to_have_count(0)
    assert api.get(f"/prompts/{name}", params={"label": "production"}).json()["version"] == 2

    versions.get_by_label("Compare version 1").check()
    versions.get_by_label("Compare version 2").check()
    diff = page.get_by_role("list", name="Changes from v1 to v2")
    expect(diff.locator("[data-kind=removed]")).to_have_text(
        "\u2212 Summarise {{text}} for {{audience}}."
    )
    expect(diff.locator("[data-kind=added]")).to_have_text(
        "+ Summarise {{text}} for {{audience}} in a {{tone}} tone."
    )

    page.get_by_label("text").fill("the release notes")
    page.get_by_label("audience").fill("managers")
    page.get_by_label("tone").fill("calm")
    page.get_by_role("button", name="Render v2").click()
    rendered = page.get_by_label("Rendered messages")
    expect(rendered).to_contain_text("Summarise the release notes for managers in a calm tone.")

    page.get_by_role("button", name="4 of 5").click()
    page.get_by_label("Comment").fill("Clear enough")
    page.get_by_role("button", name="Rate v2").click()
    expect(page.get_by_role("list", name="Feedback on v2")).to_contain_text("Clear enough")
    feedback = api.get("/feedback", params={"entity": "prompt", "entity_id": name}).json()
    assert [(f["version"], f["score"], f["comment"]) for f in feedback] == [
        (2, 0.75, "Clear enough")
    ]
    saved = page.get_by_role("status").filter(has_text="as a new version")
    saved.get_by_role("button", name="Dismiss notification").click()
    expect(saved).to_have_count(0)
    screenshot(page, "prompt-try")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "prompt")


def test_a_new_version_saved_elsewhere_appears_live(
    ui_server: UiServer, page: Page, api: httpx.Client
) -> None:
    name = new_prompt(api)
    open_prompt(ui_server, page, name)
    api.patch(
        f"/prompts/{name}", json={"template": "Shorten {{text}}.", "message": "From a script"}
    ).raise_for_status()
    expect(page.get_by_role("heading", name="Version 2")).to_be_visible()
    expect(page.get_by_label("Messages")).to_contain_text("Shorten {{text}}.")


def test_a_version_conflict_keeps_the_newer_version_and_says_so(
    ui_server: UiServer, page: Page, api: httpx.Client
) -> None:
    name = new_prompt(api)
    open_prompt(ui_server, page, name)

    def change_first(route: Route) -> None:
        # Someone else saves a version just before this browser's reaches the server.
        if route.request.method == "PATCH":
            api.patch(f"/prompts/{name}", json={"template": "Theirs {{text}}."}).raise_for_status()
        route.continue_()

    page.route(f"**/prompts/{name}", change_first)
    page.get_by_role("button", name="Edit").click()
    page.get_by_label("Template").fill("Mine {{text}}.")
    page.get_by_role("button", name="Save as new version").click()
    notice = page.get_by_role("status").filter(has_text=re.compile("Someone changed .* first"))
    expect(notice).to_be_visible()
    expect(page.get_by_role("heading", name="Version 2")).to_be_visible()
    page.unroute(f"**/prompts/{name}")
    assert api.get(f"/prompts/{name}").json()["messages"][0]["text"] == "Theirs {{text}}."


def test_each_message_has_its_own_markdown_editor(
    ui_server: UiServer, page: Page, api: httpx.Client
) -> None:
    name = new_prompt(api, "Explain {{topic}}.")
    open_prompt(ui_server, page, name)
    page.get_by_role("button", name="Edit").click()
    editor = page.get_by_role("form", name="Edit the prompt")
    expect(editor.get_by_label("Template")).to_contain_text("Explain {{topic}}.")
    # The source of the text the editor started from, as Markdown.
    editor.get_by_role("radio", name="Source mode").click()
    expect(editor.locator(".cm-content")).to_have_text("Explain {{topic}}.")
    editor.get_by_role("radio", name="Rich text").click()

    editor.get_by_role("button", name="Add a message").click()
    expect(editor.get_by_label("Role of message 2")).to_have_value("assistant")
    editor.get_by_label("Template, message 2").fill("Sure: {{topic}} in **one** line.")
    editor.get_by_label("Role of message 1").select_option("user")
    page.get_by_label("What changed").fill("An example answer")
    screenshot(page, "prompt-editor")
    page.get_by_role("button", name="Save as new version").click()
    expect(page.get_by_role("heading", name="Version 2")).to_be_visible()
    messages = api.get(f"/prompts/{name}").json()["messages"]
    assert messages == [
        {"role": "user", "text": "Explain {{topic}}."},
        {"role": "assistant", "text": "Sure: {{topic}} in \\*\\*one\\*\\* line."},
    ]


def test_any_label_is_set_moved_and_removed(
    ui_server: UiServer, page: Page, api: httpx.Client
) -> None:
    name = new_prompt(api)
    api.patch(f"/prompts/{name}", json={"template": "Two {{text}}."}).raise_for_status()
    open_prompt(ui_server, page, name)
    versions = page.get_by_role("table", name="Versions")
    form = page.get_by_role("form", name="Set a label")

    form.get_by_label("Label").fill("Not A Label")
    form.get_by_role("button", name="Set label").click()
    expect(form.get_by_role("alert")).to_contain_text("lowercase letters")

    form.get_by_label("Label").fill("staging")
    form.get_by_label("on").select_option("1")
    form.get_by_role("button", name="Set label").click()
    v1 = versions.get_by_role("row", name=re.compile(r"\bv1\b"))
    expect(v1.get_by_role("button", name="Remove label staging")).to_be_visible()
    assert api.get(f"/prompts/{name}", params={"label": "staging"}).json()["version"] == 1

    form.get_by_label("Label").fill("staging")
    form.get_by_label("on").select_option("2")
    form.get_by_role("button", name="Set label").click()
    v2 = versions.get_by_role("row", name=re.compile(r"\bv2\b"))
    expect(v2.get_by_role("button", name="Remove label staging")).to_be_visible()
    expect(v1.get_by_role("button", name="Remove label staging")).to_have_count(0)
    assert api.get(f"/prompts/{name}", params={"label": "staging"}).json()["version"] == 2

    v1.get_by_role("button", name="Remove label production").click()
    expect(v1.get_by_role("button", name="Make production")).to_be_visible()
    labels = api.get(f"/prompts/{name}/versions").json()
    assert {v["version"]: sorted(v["labels"]) for v in labels} == {
        2: ["latest", "staging"],
        1: [],
    }


def test_the_search_is_done_by_the_server(ui_server: UiServer, page: Page) -> None:
    ui_server.open(page, "prompts/")
    with page.expect_request(
        lambda request: "/api/v1/prompts?" in request.url and "q=focused+review" in request.url
    ):
        page.get_by_label("Search prompts").fill("focused review")
    prompts = page.get_by_role("list", name="Prompts")
    expect(prompts.get_by_role("link")).to_have_count(1)
    expect(prompts.get_by_role("link", name=re.compile("code-review"))).to_be_visible()
