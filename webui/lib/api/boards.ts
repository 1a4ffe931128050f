/** Boards and cards: `/boards`, `/boards/{id}`, `/boards/{id}/cards`, `/cards/{id}/…`. */

import { request } from "./client";
import type { Board, BoardView, Card } from "./types";

const enc = encodeURIComponent;

export function listBoards(signal?: AbortSignal): Promise<Board[]> {
  return request<Board[]>("GET", "/boards", { signal });
}

export function getBoard(id: string, signal?: AbortSignal): Promise<BoardView> {
  return request<BoardView>("GET", `/boards/${enc(id)}`, { signal });
}

export function createBoard(title: string, lanes?: string[]): Promise<BoardView> {
  return request<BoardView>("POST", "/boards", { body: lanes ? { title, lanes } : { title } });
}

export interface LaneChange {
  id?: string;
  title: string;
  wip_limit: number | null;
}

export function updateLanes(board: Board, lanes: LaneChange[]): Promise<BoardView> {
  return request<BoardView>("PATCH", `/boards/${enc(board.id)}`, {
    body: { lanes },
    version: board.version,
  });
}

export interface CardDraft {
  lane: string;
  title: string;
  body?: string;
  due?: string | null;
  tags?: string[];
  position?: number;
  force?: boolean;
}

export function createCard(boardId: string, draft: CardDraft): Promise<Card> {
  return request<Card>("POST", `/boards/${enc(boardId)}/cards`, { body: draft });
}

export interface CardChange {
  title?: string;
  body?: string;
  /** "" clears the due date. */
  due?: string;
  tags?: string[];
  done?: boolean;
}

export function updateCard(card: Card, change: CardChange): Promise<Card> {
  return request<Card>("PATCH", `/cards/${enc(card.id)}`, { body: change, version: card.version });
}

export function moveCard(card: Card, lane: string, position: number, force = false): Promise<Card> {
  return request<Card>("POST", `/cards/${enc(card.id)}/move`, {
    body: { lane, position, force },
    version: card.version,
  });
}

export function archiveCard(card: Card): Promise<Card> {
  return request<Card>("POST", `/cards/${enc(card.id)}/archive`, { version: card.version });
}
