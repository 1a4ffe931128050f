"use client";

/** The list of prompts, kept current from the events socket. */

import { useCallback, useEffect, useRef, useState } from "react";

import { errorMessage } from "./api/client";
import { listPrompts, type PromptInfo } from "./api/prompts";
import { useLiveEvents } from "./live";

export interface PromptsModel {
  prompts: PromptInfo[] | null;
  error: string | null;
}

export function usePrompts(): PromptsModel {
  const [prompts, setPrompts] = useState<PromptInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const readStartedAt = useRef(-1);

  const reload = useCallback(async () => {
    readStartedAt.current = performance.now();
    try {
      setPrompts(await listPrompts());
      setError(null);
    } catch (caught) {
      setError(`The prompts cannot be loaded: ${errorMessage(caught)}`);
    }
  }, []);

  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- state is set once the read answers
    void reload();
  }, [reload]);

  useLiveEvents({
    event(event) {
      if (event.entity === "prompt") void reload();
    },
    resync(since) {
      if (readStartedAt.current < since) void reload();
    },
  });

  return { prompts, error };
}

/** The prompts whose name or description holds every word of `query`. */
export function filterPrompts(prompts: readonly PromptInfo[], query: string): PromptInfo[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return prompts.filter((prompt) => {
    const text = `${prompt.name} ${prompt.description}`.toLowerCase();
    return words.every((word) => text.includes(word));
  });
}
