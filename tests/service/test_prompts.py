"""Prompts in the store: versions, labels, rendering, conflicts and bad input."""

from __future__ import annotations

import pytest

from mcp_workbench.errors import Conflict, InvalidInput, NotFound
from mcp_workbench.service import PromptArgument, PromptMessage, Workbench

ACTOR = "tester"


async def test_create_infers_arguments_and_labels(workbench: Workbench) -> None:
    created = await workbench.prompts.create(
        "review", template="Review {{code}} in {{ lang }}", labels=["staging"], actor=ACTOR
    )
    assert created.version == 1
    assert [a.name for a in created.arguments] == ["code", "lang"]
    assert created.labels == ["latest", "staging"]
    assert created.author == ACTOR
    info = await workbench.prompts.info("review")
    assert info.labels == {"latest": 1, "staging": 1}


async def test_versions_are_immutable_and_latest_moves(workbench: Workbench) -> None:
    await workbench.prompts.create("p", template="one {{x}}", actor=ACTOR)
    second = await workbench.prompts.update(
        "p", expected_version=1, template="two {{x}}", message="better", actor=ACTOR
    )
    assert second.version == 2
    assert second.message == "better"
    first = await workbench.prompts.get("p", version=1)
    assert first.messages[0].text == "one {{x}}"
    assert first.labels == []
    latest = await workbench.prompts.get("p", label="latest")
    assert latest.version == 2
    assert latest.labels == ["latest"]


async def test_versions_lists_the_history_newest_first(workbench: Workbench) -> None:
    await workbench.prompts.create("h", template="one", actor=ACTOR)
    await workbench.prompts.update("h", template="two", message="second", actor=ACTOR)
    await workbench.prompts.update("h", template="three", actor=ACTOR)
    await workbench.prompts.set_label("h", "production", 2, actor=ACTOR)
    history = await workbench.prompts.versions("h")
    assert [(v.version, v.labels) for v in history] == [
        (3, ["latest"]),
        (2, ["production"]),
        (1, []),
    ]
    assert history[1].message == "second"
    assert history[2].messages[0].text == "one"
    assert history[1] == await workbench.prompts.get("h", label="production")
    with pytest.raises(NotFound):
        await workbench.prompts.versions("nope")


async def test_update_carries_over_what_is_not_given(workbench: Workbench) -> None:
    await workbench.prompts.create(
        "p",
        template="Hi {{name}}",
        description="greeting",
        arguments=[PromptArgument(name="name", description="who", required=True)],
        actor=ACTOR,
    )
    v2 = await workbench.prompts.update("p", description="a greeting", actor=ACTOR)
    assert v2.messages[0].text == "Hi {{name}}"
    assert v2.arguments[0].description == "who"
    v3 = await workbench.prompts.update("p", template="Hello {{name}} from {{place}}", actor=ACTOR)
    assert [a.name for a in v3.arguments] == ["name", "place"]
    assert v3.arguments[0].description == "who"  # kept for the argument that stayed
    assert v3.description == "a greeting"


async def test_stale_update_conflicts_and_writes_nothing(workbench: Workbench) -> None:
    await workbench.prompts.create("p", template="one", actor=ACTOR)
    await workbench.prompts.update("p", expected_version=1, template="two", actor=ACTOR)
    seq = await workbench.last_seq()
    with pytest.raises(Conflict) as caught:
        await workbench.prompts.update("p", expected_version=1, template="three", actor=ACTOR)
    assert caught.value.data == {
        "current": 2,
        "expected": 1,
        "fields": {"message 1": "lines 1-1 changed on both sides"},
    }
    assert "version 2" in caught.value.message
    assert (await workbench.prompts.get("p")).messages[0].text == "two"
    assert await workbench.last_seq() == seq


async def test_labels_move_and_are_removed(workbench: Workbench) -> None:
    await workbench.prompts.create("p", template="v1", actor=ACTOR)
    await workbench.prompts.update("p", template="v2", actor=ACTOR)
    info = await workbench.prompts.set_label("p", "production", 1, actor=ACTOR)
    assert info.labels == {"latest": 2, "production": 1}
    assert (await workbench.prompts.get("p", label="production")).messages[0].text == "v1"
    await workbench.prompts.set_label("p", "production", 2, actor=ACTOR)
    assert (await workbench.prompts.get("p", label="production")).version == 2
    info = await workbench.prompts.set_label("p", "production", None, actor=ACTOR)
    assert info.labels == {"latest": 2}
    with pytest.raises(NotFound, match="no label 'production'"):
        await workbench.prompts.get("p", label="production")


