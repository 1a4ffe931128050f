"use client";

/** Calling one tool: busy (with its progress) while the call runs, then its result or why it
 * failed. */

import { useCallback, useRef, useState } from "react";

import { ApiError, errorMessage } from "./api/client";
import { callTool, type ToolDescriptor, type ToolProgress, type ToolResult } from "./api/tools";
import { serverFieldErrors, type FieldErrors, type FieldSpec } from "./schema-form";

export interface CallOutcome {
  result: ToolResult | null;
  /** The server refused the request (not a tool error: those are results with `isError`). */
  refusal: string | null;
  /** Problems the server found with single arguments, by field. */
  fieldErrors: FieldErrors;
  /** How long the call took, in ms. */
  elapsedMs: number;
}

export interface ToolCallModel {
  busy: boolean;
  /** `performance.now()` when the running call began. */
  startedAt: number;
  /** The running call's latest progress report, if the tool made one. */
  progress: ToolProgress | null;
  outcome: CallOutcome | null;
  call(args: Record<string, unknown>): Promise<void>;
}

/** The text of a result's content, for reading the server's messages. */
export function resultText(result: ToolResult): string {
  return result.content
    .map((item) => (item.type === "text" && typeof item.text === "string" ? item.text : ""))
    .join("\n");
}

function refusalText(error: unknown): string {
  if (!(error instanceof ApiError)) return errorMessage(error);
  const data = error.data as { code?: unknown } | null;
  const code = typeof data?.code === "number" ? ` (JSON-RPC ${data.code})` : "";
  if (error.status === 429) return `Rate limited: ${error.message}`;
  return `${error.message}${code}`;
}

export function useToolCall(tool: ToolDescriptor, fields: readonly FieldSpec[]): ToolCallModel {
  const [busy, setBusy] = useState(false);
  const [startedAt, setStartedAt] = useState(0);
  const [outcome, setOutcome] = useState<CallOutcome | null>(null);
  const [progress, setProgress] = useState<ToolProgress | null>(null);
  const running = useRef(false);

  const call = useCallback(
    async (args: Record<string, unknown>) => {
      if (running.current) return;
      running.current = true;
      const started = performance.now();
      setStartedAt(started);
      setBusy(true);
      setProgress(null);
      try {
        const result = await callTool(tool.name, args, setProgress);
        const fieldErrors = result.isError ? serverFieldErrors(fields, resultText(result)) : {};
        setOutcome({ result, refusal: null, fieldErrors, elapsedMs: performance.now() - started });
      } catch (caught) {
        const message = refusalText(caught);
        setOutcome({
          result: null,
          refusal: message,
          fieldErrors: serverFieldErrors(fields, message),
          elapsedMs: performance.now() - started,
        });
      } finally {
        running.current = false;
        setBusy(false);
      }
    },
    [tool.name, fields],
  );

  return { busy, startedAt, progress, outcome, call };
}
