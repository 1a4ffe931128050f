"use client";

/** The list of boards, kept current from the events socket. */

import { useCallback, useEffect, useRef, useState } from "react";

import * as api from "./api/boards";
import { errorMessage } from "./api/client";
import type { Board } from "./api/types";
import { useLiveEvents } from "./live";

export interface BoardsModel {
  boards: Board[] | null;
  error: string | null;
  create(title: string): Promise<Board>;
}

export function useBoards(): BoardsModel {
  const [boards, setBoards] = useState<Board[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const readStartedAt = useRef(-1);

  const reload = useCallback(async () => {
    readStartedAt.current = performance.now();
    try {
      setBoards(await api.listBoards());
      setError(null);
    } catch (caught) {
      setError(`The boards cannot be loaded: ${errorMessage(caught)}`);
    }
  }, []);

  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- state is set once the read answers
    void reload();
  }, [reload]);

  useLiveEvents({
    event(event) {
      if (event.entity === "board") void reload();
    },
    resync(since) {
      if (readStartedAt.current < since) void reload();
    },
  });

  const create = useCallback(
    async (title: string) => {
      const board = await api.createBoard(title);
      await reload();
      return board;
    },
    [reload],
  );

  return { boards, error, create };
}
