"use client";

/**
 * One note by path, with its backlinks and whether vault sync holds it in conflict, kept
 * current from the events socket; a save is based on the version shown, and a version
 * conflict reloads the note (and the user is told).
 */

import { useCallback, useEffect, useRef, useState } from "react";

import { ApiError, errorMessage } from "./api/client";
import * as api from "./api/notes";
import type { Note, NoteSummary, VaultConflict } from "./api/notes";
import { useLiveEvents } from "./live";
import { useNotices } from "./notices";

export interface NoteModel {
  note: Note | null;
  backlinks: NoteSummary[];
  /** Vault sync's conflict about this note, if any. */
  conflict: VaultConflict | null;
  error: string | null;
  /** Save a new body; false when it was refused (the user is told). */
  save(body: string): Promise<boolean>;
}

function conflictOf(note: Note, conflicts: readonly VaultConflict[]): VaultConflict | null {
  return (
    conflicts.find(
      (c) => c.kind === "note" && (c.id === note.id || c.path.endsWith(`/${note.path}`)),
    ) ?? null
  );
}

export function useNote(path: string): NoteModel {
  const { notify } = useNotices();
  const [note, setNote] = useState<Note | null>(null);
  const [backlinks, setBacklinks] = useState<NoteSummary[]>([]);
  const [conflict, setConflict] = useState<VaultConflict | null>(null);
  const [error, setError] = useState<string | null>(null);
  const current = useRef<Note | null>(null);
  const readStartedAt = useRef(-1);

  const reload = useCallback(async () => {
    readStartedAt.current = performance.now();
    try {
      const [read, links, vault] = await Promise.all([
        api.getNote(path),
        api.getBacklinks(path),
        api.vaultStatus().catch(() => null), // without vault sync, no banner
      ]);
      current.current = read;
      setNote(read);
      setBacklinks(links);
      setConflict(vault ? conflictOf(read, vault.conflicts) : null);
      setError(null);
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 404) {
        setError(`There is no note at “${path}” (it may have been moved or deleted).`);
      } else {
        setError(`The note cannot be loaded: ${errorMessage(caught)}`);
      }
    }
  }, [path]);

  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- state is set once the read answers
    void reload();
  }, [reload]);

  useLiveEvents({
    event(event) {
      // Any note's change may add or drop a backlink, or end a conflict.
      if (event.entity === "note") void reload();
    },
    resync(since) {
      if (readStartedAt.current < since) void reload();
    },
  });

  const save = useCallback(
    async (body: string) => {
      const base = current.current;
      if (base === null) return false;
      try {
        const saved = await api.saveNote(path, base.version, body);
        current.current = saved;
        setNote(saved);
        return true;
      } catch (caught) {
        if (caught instanceof ApiError && caught.isVersionConflict) {
          notify(
            "warning",
            `Someone changed “${base.title}” first: your edit was not saved. This is the note as it now is.`,
          );
          await reload();
        } else {
          notify("error", `The note could not be saved: ${errorMessage(caught)}`);
        }
        return false;
      }
    },
    [notify, path, reload],
  );

  return { note, backlinks, conflict, error, save };
}
