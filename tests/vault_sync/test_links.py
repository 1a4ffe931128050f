"""Wikilinks resolved between notes, backlinks, and a note's tags."""

from __future__ import annotations

from vault_sync.links import LinkGraph, note_links, note_tags
from vault_sync.markdown import WikiLink
from vault_sync.model import VaultNote

WELCOME = VaultNote("w", "Welcome.md", "See [[Projects/Alpha]], [[beta]] and [[Nowhere]].")
ALPHA = VaultNote("a", "Projects/Alpha.md", "Back to [[Welcome#Start|home]]. #project", ("x",))
BETA = VaultNote("b", "Deep/Down/Beta.md", "Also called [[A2]] and [[Alpha]].", aliases=("B",))
BETA_TOO = VaultNote("b2", "Beta.md", "The shorter path wins. Self: [[Beta]] [[#Heading]].")
A2 = VaultNote("a2", "Other.md", "Linked by alias [[B]].", aliases=("A2",))


def test_links_resolve_by_path_name_and_alias() -> None:
    graph = LinkGraph([WELCOME, ALPHA, BETA, BETA_TOO, A2])
    assert graph.links("w") == ("a", "b2")
    assert graph.unresolved("w") == ("Nowhere",)
    assert graph.links("b") == ("a2", "a")
    assert graph.links("a2") == ("b",)
    assert graph.links("b2") == ()
    assert graph.resolve("projects/alpha.md") == "a"
    assert graph.resolve("missing") is None


def test_backlinks_follow_links() -> None:
    graph = LinkGraph([WELCOME, ALPHA, BETA, BETA_TOO, A2])
    assert graph.backlinks("a") == ("w", "b")
    assert graph.backlinks("w") == ("a",)
    assert graph.backlinks("b2") == ("w",)
    assert graph.backlinks("unknown") == ()


def test_note_links_and_tags() -> None:
    assert note_links(ALPHA) == (WikiLink("Welcome", "Start", "home"),)
    assert note_tags(ALPHA) == ("x", "project")
