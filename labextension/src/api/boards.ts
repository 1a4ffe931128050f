import { requestApi } from './client';

/** A column of a board. */
export interface Lane {
  id: string;
  title: string;
  position: number;
  wip_limit: number | null;
}

/** A task card; the text of an Obsidian Kanban card is its title and body. */
export interface Card {
  id: string;
  board_id: string;
  lane_id: string;
  title: string;
  body: string;
  position: number;
  done: boolean;
  due: string | null;
  tags: string[];
  archived: boolean;
  version: number;
  created_at: number;
  updated_at: number;
}

/** A kanban board and its lanes, left to right. */
export interface Board {
  id: string;
  title: string;
  archived: boolean;
  version: number;
  lanes: Lane[];
}

/** A board with its cards, each lane's in order. */
export interface BoardView extends Board {
  cards: Card[];
}

/** The boards the user may list (not archived ones). */
export function listBoards(): Promise<Board[]> {
  return requestApi<Board[]>('boards');
}

/** A board with its cards (not archived ones). */
export function getBoard(id: string): Promise<BoardView> {
  return requestApi<BoardView>(`boards/${encodeURIComponent(id)}`);
}

/**
 * Move a card to the bottom of another lane, if it still is at `version`: a card changed
 * meanwhile is refused with a 409 `ApiError` (so is a lane at its WIP limit).
 */
export function moveCard(card: Card, laneId: string): Promise<Card> {
  return requestApi<Card>(`cards/${encodeURIComponent(card.id)}/move`, {
    method: 'POST',
    body: { lane: laneId },
    ifMatch: card.version
  });
}
