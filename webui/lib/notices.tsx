"use client";

/** Short messages for the user (errors, conflicts, refusals), shown until dismissed. */

import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";

export type NoticeKind = "info" | "warning" | "error";

export interface NoticeAction {
  label: string;
  run(): void;
}

export interface Notice {
  id: number;
  kind: NoticeKind;
  message: string;
  action?: NoticeAction;
}

interface NoticeApi {
  notices: readonly Notice[];
  notify(kind: NoticeKind, message: string, action?: NoticeAction): void;
  dismiss(id: number): void;
}

const NoticeContext = createContext<NoticeApi | null>(null);

const MAX_NOTICES = 4;
const INFO_MS = 8000;

let nextId = 1;

export function NoticeProvider({ children }: { children: ReactNode }) {
  const [notices, setNotices] = useState<readonly Notice[]>([]);
  const dismiss = useCallback((id: number) => {
    setNotices((list) => list.filter((n) => n.id !== id));
  }, []);
  const notify = useCallback(
    (kind: NoticeKind, message: string, action?: NoticeAction) => {
      const id = nextId++;
      setNotices((list) =>
        [...list.filter((n) => n.message !== message), { id, kind, message, action }].slice(
          -MAX_NOTICES,
        ),
      );
      if (kind === "info") setTimeout(() => dismiss(id), INFO_MS);
    },
    [dismiss],
  );
  const api = useMemo(() => ({ notices, notify, dismiss }), [notices, notify, dismiss]);
  return <NoticeContext.Provider value={api}>{children}</NoticeContext.Provider>;
}

export function useNotices(): NoticeApi {
  const api = useContext(NoticeContext);
  if (api === null) throw new Error("useNotices needs a <NoticeProvider> around it");
  return api;
}
