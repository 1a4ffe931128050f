"""``/feedback``: ratings and comments on prompts, notes and cards.

Giving or reading feedback on an item needs ``read`` on it (a note is named by its id
here, as feedback records it; a card goes with its board).
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from mcp_workbench.errors import NotFound
from mcp_workbench.jupyter.rest.base import RestHandler, operation
from mcp_workbench.jupyter.rest.schemas import FeedbackCreate, FeedbackQuery
from mcp_workbench.jupyter.rest.spec import Route
from mcp_workbench.service import Feedback, note_uri

__all__ = ["ROUTES"]


class FeedbackHandler(RestHandler):
    """``/feedback``"""

    async def readable(self, entity: str, entity_id: str) -> None:
        """Go on once the caller may read the prompt, note or card feedback is about.

        Raises:
            NotFound: no such item, or the caller may not even list it.
            PermissionDenied: it may list it, but not read it.
        """
        # A hidden item is refused with the very error the store gives a missing one.
        if entity == "prompt":
            missing = NotFound(f"no prompt named {entity_id!r}", data={"name": entity_id})
            self.require("read", "prompt", entity_id, missing)
            await self.store.prompts.info(entity_id)
        elif entity == "note":
            note = await self.store.notes.read_id(entity_id)
            missing = NotFound(f"no note with id {entity_id!r}", data={"id": entity_id})
            self.require("read", "resource", note_uri(note.path), missing)
        else:
            card = await self.store.boards.get_card(entity_id)
            missing = NotFound(f"no card {entity_id!r}", data={"card": entity_id})
            self.require("read", "board", card.board_id, missing)

    @web.authenticated
    @authorized
    @operation(query=FeedbackQuery, response=list[Feedback])
    async def get(self, *, query: FeedbackQuery) -> list[Feedback]:
        """List feedback

        On one prompt, note or card, oldest first.
        """
        await self.readable(query.entity, query.entity_id)
        return await self.store.feedback.list(query.entity, query.entity_id)

    @web.authenticated
    @authorized
    @operation(body=FeedbackCreate, response=Feedback, status=201)
    async def post(self, *, body: FeedbackCreate) -> Feedback:
        """Give feedback

        A score between 0 and 1, a comment, or both, on a prompt (version), note or card.
        """
        await self.readable(body.entity, body.entity_id)
        return await self.store.feedback.add(
            body.entity,
            body.entity_id,
            score=body.score,
            comment=body.comment,
            version=body.version,
            actor=self.actor,
        )


ROUTES = [Route("/feedback", FeedbackHandler)]
