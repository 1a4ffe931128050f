"""The tools page in a real browser against a real server: the catalog as the access
policy shows it, searched; a tool called through the form made from its input schema, with
its result; arguments refused by the form and by the server shown beside their fields, the
next call working; a long call shown as running; a hidden tool nowhere to be seen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.ui.conftest import UiServer, screenshot

pytestmark = pytest.mark.timeout(60)


def choose(page: Page, name: str) -> Locator:
    """Pick the tool ``name`` in the catalog; its panel (form and result)."""
    page.get_by_role("navigation", name="Tool catalog").get_by_role(
        "button", name=name, exact=True
    ).click()
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    return page.get_by_role("main")


def test_a_tool_is_called_through_its_form(ui_server: UiServer, page: Page) -> None:
    ui_server.open(page, "tools/")
    expect(page.get_by_role("link", name="Tools", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    catalog = page.get_by_role("navigation", name="Tool catalog")
    expect(catalog.get_by_role("button", name="workbench.info")).to_be_visible()
    page.get_by_label("Search tools").fill("no such tool anywhere")
    expect(catalog.get_by_role("button")).to_have_count(0)
    page.get_by_label("Search tools").fill("notes.sea")
    expect(catalog.get_by_role("button")).to_have_count(1)

    main = choose(page, "notes.search")
    expect(page).to_have_url(re.compile(r"/tools/\?tool=notes\.search$"))
    form = main.get_by_role("form", name="Arguments")
    expect(form.get_by_label("limit", exact=True)).to_have_value("10")  # the schema's default
    form.get_by_label("query", exact=True).fill("prompt")
    form.get_by_role("button", name="Call").click()

    result = main.get_by_role("region", name="Result")
    expect(result).to_have_attribute("data-outcome", "ok")
    expect(result.get_by_label("Structured content")).to_contain_text('"path": "Projects/Alpha.md"')
    screenshot(page, "tools")


def test_invalid_arguments_are_shown_by_their_fields_and_the_next_call_works(
    ui_server: UiServer, page: Page
) -> None:
    ui_server.open(page, "tools/?tool=prompts.render")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="prompts.render", exact=True)).to_be_visible()
    form = main.get_by_role("form", name="Arguments")
    call = form.get_by_role("button", name="Call")

    # Checked in the browser: nothing is sent.
    call.click()
    name = form.get_by_label("name", exact=True)
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(form).to_contain_text("Required.")
    form.get_by_label("version", exact=True).fill("1.5")
    call.click()
    expect(form).to_contain_text("Enter a whole number.")
    expect(main.get_by_role("region", name="Result")).to_have_count(0)

    # Checked by the server: each value of `arguments` must be a string.
    form.get_by_label("version", exact=True).fill("")
    name.fill("code-review")
    arguments = form.get_by_label("arguments", exact=True)
    arguments.fill('{"language": "Python", "code": 42}')
    call.click()
    result = main.get_by_role("region", name="Result")
    expect(result).to_have_attribute("data-outcome", "error")
    expect(result.get_by_role("alert")).to_contain_text("Invalid arguments")
    expect(arguments).to_have_attribute("aria-invalid", "true")
    expect(form).to_contain_text("valid string")
    screenshot(page, "tools-error")

    arguments.fill('{"language": "Python", "code": "print(1)"}')
    call.click()
    expect(result).to_have_attribute("data-outcome", "ok")
    expect(result).to_contain_text("Review this Python code")
    expect(arguments).not_to_have_attribute("aria-invalid", "true")


def test_a_long_call_shows_that_it_runs(policy_ui_server: UiServer, page: Page) -> None:
    policy_ui_server.open(page, "tools/?tool=sleepy")
    form = page.get_by_role("form", name="Arguments")
    form.get_by_label("seconds", exact=True).fill("1.5")
    form.get_by_role("button", name="Call").click()
    expect(form.get_by_role("button", name="Calling…")).to_be_disabled()
    expect(form.get_by_role("status")).to_contain_text("Running…")
    result = page.get_by_role("region", name="Result")
    expect(result).to_contain_text("slept")
    expect(form.get_by_role("button", name="Call")).to_be_enabled()


def test_a_call_shows_the_progress_the_tool_reports(policy_ui_server: UiServer, page: Page) -> None:
    policy_ui_server.open(page, "tools/?tool=slow")
    form = page.get_by_role("form", name="Arguments")
    form.get_by_label("steps", exact=True).fill("150")  # a report every 10 ms or so
    form.get_by_role("button", name="Call").click()
    bar = form.get_by_role("progressbar", name="Progress")
    expect(bar).to_have_attribute("max", "150")
    expect(form.get_by_label("Progress message")).to_contain_text(re.compile(r"^step \d+$"))
    expect(bar).not_to_have_attribute("value", "0")
    screenshot(page, "tools-progress")
    result = page.get_by_role("region", name="Result")
    expect(result).to_contain_text("done 150", timeout=30_000)
    expect(bar).to_have_count(0)  # gone with the call


def test_a_denied_user_sees_no_denied_tool(policy_ui_server: UiServer, page: Page) -> None:
    with policy_ui_server.api() as api:
        listed = [tool["name"] for tool in api.get("/tools").json()]
        assert "echo" in listed
        assert "fail" not in listed
        assert api.post("/tools/fail/call", json={"message": "x"}).status_code == 404

    policy_ui_server.open(page, "tools/")
    catalog = page.get_by_role("navigation", name="Tool catalog")
    expect(catalog.get_by_role("button", name="echo", exact=True)).to_be_visible()
    expect(catalog.get_by_role("button", name="fail", exact=True)).to_have_count(0)
    expect(catalog).to_contain_text(f"{len(listed)} tools")
    page.get_by_label("Search tools").fill("ordinary exception")  # its description
    expect(catalog).to_have_count(0)
    expect(page.get_by_text("No tool matches.")).to_be_visible()

    policy_ui_server.open(page, "tools/?tool=fail")
    expect(page.get_by_role("main").get_by_role("alert")).to_contain_text(
        "There is no tool “fail” that you may use"
    )


def test_the_catalog_is_read_again_when_it_changes(tools_ui_server: UiServer, page: Page) -> None:
    tools_ui_server.open(page, "tools/?tool=toggle_tool")
    expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "live")
    catalog = page.get_by_role("navigation", name="Tool catalog")
    expect(catalog.get_by_role("button", name="toggle_tool", exact=True)).to_be_visible()
    expect(catalog.get_by_role("button", name="dynamic", exact=True)).to_have_count(0)

    # A tool registers another at run time: the server journals the change as an event.
    form = page.get_by_role("form", name="Arguments")
    form.get_by_label("present", exact=True).check()
    form.get_by_role("button", name="Call").click()
    expect(page.get_by_role("region", name="Result")).to_contain_text("added")
    expect(catalog.get_by_role("button", name="dynamic", exact=True)).to_be_visible()

    # ... and removed by a client elsewhere.
    with tools_ui_server.api() as api:
        removed = api.post("/tools/toggle_tool/call", json={"present": False}).json()
        assert removed["content"][0]["text"] == "removed"
    expect(catalog.get_by_role("button", name="dynamic", exact=True)).to_have_count(0)
