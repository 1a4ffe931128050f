"use client";

/**
 * One board, kept current: read over REST, changed optimistically, updated live from the
 * events socket, and read again after a version conflict (which the user is told about).
 */

import { useCallback, useEffect, useRef, useState } from "react";

import * as api from "./api/boards";
import { ApiError, errorMessage } from "./api/client";
import type { BoardView, Card } from "./api/types";
import {
  applyCard,
  fromView,
  isDoneLane,
  laneOf,
  moveCardTo,
  overWipLimit,
  replaceCard,
  withCard,
  withoutCard,
  type BoardState,
} from "./board-model";
import type { WorkbenchEvent } from "./events";
import { useLiveEvents } from "./live";
import { useNotices } from "./notices";

export interface BoardActions {
  move(cardId: string, laneId: string, index: number, force?: boolean): Promise<void>;
  create(laneId: string, title: string): Promise<void>;
  update(card: Card, change: api.CardChange): Promise<void>;
  archive(card: Card): Promise<void>;
  setWipLimit(laneId: string, limit: number | null): Promise<void>;
  reload(): Promise<void>;
}

export interface BoardModel {
  state: BoardState | null;
  /** Why the board cannot be shown (it is gone, or the server is unreachable). */
  error: string | null;
  actions: BoardActions;
}

function eventCard(event: WorkbenchEvent): Card | null {
  const card = event.payload?.["card"];
  return typeof card === "object" && card !== null ? (card as Card) : null;
}

let placeholders = 0;

interface EarlyRead {
  id: string;
  startedAt: number;
  view: Promise<BoardView>;
}

let early: EarlyRead | null = null;

/**
 * Start reading board `id` before React has started (as the page's code loads); the
 * board's first read then waits for this one instead of starting its own.
 */
export function preloadBoard(id: string): void {
  const view = api.getBoard(id);
  view.catch(() => undefined); // the first read reports it
  early = { id, startedAt: performance.now(), view };
}

function takeEarlyRead(id: string): EarlyRead | null {
  const read = early;
  early = null;
  return read !== null && read.id === id ? read : null;
}

