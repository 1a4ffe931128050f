"use client";

/** The tool catalog as the caller's policy shows it, read again whenever the server's
 * catalog changes (its `catalog.item` / `catalog.removed` events). */

import { useCallback, useEffect, useRef, useState } from "react";

import { errorMessage } from "./api/client";
import { listTools, type ToolDescriptor } from "./api/tools";
import type { WorkbenchEvent } from "./events";
import { useLiveEvents } from "./live";

export interface ToolsModel {
  tools: ToolDescriptor[] | null;
  error: string | null;
}

/** Whether the event records a tool added, changed or removed on the server. */
export function isToolCatalogEvent(event: WorkbenchEvent): boolean {
  if (event.entity !== "catalog") return false;
  const item = event.payload?.item;
  const kind = typeof item === "object" && item !== null ? (item as { kind?: unknown }).kind : null;
  // Redacted events carry no payload: read the list again to be safe.
  return kind === "tool" || kind === null || kind === undefined;
}

export function useTools(): ToolsModel {
  const [tools, setTools] = useState<ToolDescriptor[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const readStartedAt = useRef(-1);

  const reload = useCallback(async () => {
    readStartedAt.current = performance.now();
    try {
      setTools(await listTools());
      setError(null);
    } catch (caught) {
      setError(`The tools cannot be loaded: ${errorMessage(caught)}`);
    }
  }, []);

  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- state is set once the read answers
    void reload();
  }, [reload]);

  useLiveEvents({
    event(event) {
      if (isToolCatalogEvent(event)) void reload();
    },
    resync(since) {
      if (readStartedAt.current < since) void reload();
    },
  });

  return { tools, error };
}

/** The tools whose name, title or description holds every word of `query`. */
export function filterTools(tools: readonly ToolDescriptor[], query: string): ToolDescriptor[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return tools.filter((tool) => {
    const text = `${tool.name} ${tool.title ?? ""} ${tool.description ?? ""}`.toLowerCase();
    return words.every((word) => text.includes(word));
  });
}

/** The tools grouped by namespace (the part of the name before the first dot). */
export function groupTools(tools: readonly ToolDescriptor[]): [string, ToolDescriptor[]][] {
  const groups = new Map<string, ToolDescriptor[]>();
  for (const tool of tools) {
    const at = tool.name.indexOf(".");
    const group = at > 0 ? tool.name.slice(0, at) : "other";
    groups.set(group, [...(groups.get(group) ?? []), tool]);
  }
  return [...groups.entries()];
}
