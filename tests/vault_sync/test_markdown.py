"""Markdown as Obsidian reads it: headings, tags, wikilinks, tasks."""

from __future__ import annotations

import pytest

from vault_sync.markdown import Heading, Task, WikiLink, find_tags, frontmatter_list, summarize

BODY = """# Alpha #project

Links to [[Beta]], [[Gamma|the third]], [[Notes/Delta#Plan]] and an embed ![[chart.png]].
Tags #one, #nested/tag and #with-dash; not#this, not `#code` nor #123.

## Tasks

- [ ] write the plan #planning
- [x] done already
- [/] in progress
- just a bullet

```
#not-a-tag [[not a link]]
```
"""


def test_headings_with_level_text_and_line() -> None:
    assert summarize(BODY).headings == (Heading(1, "Alpha #project", 0), Heading(2, "Tasks", 5))


def test_tags_outside_code_in_order_without_repeats() -> None:
    assert summarize(BODY).tags == ("project", "one", "nested/tag", "with-dash", "planning")


def test_wikilinks_with_headings_aliases_and_embeds() -> None:
    assert summarize(BODY).links == (
        WikiLink("Beta"),
        WikiLink("Gamma", alias="the third"),
        WikiLink("Notes/Delta", heading="Plan"),
        WikiLink("chart.png", embed=True),
    )


def test_tasks_with_their_box() -> None:
    tasks = summarize(BODY).tasks
    assert tasks == (
        Task("write the plan #planning", " ", 7),
        Task("done already", "x", 8),
        Task("in progress", "/", 9),
    )
    assert [t.done for t in tasks] == [False, True, True]


@pytest.mark.parametrize(
    ("text", "tags"),
    [("#a #b", ["a", "b"]), ("x#a", []), ("#2024", []), ("#2024a", ["2024a"]), ("(#a)", [])],
)
def test_find_tags(text: str, tags: list[str]) -> None:
    assert find_tags(text) == tags


def test_frontmatter_lists_as_obsidian_reads_them() -> None:
    assert frontmatter_list(None) == ()
    assert frontmatter_list(["a", None, 3]) == ("a", "3")
    assert frontmatter_list("One, Two") == ("One", "Two")
    assert frontmatter_list("#a, b c", tags=True) == ("a", "b", "c")
    assert frontmatter_list(["#x y"], tags=True) == ("x y",)
