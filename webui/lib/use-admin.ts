"use client";

/**
 * The admin page's data: sessions, the audit log (newest first, paged backwards, new entries
 * followed live), the metrics (read on an interval, with a short history for rates) and the
 * policy.
 */

import { useCallback, useEffect, useRef, useState } from "react";

import * as api from "./api/admin";
import type { AuditEntry, AuditFilter, MetricsSummary } from "./api/admin";
import { ApiError, errorMessage } from "./api/client";
import { useLiveEvents } from "./live";

export const SESSIONS_EVERY_MS = 5_000;
export const METRICS_EVERY_MS = 5_000;
export const POLICY_EVERY_MS = 30_000;
/** Refusals are not events: the audit's tail is also read on this interval. */
export const AUDIT_TAIL_EVERY_MS = 10_000;
/** Changes come in bursts (a change and its audit entry): one read for a burst. */
const EVENT_SETTLE_MS = 300;
/** How many metrics readings are kept for the request-rate chart. */
export const METRICS_HISTORY = 60;

export interface Polled<T> {
  data: T | null;
  error: string | null;
  reload(): void;
}

function adminError(what: string, caught: unknown): string {
  if (caught instanceof ApiError && caught.status === 403) {
    return `The ${what} need the admin role.`;
  }
  return `The ${what} cannot be loaded: ${errorMessage(caught)}`;
}

/** Call `run` every `ms` while mounted, and once at once. */
function useInterval(run: () => void, ms: number): void {
  const current = useRef(run);
  useEffect(() => {
    current.current = run;
  });
  useEffect(() => {
    current.current();
    const timer = setInterval(() => current.current(), ms);
    return () => clearInterval(timer);
  }, [ms]);
}

/** Call the returned function as often as needed: `run` runs once things settle. */
function useSettled(run: () => void): () => void {
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const current = useRef(run);
  useEffect(() => {
    current.current = run;
  });
  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current);
    },
    [],
  );
  return useCallback(() => {
    if (timer.current !== null) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      timer.current = null;
      current.current();
    }, EVENT_SETTLE_MS);
  }, []);
}

/** `read` on an interval, and after any change (an event) when `onEvents`. */
function usePolled<T>(
  what: string,
  read: () => Promise<T>,
  everyMs: number,
  onEvents: boolean,
): Polled<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => {
    read().then(
      (value) => {
        setData(value);
        setError(null);
      },
      (caught: unknown) => setError(adminError(what, caught)),
    );
  }, [read, what]);
  useInterval(reload, everyMs);
  const settled = useSettled(reload);
  useLiveEvents({
    event() {
      if (onEvents) settled();
    },
    resync() {
      if (onEvents) settled();
    },
  });
  return { data, error, reload };
}

export function useSessions(): Polled<api.SessionInfo[]> {
  return usePolled("sessions", api.listSessions, SESSIONS_EVERY_MS, true);
}

export function usePolicy(): Polled<api.PolicyStatus> {
  return usePolled("policy", api.readPolicy, POLICY_EVERY_MS, false);
}

export interface MetricsModel extends Polled<MetricsSummary> {
  /** The readings so far, oldest first (at most `METRICS_HISTORY`). */
  history: MetricsSummary[];
}

export function useMetrics(): MetricsModel {
  const [history, setHistory] = useState<MetricsSummary[]>([]);
  const read = useCallback(async () => {
    const summary = await api.readMetrics();
    setHistory((all) => [...all, summary].slice(-METRICS_HISTORY));
    return summary;
  }, []);
  const polled = usePolled("metrics", read, METRICS_EVERY_MS, false);
  return { ...polled, history };
}

export interface AuditModel {
  entries: AuditEntry[] | null;
  error: string | null;
  /** The last older page was full: there may be older entries. */
  more: boolean;
  loading: boolean;
  filter: AuditFilter;
  setFilter(filter: AuditFilter): void;
  loadMore(): void;
}

/** The audit log newest first, older entries a page at a time; new entries are added on
 * top as changes happen. */
export function useAudit(): AuditModel {
  const [filter, setFilterState] = useState<AuditFilter>({});
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [more, setMore] = useState(false);
  const [loading, setLoading] = useState(false);
  // The ids the reads go on from (`oldest` backwards, `newest` forwards); a read for an
  // older filter is dropped (`generation`).
  const state = useRef({
    oldest: null as number | null,
    newest: 0,
    started: false,
    busy: false,
    generation: 0,
  });

  const read = useCallback(
    async (direction: "older" | "newer") => {
      const now = state.current;
      if (now.busy || (direction === "newer" && !now.started)) return;
      now.busy = true;
      const generation = now.generation;
      setLoading(true);
      try {
        if (direction === "older") {
          const page = await api.readAuditBefore(now.oldest, filter);
          if (generation !== state.current.generation) return;
          const last = page[page.length - 1];
          if (last) now.oldest = last.id;
          if (!now.started) now.newest = page[0]?.id ?? 0;
          now.started = true;
          setEntries((all) => (all ? [...all, ...page] : page));
          setMore(page.length === api.AUDIT_PAGE);
        } else {
          const page = await api.readAuditAfter(now.newest, filter);
          if (generation !== state.current.generation) return;
          const last = page[page.length - 1];
          if (last) now.newest = last.id;
          if (page.length > 0) setEntries((all) => [...page.reverse(), ...(all ?? [])]);
        }
        setError(null);
      } catch (caught) {
        if (generation === state.current.generation) setError(adminError("audit log", caught));
      } finally {
        if (generation === state.current.generation) {
          now.busy = false;
          setLoading(false);
        }
      }
    },
    [filter],
  );

  useEffect(() => {
    state.current = {
      oldest: null,
      newest: 0,
      started: false,
      busy: false,
      generation: state.current.generation + 1,
    };
    void read("older");
  }, [read]);

  const followTail = useCallback(() => void read("newer"), [read]);
  const settled = useSettled(followTail);
  useInterval(followTail, AUDIT_TAIL_EVERY_MS);
  useLiveEvents({
    event: settled,
    resync: settled,
  });

  const setFilter = useCallback((next: AuditFilter) => {
    setEntries(null);
    setFilterState(next);
  }, []);
  const loadMore = useCallback(() => void read("older"), [read]);

  return { entries, error, more, loading, filter, setFilter, loadMore };
}
