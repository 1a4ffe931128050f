"use client";

/**
 * The admin page's data: sessions, the audit log (paged forwards, its tail followed live),
 * the metrics (read on an interval, with a short history for rates) and the policy.
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
  /** The last page was full: there may be more after it. */
  more: boolean;
  loading: boolean;
  filter: AuditFilter;
  setFilter(filter: AuditFilter): void;
  loadMore(): void;
}

/** The audit log from its start, a page at a time; once at its end, new entries are added
 * as changes happen. */
export function useAudit(): AuditModel {
  const [filter, setFilterState] = useState<AuditFilter>({});
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [more, setMore] = useState(false);
  const [loading, setLoading] = useState(false);
  // What the reads go on from; a read for an older filter is dropped (`generation`).
  const state = useRef({ after: 0, more: false, busy: false, generation: 0 });

  const readNext = useCallback(
    async (append: boolean) => {
      const now = state.current;
      if (now.busy) return;
      now.busy = true;
      const generation = now.generation;
      setLoading(true);
      try {
        const page = await api.readAudit(now.after, filter);
        if (generation !== state.current.generation) return;
        const last = page[page.length - 1];
        if (last) now.after = last.id;
        now.more = page.length === api.AUDIT_PAGE;
        setEntries((all) => (append && all ? [...all, ...page] : page));
        setMore(now.more);
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
      after: 0,
      more: false,
      busy: false,
      generation: state.current.generation + 1,
    };
    void readNext(false);
  }, [readNext]);

  const followTail = useCallback(() => {
    if (!state.current.more) void readNext(true);
  }, [readNext]);
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
  const loadMore = useCallback(() => void readNext(true), [readNext]);

  return { entries, error, more, loading, filter, setFilter, loadMore };
}
