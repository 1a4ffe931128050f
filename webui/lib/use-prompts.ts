"use client";

/** The prompts matching a search (done by the server), kept current from the events
 * socket. */

import { useCallback, useEffect, useRef, useState } from "react";

import { errorMessage } from "./api/client";
import { listPrompts, type PromptInfo } from "./api/prompts";
import { useLiveEvents } from "./live";

export interface PromptsModel {
  /** The prompts matching `query` (null until the first answer). */
  prompts: PromptInfo[] | null;
  /** The search the list answers (it lags the one typed while a read is under way). */
  query: string;
  error: string | null;
}

const SEARCH_DELAY_MS = 200;

export function usePrompts(query: string): PromptsModel {
  const [result, setResult] = useState<{ prompts: PromptInfo[] | null; query: string }>({
    prompts: null,
    query: "",
  });
  const [error, setError] = useState<string | null>(null);
  const readStartedAt = useRef(-1);
  const latestRead = useRef(0);

  const reload = useCallback(async () => {
    readStartedAt.current = performance.now();
    const read = ++latestRead.current;
    try {
      const prompts = await listPrompts(query);
      if (read !== latestRead.current) return; // a newer search has been sent
      setResult({ prompts, query });
      setError(null);
    } catch (caught) {
      if (read === latestRead.current) {
        setError(`The prompts cannot be loaded: ${errorMessage(caught)}`);
      }
    }
  }, [query]);

  useEffect(() => {
    const timer = setTimeout(() => void reload(), query ? SEARCH_DELAY_MS : 0);
    return () => clearTimeout(timer);
  }, [reload, query]);

  useLiveEvents({
    event(event) {
      if (event.entity === "prompt") void reload();
    },
    resync(since) {
      if (readStartedAt.current < since) void reload();
    },
  });

  return { prompts: result.prompts, query: result.query, error };
}
