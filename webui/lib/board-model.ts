/**
 * A board as the UI holds it (cards by id, each lane's order) and the pure changes made
 * to it: optimistic moves, and changes that arrive from the server.
 */

import type { Board, BoardView, Card, Lane } from "./api/types";

export interface BoardState {
  board: Board;
  cards: Readonly<Record<string, Card>>;
  /** Lane id -> the ids of its live cards, top to bottom. */
  order: Readonly<Record<string, readonly string[]>>;
}

/** Lanes whose cards are done: the titles the vault marks **Complete** in Obsidian. */
const DONE_LANE_TITLES = new Set(["done", "complete", "completed"]);

export function isDoneLane(lane: Lane): boolean {
  return DONE_LANE_TITLES.has(lane.title.trim().toLowerCase());
}

function sameCard(a: Card, b: Card): boolean {
  return a.version === b.version && a.lane_id === b.lane_id && a.position === b.position;
}

/**
 * The state of a board read from the server. Cards unchanged since `previous` keep their
 * objects, so a re-read of a large board redraws only the cards that changed.
 */
export function fromView(view: BoardView, previous?: BoardState | null): BoardState {
  const { cards: list, ...board } = view;
  const cards: Record<string, Card> = {};
  const order: Record<string, string[]> = {};
  for (const lane of board.lanes) order[lane.id] = [];
  const sorted = [...list].sort((a, b) => a.position - b.position);
  for (const card of sorted) {
    if (card.archived) continue;
    const known = previous?.cards[card.id];
    cards[card.id] = known && sameCard(known, card) ? known : card;
    (order[card.lane_id] ??= []).push(card.id);
  }
  return { board, cards, order };
}

export function laneCards(state: BoardState, laneId: string): Card[] {
  const ids = state.order[laneId] ?? [];
  const cards: Card[] = [];
  for (const id of ids) {
    const card = state.cards[id];
    if (card) cards.push(card);
  }
  return cards;
}

export function laneOf(state: BoardState, cardId: string): string | null {
  for (const [laneId, ids] of Object.entries(state.order)) {
    if (ids.includes(cardId)) return laneId;
  }
  return null;
}

/** Whether moving `cardId` into `laneId` would take the lane past its WIP limit. */
export function overWipLimit(state: BoardState, laneId: string, cardId: string | null): boolean {
  const lane = state.board.lanes.find((l) => l.id === laneId);
  if (!lane || lane.wip_limit === null) return false;
  const ids = state.order[laneId] ?? [];
  const others = cardId === null ? ids.length : ids.filter((id) => id !== cardId).length;
  return others >= lane.wip_limit;
}

/** Move a card to `index` in `laneId` (the others close up). */
export function moveCardTo(
  state: BoardState,
  cardId: string,
  laneId: string,
  index: number,
): BoardState {
  const order: Record<string, readonly string[]> = {};
  for (const [lane, ids] of Object.entries(state.order)) {
    order[lane] = ids.filter((id) => id !== cardId);
  }
  const target = [...(order[laneId] ?? [])];
  target.splice(Math.max(0, Math.min(index, target.length)), 0, cardId);
  order[laneId] = target;
  const card = state.cards[cardId];
  const cards = card ? { ...state.cards, [cardId]: { ...card, lane_id: laneId } } : state.cards;
  return { ...state, cards, order };
}

/** A card as the server now has it; `order` (from an event) sets the lanes it touched. */
export function applyCard(
  state: BoardState,
  card: Card,
  order?: Record<string, string[]>,
): BoardState {
  const known = state.cards[card.id];
  if (known && known.version > card.version) return state; // older than what we show
  const cards: Record<string, Card> = { ...state.cards };
  const lanes: Record<string, readonly string[]> = { ...state.order };
  if (card.archived) {
    delete cards[card.id];
    for (const [lane, ids] of Object.entries(lanes))
      lanes[lane] = ids.filter((id) => id !== card.id);
  } else {
    cards[card.id] = card;
    if (!order) {
      const at = laneOf(state, card.id);
      if (at !== card.lane_id) {
        if (at !== null) lanes[at] = (lanes[at] ?? []).filter((id) => id !== card.id);
        const target = [...(lanes[card.lane_id] ?? [])];
        target.splice(Math.min(card.position, target.length), 0, card.id);
        lanes[card.lane_id] = target;
      }
    }
  }
  if (order) {
    for (const [lane, ids] of Object.entries(order)) {
      if (!(lane in lanes)) continue;
      // Cards we do not hold yet (made elsewhere) come with their own event.
      lanes[lane] = ids.filter((id) => id in cards);
    }
  }
  return { ...state, cards, order: lanes };
}

export function withCard(state: BoardState, card: Card, index?: number): BoardState {
  const ids = [...(state.order[card.lane_id] ?? [])].filter((id) => id !== card.id);
  ids.splice(index ?? ids.length, 0, card.id);
  return {
    ...state,
    cards: { ...state.cards, [card.id]: card },
    order: { ...state.order, [card.lane_id]: ids },
  };
}

export function withoutCard(state: BoardState, cardId: string): BoardState {
  const cards: Record<string, Card> = { ...state.cards };
  delete cards[cardId];
  const order: Record<string, readonly string[]> = {};
  for (const [lane, ids] of Object.entries(state.order))
    order[lane] = ids.filter((id) => id !== cardId);
  return { ...state, cards, order };
}

/** Replace a placeholder card (made before the server answered) by the real one. */
export function replaceCard(state: BoardState, placeholderId: string, card: Card): BoardState {
  const cards: Record<string, Card> = { ...state.cards };
  delete cards[placeholderId];
  cards[card.id] = card;
  const order: Record<string, readonly string[]> = {};
  for (const [lane, ids] of Object.entries(state.order)) {
    // The card's own event may have placed it already; else it takes the placeholder's place.
    order[lane] = ids.includes(placeholderId)
      ? ids.flatMap((id) => (id === placeholderId ? [card.id] : id === card.id ? [] : [id]))
      : ids;
  }
  if (!Object.values(order).some((ids) => ids.includes(card.id))) {
    order[card.lane_id] = [...(order[card.lane_id] ?? []), card.id];
  }
  return { ...state, cards, order };
}

export function cardCount(state: BoardState): number {
  return Object.values(state.order).reduce((n, ids) => n + ids.length, 0);
}

/** Today as YYYY-MM-DD in the user's time zone, to compare due dates with. */
export function today(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

export function isOverdue(card: Card, on: string = today()): boolean {
  return !card.done && card.due !== null && card.due < on;
}

/** Tags typed as "a, b #c" -> ["a", "b", "c"]. */
export function parseTags(text: string): string[] {
  const tags = text
    .split(/[\s,]+/)
    .map((tag) => tag.replace(/^#/, "").trim())
    .filter(Boolean);
  return [...new Set(tags)];
}