export function useBoard(boardId: string): BoardModel {
  const { notify } = useNotices();
  const [state, setStateRaw] = useState<BoardState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const current = useRef<BoardState | null>(null);
  const readStartedAt = useRef(-1);
  const reading = useRef<Promise<void> | null>(null);
  const readAgain = useRef(false);

  const setState = useCallback((change: (state: BoardState) => BoardState) => {
    setStateRaw((previous) => {
      const next = previous === null ? null : change(previous);
      current.current = next;
      return next;
    });
  }, []);

  const reload = useCallback((): Promise<void> => {
    if (reading.current !== null) {
      readAgain.current = true; // once the read in flight ends, read once more
      return reading.current;
    }
    const read = async () => {
      do {
        readAgain.current = false;
        const preloaded = takeEarlyRead(boardId);
        readStartedAt.current = preloaded?.startedAt ?? performance.now();
        try {
          const view = await (preloaded?.view ?? api.getBoard(boardId));
          const next = fromView(view, current.current);
          current.current = next;
          setStateRaw(next);
          setError(null);
        } catch (caught) {
          if (caught instanceof ApiError && caught.status === 404) {
            setError(`There is no board “${boardId}” (it may have been deleted or renamed).`);
          } else if (current.current === null) {
            setError(`The board cannot be loaded: ${errorMessage(caught)}`);
          } else {
            notify("error", `The board cannot be refreshed: ${errorMessage(caught)}`);
          }
        }
      } while (readAgain.current);
      reading.current = null;
    };
    reading.current = read();
    return reading.current;
  }, [boardId, notify]);

  useEffect(() => {
    void reload();
  }, [reload]);

  useLiveEvents({
    event(event) {
      if (current.current === null) return;
      if (event.entity === "board" && event.id === boardId) {
        void reload();
        return;
      }
      if (event.entity !== "card") return;
      const card = eventCard(event);
      if (card === null) {
        if (event.redacted && event.id in current.current.cards) void reload();
        return;
      }
      if (card.board_id !== boardId) return;
      const order = event.payload?.["order"] as Record<string, string[]> | undefined;
      // A read in flight may have started before this change: applied now, its older
      // answer would undo it. Read once more instead; that answer has it.
      const unknown = !(card.id in current.current.cards) && !card.archived && order === undefined;
      if (unknown || reading.current !== null) {
        void reload();
        return;
      }
      setState((s) => applyCard(s, card, order));
    },
    resync(since) {
      if (readStartedAt.current < since) void reload();
    },
  });

  /** A change failed: say why, and show what the server has now. */
  const failed = useCallback(
    (caught: unknown, what: string) => {
      if (caught instanceof ApiError && caught.isVersionConflict) {
        notify(
          "warning",
          `Someone else changed this card first, so it was not ${what}. The board now shows the latest version: please try again.`,
        );
      } else {
        notify("error", `The card could not be ${what}: ${errorMessage(caught)}`);
      }
      void reload();
    },
    [notify, reload],
  );

  const moveAgain = useRef<BoardActions["move"]>(async () => undefined);
  const move = useCallback(
    async (cardId: string, laneId: string, index: number, force = false) => {
      const s = current.current;
      const card = s?.cards[cardId];
      const lane = s?.board.lanes.find((l) => l.id === laneId);
      if (!s || !card || !lane) return;
      const from = laneOf(s, cardId);
      if (from === laneId && (s.order[laneId] ?? []).indexOf(cardId) === index) return;
      if (!force && from !== laneId && overWipLimit(s, laneId, cardId)) {
        notify(
          "warning",
          `“${lane.title}” is at its WIP limit of ${lane.wip_limit}, so “${card.title}” stayed where it was.`,
          { label: "Move anyway", run: () => void moveAgain.current(cardId, laneId, index, true) },
        );
        return;
      }
      const fromLane = s.board.lanes.find((l) => l.id === from);
      let done: boolean | undefined;
      if (from !== laneId && isDoneLane(lane)) done = true;
      else if (from !== laneId && fromLane && isDoneLane(fromLane)) done = false;
      if (done === card.done) done = undefined;
      setState((st) => {
        const moved = moveCardTo(st, cardId, laneId, index);
        const held = moved.cards[cardId];
        if (done === undefined || !held) return moved;
        return { ...moved, cards: { ...moved.cards, [cardId]: { ...held, done } } };
      });
      try {
        let saved = await api.moveCard(card, laneId, index, force);
        if (done !== undefined) saved = await api.updateCard(saved, { done });
        setState((st) => applyCard(st, saved));
      } catch (caught) {
        failed(caught, "moved");
      }
    },
    [failed, notify, setState],
  );
  useEffect(() => {
    moveAgain.current = move;
  }, [move]);

  const create = useCallback(
    async (laneId: string, title: string) => {
      const s = current.current;
      const lane = s?.board.lanes.find((l) => l.id === laneId);
      if (!s || !lane) return;
      const force = overWipLimit(s, laneId, null);
      if (force) notify("info", `“${lane.title}” is now over its WIP limit of ${lane.wip_limit}.`);
      const now = Date.now() / 1000;
      const placeholder: Card = {
        id: `new-card-${++placeholders}`,
        board_id: boardId,
        lane_id: laneId,
        title,
        body: "",
        position: (s.order[laneId] ?? []).length,
        done: isDoneLane(lane),
        due: null,
        tags: [],
        archived: false,
        version: 0,
        created_at: now,
        updated_at: now,
      };
      setState((st) => withCard(st, placeholder));
      try {
        let saved = await api.createCard(boardId, { lane: laneId, title, force });
        if (placeholder.done && !saved.done) saved = await api.updateCard(saved, { done: true });
        setState((st) => replaceCard(st, placeholder.id, saved));
      } catch (caught) {
        setState((st) => withoutCard(st, placeholder.id));
        notify("error", `The card could not be added: ${errorMessage(caught)}`);
      }
    },
    [boardId, notify, setState],
  );

  const update = useCallback(
    async (card: Card, change: api.CardChange) => {
      const optimistic: Card = {
        ...card,
        ...change,
        due: change.due === undefined ? card.due : change.due || null,
      };
      setState((st) =>
        card.id in st.cards ? { ...st, cards: { ...st.cards, [card.id]: optimistic } } : st,
      );
      try {
        const saved = await api.updateCard(card, change);
        setState((st) => applyCard(st, saved));
      } catch (caught) {
        failed(caught, "saved");
      }
    },
    [failed, setState],
  );

  const archive = useCallback(
    async (card: Card) => {
      setState((st) => withoutCard(st, card.id));
      try {
        await api.archiveCard(card);
        notify("info", `“${card.title}” was archived.`);
      } catch (caught) {
        failed(caught, "archived");
      }
    },
    [failed, notify, setState],
  );

  const setWipLimit = useCallback(
    async (laneId: string, limit: number | null) => {
      const s = current.current;
      if (!s) return;
      const lanes = s.board.lanes.map((lane) => ({
        id: lane.id,
        title: lane.title,
        wip_limit: lane.id === laneId ? limit : lane.wip_limit,
      }));
      setState((st) => ({
        ...st,
        board: {
          ...st.board,
          lanes: st.board.lanes.map((l) => (l.id === laneId ? { ...l, wip_limit: limit } : l)),
        },
      }));
      try {
        const view = await api.updateLanes(s.board, lanes);
        const next = fromView(view, current.current);
        current.current = next;
        setStateRaw(next);
      } catch (caught) {
        if (caught instanceof ApiError && caught.isVersionConflict) {
          notify(
            "warning",
            "The board was changed elsewhere first, so the WIP limit was not saved. The board now shows the latest version: please try again.",
          );
        } else {
          notify("error", `The WIP limit could not be saved: ${errorMessage(caught)}`);
        }
        void reload();
      }
    },
    [notify, reload, setState],
  );

  return { state, error, actions: { move, create, update, archive, setWipLimit, reload } };
}
