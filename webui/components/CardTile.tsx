"use client";

import { useSortable } from "@dnd-kit/sortable";
import { CSS } from "@dnd-kit/utilities";
import { memo, type KeyboardEvent, type SyntheticEvent } from "react";

import type { CardChange } from "@/lib/api/boards";
import type { Card } from "@/lib/api/types";
import { isOverdue } from "@/lib/board-model";

function formatDue(due: string): string {
  const [y, m, d] = due.split("-").map(Number);
  if (!y || !m || !d) return due;
  return new Date(y, m - 1, d).toLocaleDateString(undefined, {
    month: "short",
    day: "numeric",
    year: "numeric",
  });
}

const stop = (event: SyntheticEvent) => event.stopPropagation();

/** What a card shows: title, tags, due date, done. */
export const CardFace = memo(function CardFace({
  card,
  today,
  overlay = false,
}: {
  card: Card;
  today: string;
  overlay?: boolean;
}) {
  const overdue = isOverdue(card, today);
  return (
    <div className={`card-face${overlay ? " card-overlay" : ""}${card.done ? " card-done" : ""}`}>
      <span className="card-title">{card.title}</span>
      {(card.tags.length > 0 || card.due) && (
        <span className="card-meta">
          {card.due && (
            <span
              className={`due${overdue ? " due-overdue" : ""}`}
              title={overdue ? "Overdue" : "Due date"}
            >
              <span aria-hidden="true">◷ </span>
              <span className="visually-hidden">{overdue ? "Overdue, was due" : "Due"} </span>
              {formatDue(card.due)}
            </span>
          )}
          {card.tags.map((tag) => (
            <span key={tag} className="tag">
              #{tag}
            </span>
          ))}
        </span>
      )}
    </div>
  );
});

interface SortableCardProps {
  card: Card;
  today: string;
  onEdit(cardId: string): void;
  onToggleDone(card: Card, change: CardChange): Promise<void>;
}

/** A card in its lane: drag it (pointer, or Space and the arrow keys), Enter or click to edit. */
export const SortableCard = memo(function SortableCard({
  card,
  today,
  onEdit,
  onToggleDone,
}: SortableCardProps) {
  const pending = card.version === 0;
  const { attributes, listeners, setNodeRef, transform, transition, isDragging } = useSortable({
    id: card.id,
    disabled: pending,
  });
  const style = { transform: CSS.Translate.toString(transform), transition };
  const onKeyDown = (event: KeyboardEvent<HTMLLIElement>) => {
    if (event.key === "Enter" && !isDragging && event.target === event.currentTarget) {
      event.preventDefault();
      onEdit(card.id);
      return;
    }
    listeners?.onKeyDown?.(event);
  };
  return (
    <li
      ref={setNodeRef}
      style={style}
      className={`card${isDragging ? " card-dragging" : ""}${pending ? " card-pending" : ""}`}
      data-testid="card"
      data-card-id={card.id}
      {...attributes}
      {...listeners}
      onKeyDown={onKeyDown}
      onClick={() => onEdit(card.id)}
      aria-label={`${card.title}${card.done ? " (done)" : ""}`}
    >
      <CardFace card={card} today={today} />
      <span className="card-actions">
        <input
          type="checkbox"
          className="card-check"
          checked={card.done}
          disabled={pending}
          aria-label={card.done ? `Mark “${card.title}” not done` : `Mark “${card.title}” done`}
          onChange={() => void onToggleDone(card, { done: !card.done })}
          onClick={stop}
          onPointerDown={stop}
          onKeyDown={stop}
        />
        <button
          type="button"
          className="icon-button card-edit"
          aria-label={`Edit “${card.title}”`}
          disabled={pending}
          onClick={(event) => {
            event.stopPropagation();
            onEdit(card.id);
          }}
          onPointerDown={stop}
          onKeyDown={stop}
        >
          ✎
        </button>
      </span>
    </li>
  );
});