@pytest.mark.parametrize("label", ["latest", "Prod", "has space", "", "x" * 40, "1st"])
async def test_invalid_labels_are_refused(workbench: Workbench, label: str) -> None:
    await workbench.prompts.create("p", template="v1", actor=ACTOR)
    with pytest.raises(InvalidInput):
        await workbench.prompts.set_label("p", label, 1, actor=ACTOR)
    with pytest.raises(InvalidInput):
        await workbench.prompts.create("q", template="v1", labels=[label], actor=ACTOR)
    assert (await workbench.prompts.info("p")).labels == {"latest": 1}


async def test_label_on_missing_version_or_prompt(workbench: Workbench) -> None:
    await workbench.prompts.create("p", template="v1", actor=ACTOR)
    with pytest.raises(NotFound, match="no version 5"):
        await workbench.prompts.set_label("p", "production", 5, actor=ACTOR)
    with pytest.raises(NotFound, match="no prompt named 'nope'"):
        await workbench.prompts.set_label("nope", "production", 1, actor=ACTOR)
    with pytest.raises(NotFound):
        await workbench.prompts.get("p", version=9)


@pytest.mark.parametrize("name", ["", "-x", "a b", "x/y", "é", "a" * 129])
async def test_invalid_names_are_refused(workbench: Workbench, name: str) -> None:
    with pytest.raises(InvalidInput, match="invalid prompt name"):
        await workbench.prompts.create(name, template="t", actor=ACTOR)


async def test_duplicate_create_conflicts(workbench: Workbench) -> None:
    await workbench.prompts.create("p", template="one", actor=ACTOR)
    with pytest.raises(Conflict, match="exists"):
        await workbench.prompts.create("p", template="two", actor=ACTOR)
    assert (await workbench.prompts.get("p")).messages[0].text == "one"


async def test_template_problems(workbench: Workbench) -> None:
    with pytest.raises(InvalidInput, match="either a template"):
        await workbench.prompts.create("p", actor=ACTOR)
    with pytest.raises(InvalidInput, match="either a template"):
        await workbench.prompts.create(
            "p", template="x", messages=[PromptMessage(text="y")], actor=ACTOR
        )
    with pytest.raises(InvalidInput, match="without a declared argument: b"):
        await workbench.prompts.create(
            "p", template="{{a}} {{b}}", arguments=[PromptArgument(name="a")], actor=ACTOR
        )
    with pytest.raises(InvalidInput, match="limit"):
        await workbench.prompts.create("p", template="x" * (1024 * 1024 + 1), actor=ACTOR)
    assert await workbench.prompts.list() == []


async def test_render_by_label_and_version(workbench: Workbench) -> None:
    await workbench.prompts.create(
        "chat",
        messages=[
            PromptMessage(role="user", text="Translate {{text}}"),
            PromptMessage(role="assistant", text="Into {{language}}?"),
        ],
        arguments=[
            PromptArgument(name="text"),
            PromptArgument(name="language", required=False),
        ],
        labels=["production"],
        actor=ACTOR,
    )
    await workbench.prompts.update("chat", template="Summarise {{text}}", actor=ACTOR)
    chosen, messages = await workbench.prompts.render("chat@production", {"text": "{{language}}"})
    assert chosen.version == 1
    # Values are inserted as given, never expanded again; a missing optional one is empty.
    assert [(m.role, m.text) for m in messages] == [
        ("user", "Translate {{language}}"),
        ("assistant", "Into ?"),
    ]
    chosen, messages = await workbench.prompts.render("chat", {"text": "it"})
    assert (chosen.version, messages[0].text) == (2, "Summarise it")
    chosen, _ = await workbench.prompts.render("chat@1", {"text": "it"})
    assert chosen.version == 1
    with pytest.raises(InvalidInput, match="needs the argument") as caught:
        await workbench.prompts.render("chat", {})
    assert caught.value.data == {"missing": ["text"]}


async def test_delete(workbench: Workbench) -> None:
    await workbench.prompts.create("p", template="v1", labels=["production"], actor=ACTOR)
    with pytest.raises(Conflict):
        await workbench.prompts.delete("p", expected_version=3, actor=ACTOR)
    await workbench.prompts.delete("p", expected_version=1, actor=ACTOR)
    assert await workbench.prompts.list() == []
    with pytest.raises(NotFound):
        await workbench.prompts.delete("p", actor=ACTOR)
    # The name can be used again, starting from version 1.
    again = await workbench.prompts.create("p", template="new", actor=ACTOR)
    assert again.version == 1
