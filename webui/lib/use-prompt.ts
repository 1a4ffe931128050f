"use client";

/**
 * One prompt with its versions and feedback, kept current from the events socket; changes
 * are based on the newest version the page knows, and a version conflict reloads it (and
 * the user is told).
 */

import { useCallback, useEffect, useRef, useState } from "react";

import { ApiError, errorMessage } from "./api/client";
import * as api from "./api/prompts";
import type { Feedback, PromptMessage, PromptVersion } from "./api/prompts";
import { useLiveEvents } from "./live";
import { useNotices } from "./notices";

export interface PromptActions {
  /** Save `messages` as a new version; false when it was refused (the user is told). */
  save(messages: PromptMessage[], note: string): Promise<boolean>;
  setLabel(label: string, version: number): Promise<void>;
  removeLabel(label: string): Promise<void>;
  render(version: number, args: Record<string, string>): Promise<PromptMessage[]>;
  giveFeedback(version: number, rating: number, comment: string): Promise<void>;
}

export interface PromptModel {
  /** Every version, newest first (null until read). */
  versions: PromptVersion[] | null;
  feedback: Feedback[];
  error: string | null;
  actions: PromptActions;
}

/** The whole text of a version's messages, as the editor and the diff show it. */
export function messagesText(messages: readonly PromptMessage[]): string {
  const [only] = messages;
  if (messages.length === 1 && only?.role === "user") return only.text;
  return messages.map((m) => `[${m.role}]\n${m.text}`).join("\n\n");
}

export function usePrompt(name: string): PromptModel {
  const { notify } = useNotices();
  const [versions, setVersions] = useState<PromptVersion[] | null>(null);
  const [feedback, setFeedback] = useState<Feedback[]>([]);
  const [error, setError] = useState<string | null>(null);
  const readStartedAt = useRef(-1);
  const latest = useRef(0);

  const reload = useCallback(async () => {
    readStartedAt.current = performance.now();
    try {
      const [read, given] = await Promise.all([api.listVersions(name), api.listFeedback(name)]);
      latest.current = read[0]?.version ?? 0;
      setVersions(read);
      setFeedback(given);
      setError(null);
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 404) {
        setError(`There is no prompt “${name}” (it may have been deleted).`);
      } else {
        setError(`The prompt cannot be loaded: ${errorMessage(caught)}`);
      }
    }
  }, [name]);

  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- state is set once the read answers
    void reload();
  }, [reload]);

  useLiveEvents({
    event(event) {
      if (event.entity === "prompt" && event.id === name) void reload();
    },
    resync(since) {
      if (readStartedAt.current < since) void reload();
    },
  });

  /** Tell the user why a change failed; a version conflict also reloads the prompt. */
  const refused = useCallback(
    async (what: string, caught: unknown) => {
      if (caught instanceof ApiError && caught.isVersionConflict) {
        notify(
          "warning",
          `Someone changed “${name}” first: ${what} was not saved. This is the prompt as it now is.`,
        );
        await reload();
      } else {
        notify("error", `${what} failed: ${errorMessage(caught)}`);
      }
    },
    [name, notify, reload],
  );

  const save = useCallback(
    async (messages: PromptMessage[], note: string) => {
      try {
        await api.savePrompt(name, latest.current, { messages, message: note });
        await reload();
        notify("info", `Saved “${name}” as a new version.`);
        return true;
      } catch (caught) {
        await refused("The new version", caught);
        return false;
      }
    },
    [name, notify, refused, reload],
  );

  const setLabel = useCallback(
    async (label: string, version: number) => {
      try {
        await api.setLabel(name, label, version, latest.current);
        await reload();
      } catch (caught) {
        await refused(`Moving “${label}”`, caught);
      }
    },
    [name, refused, reload],
  );

  const removeLabel = useCallback(
    async (label: string) => {
      try {
        await api.removeLabel(name, label, latest.current);
        await reload();
      } catch (caught) {
        await refused(`Removing “${label}”`, caught);
      }
    },
    [name, refused, reload],
  );

  const render = useCallback(
    async (version: number, args: Record<string, string>) =>
      (await api.renderPrompt(name, version, args)).messages,
    [name],
  );

  const giveFeedback = useCallback(
    async (version: number, rating: number, comment: string) => {
      await api.giveFeedback(name, version, rating, comment);
      await reload();
    },
    [name, reload],
  );

  return {
    versions,
    feedback,
    error,
    actions: { save, setLabel, removeLabel, render, giveFeedback },
  };
}
