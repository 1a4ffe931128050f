"""What the store's tools return, as dicts with attribute access and a notebook view:
rendered prompts, note search hits, boards."""

from __future__ import annotations

import html
from typing import Any

__all__ = ["BoardRecord", "Record", "RenderedPrompt", "SearchHits"]


class Record(dict[str, Any]):
    """A JSON object from the server; ``record.title`` is ``record["title"]``."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"no field {name!r}; fields: {', '.join(self)}") from None

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *(k for k in self if k.isidentifier())})


class RenderedPrompt(Record):
    """A prompt version filled in: ``name``, ``version``, ``messages``; ``text`` joins them."""

    @property
    def text(self) -> str:
        """The messages' texts, one after another."""
        return "\n\n".join(str(m.get("text", "")) for m in self.get("messages", []))

    def __str__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        head = f"**{self.get('name')}** v{self.get('version')}\n\n"
        return head + "\n\n".join(
            f"*{m.get('role', 'user')}*: {m.get('text', '')}" for m in self.get("messages", [])
        )


class SearchHits(list[Record]):
    """Notes that matched a search, best first."""

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td><code>{html.escape(str(h.get('path')))}</code></td>"
            f"<td>{html.escape(str(h.get('title')))}</td>"
            f"<td>{html.escape(str(h.get('snippet', '')))}</td></tr>"
            for h in self
        )
        return f"<table><tr><th>path</th><th>title</th><th>snippet</th></tr>{rows}</table>"


class BoardRecord(Record):
    """A board with its lanes and cards."""

    def cards_in(self, lane: str) -> list[Record]:
        """The cards of the lane titled (or with the id) ``lane``, in order."""
        ids = {ln["id"] for ln in self.get("lanes", []) if lane in (ln.get("id"), ln.get("title"))}
        cards = [Record(c) for c in self.get("cards", []) if c.get("lane_id") in ids]
        return sorted(cards, key=lambda c: c.get("position", 0))

    def _repr_markdown_(self) -> str:
        out = [f"### {self.get('title')}"]
        for lane in sorted(self.get("lanes", []), key=lambda ln: ln.get("position", 0)):
            out.append(f"**{lane.get('title')}**")
            out += [f"- {c.get('title')}" for c in self.cards_in(str(lane.get("id")))]
        return "\n\n".join(out)
