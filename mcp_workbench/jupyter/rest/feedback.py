"""``/feedback``: ratings and comments on prompts, notes and cards.

Giving or reading feedback on an item needs ``read`` on it (a note is named by its id
here, as feedback records it; a card goes with its board).
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from mcp_workbench.jupyter.rest.base import RestHandler, operation
from mcp_workbench.jupyter.rest.schemas import FeedbackCreate, FeedbackQuery
from mcp_workbench.jupyter.rest.spec import Route
from mcp_workbench.service import Feedback
from mcp_workbench.tools.entity_access import feedback_target

__all__ = ["ROUTES"]


class FeedbackHandler(RestHandler):
    """``/feedback``"""

    async def readable(self, entity: str, entity_id: str) -> None:
        """Go on once the caller may read the prompt, note or card feedback is about.

        Raises:
            NotFound: no such item, or the caller may not even list it.
            PermissionDenied: it may list it, but not read it.
        """
        await feedback_target(self.require, self.store, entity, entity_id)

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
