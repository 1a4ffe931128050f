"use client";

import { useConnectionState, useLastCloseReason } from "@/lib/live";

const LABELS = {
  connecting: "Connecting…",
  live: "Live",
  paused: "Live updates paused",
} as const;

/** Whether changes made elsewhere show up as they happen, or are paused until reconnected. */
export function ConnectionIndicator() {
  const state = useConnectionState();
  const reason = useLastCloseReason();
  const title =
    state === "paused"
      ? `Reconnecting to the server; changes made elsewhere appear once it is back.${reason ? ` (${reason})` : ""}`
      : state === "live"
        ? "Changes made elsewhere appear as they happen"
        : "Connecting to the live updates";
  return (
    <div
      className={`connection connection-${state}`}
      role="status"
      aria-live="polite"
      title={title}
      data-state={state}
      data-testid="connection"
    >
      <span className="connection-dot" aria-hidden="true" />
      <span>{LABELS[state]}</span>
    </div>
  );
}
