"use client";

import { useDroppable } from "@dnd-kit/core";
import { SortableContext, verticalListSortingStrategy } from "@dnd-kit/sortable";

import type { Card, Lane } from "@/lib/api/types";
import { isDoneLane } from "@/lib/board-model";
import type { BoardActions } from "@/lib/use-board";

import { AddCardForm } from "./AddCardForm";
import { SortableCard } from "./CardTile";
import { WipLimitEditor } from "./WipLimitEditor";

export function laneDropId(laneId: string): string {
  return `lane:${laneId}`;
}

interface LaneProps {
  lane: Lane;
  cardIds: readonly string[];
  cards: Readonly<Record<string, Card>>;
  today: string;
  actions: BoardActions;
  onEdit(cardId: string): void;
}

/** One lane: its title, card count against its WIP limit, its cards, and "add a card". */
export function LaneColumn({ lane, cardIds, cards, today, actions, onEdit }: LaneProps) {
  const { setNodeRef, isOver } = useDroppable({ id: laneDropId(lane.id) });
  const count = cardIds.length;
  const limit = lane.wip_limit;
  const over = limit !== null && count > limit;
  const full = limit !== null && count >= limit;
  const done = isDoneLane(lane);
  const headingId = `lane-${lane.id}-title`;
  return (
    <section
      className={`lane${done ? " lane-done" : ""}${over ? " lane-over" : ""}${isOver ? " lane-target" : ""}`}
      aria-labelledby={headingId}
      data-lane={lane.title}
      data-testid="lane"
    >
      <header className="lane-head">
        <h2 id={headingId} className="lane-title">
          {lane.title}
        </h2>
        {done && (
          <span className="badge badge-done" title="Cards moved here are marked done">
            Done lane
          </span>
        )}
        <span
          className={`lane-count${full ? " lane-count-full" : ""}`}
          aria-label={limit === null ? `${count} cards` : `${count} of at most ${limit} cards`}
        >
          {limit === null ? count : `${count} / ${limit}`}
        </span>
        <WipLimitEditor lane={lane} onSave={(value) => void actions.setWipLimit(lane.id, value)} />
      </header>
      {over && (
        <p className="lane-warning" role="note">
          Over the WIP limit of {limit}
        </p>
      )}
      <SortableContext
        id={lane.id}
        items={cardIds as string[]}
        strategy={verticalListSortingStrategy}
      >
        <ol ref={setNodeRef} className="lane-cards" aria-label={`Cards in ${lane.title}`}>
          {cardIds.map((id) => {
            const card = cards[id];
            return card ? (
              <SortableCard
                key={id}
                card={card}
                today={today}
                onEdit={onEdit}
                onToggleDone={actions.update}
              />
            ) : null;
          })}
          {cardIds.length === 0 && <li className="lane-empty">No cards</li>}
        </ol>
      </SortableContext>
      <AddCardForm laneTitle={lane.title} onAdd={(title) => void actions.create(lane.id, title)} />
    </section>
  );
}
