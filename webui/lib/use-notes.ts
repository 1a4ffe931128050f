"use client";

/** Every note's path (for the folder tree and wikilinks) and full-text search, kept
 * current from the events socket. */

import { useCallback, useEffect, useRef, useState } from "react";

import { errorMessage } from "./api/client";
import { listNotes, searchNotes, type NoteSummary, type SearchHit } from "./api/notes";
import { useLiveEvents } from "./live";

export interface NotesModel {
  notes: NoteSummary[] | null;
  error: string | null;
}

export function useNotes(): NotesModel {
  const [notes, setNotes] = useState<NoteSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const readStartedAt = useRef(-1);

  const reload = useCallback(async () => {
    readStartedAt.current = performance.now();
    try {
      setNotes(await listNotes());
      setError(null);
    } catch (caught) {
      setError(`The notes cannot be loaded: ${errorMessage(caught)}`);
    }
  }, []);

  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- state is set once the read answers
    void reload();
  }, [reload]);

  useLiveEvents({
    event(event) {
      if (event.entity === "note" && event.kind !== "note.updated") void reload();
    },
    resync(since) {
      if (readStartedAt.current < since) void reload();
    },
  });

  return { notes, error };
}

export interface SearchModel {
  /** null while there is no query. */
  hits: SearchHit[] | null;
  error: string | null;
}

const SEARCH_DELAY_MS = 200;

/** The notes matching `query`, searched again as it changes (after a short pause). */
export function useNoteSearch(query: string): SearchModel {
  const [result, setResult] = useState<SearchModel & { query: string }>({
    query: "",
    hits: null,
    error: null,
  });
  const clean = query.trim();
  useEffect(() => {
    if (!clean) return;
    const abort = new AbortController();
    const timer = setTimeout(() => {
      searchNotes(clean, abort.signal).then(
        (hits) => setResult({ query: clean, hits, error: null }),
        (caught: unknown) => {
          if (abort.signal.aborted) return;
          setResult({ query: clean, hits: [], error: `Search failed: ${errorMessage(caught)}` });
        },
      );
    }, SEARCH_DELAY_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [clean]);
  if (!clean || result.query !== clean) return { hits: null, error: null };
  return result;
}
