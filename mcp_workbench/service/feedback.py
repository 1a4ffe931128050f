"""Feedback: ratings and comments on prompt versions, notes and cards."""

from __future__ import annotations

from sqlmodel import Session, col, select

from mcp_workbench.errors import InvalidInput, NotFound
from mcp_workbench.service.core import ServiceCore, check_size, new_id
from mcp_workbench.service.models import Feedback
from mcp_workbench.store import EventDraft
from mcp_workbench.store.tables import CardRow, FeedbackRow, NoteRow, PromptRow

__all__ = ["FeedbackService"]

_TARGETS = {"prompt": PromptRow, "note": NoteRow, "card": CardRow}


class FeedbackService:
    """Record and read feedback."""

    def __init__(self, core: ServiceCore) -> None:
        self.core = core

    async def add(
        self,
        entity: str,
        entity_id: str,
        *,
        score: float | None = None,
        comment: str = "",
        version: int | None = None,
        actor: str,
    ) -> Feedback:
        """Record feedback on a prompt (by name), note (by id) or card.

        Raises:
            InvalidInput: unknown entity kind, score outside 0..1, nothing given.
            NotFound: the entity does not exist.
        """
        table = _TARGETS.get(entity)
        if table is None:
            raise InvalidInput(f"feedback is for {', '.join(_TARGETS)}, not {entity!r}")
        if score is not None and not 0.0 <= score <= 1.0:
            raise InvalidInput("score must be between 0 and 1")
        if score is None and not comment.strip():
            raise InvalidInput("give a score, a comment or both")
        check_size("comment", comment, self.core.limits.max_body_bytes)
        feedback_id = new_id()

        def mutation(session: Session, now: float) -> list[EventDraft]:
            if session.get(table, entity_id) is None:  # type: ignore[arg-type]
                raise NotFound(f"no {entity} {entity_id!r}")
            row = {
                "id": feedback_id,
                "entity": entity,
                "entity_id": entity_id,
                "version": version,
                "score": score,
                "comment": comment,
                "actor": actor,
                "created_at": now,
            }
            return [
                EventDraft("feedback.created", entity, entity_id, version or 0, {"feedback": row})
            ]

        await self.core.commit(mutation, actor)
        return await self.core.db.read(
            lambda s: Feedback.model_validate(s.get(FeedbackRow, feedback_id), from_attributes=True)
        )

    async def list(self, entity: str, entity_id: str) -> list[Feedback]:
        """Feedback on one entity, oldest first."""

        def read(session: Session) -> list[Feedback]:
            query = select(FeedbackRow).where(
                col(FeedbackRow.entity) == entity, col(FeedbackRow.entity_id) == entity_id
            )
            rows = session.exec(query.order_by(col(FeedbackRow.created_at)))
            return [Feedback.model_validate(r, from_attributes=True) for r in rows]

        return await self.core.db.read(read)
