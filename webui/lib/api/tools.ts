/** Tools: `/tools` (the catalog as the caller's policy shows it) and `/tools/{name}/call`. */

import { ApiError, apiUrl, readJson, request, requestHeaders, send, toApiError } from "./client";

/** A JSON Schema, as tools describe their input (only what the UI reads is typed). */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  definitions?: Record<string, JsonSchema>;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  format?: string;
}

/** A tool as MCP `tools/list` describes it. */
export interface ToolDescriptor {
  name: string;
  title?: string;
  description?: string;
  inputSchema: JsonSchema;
  outputSchema?: JsonSchema;
  annotations?: {
    title?: string;
    readOnlyHint?: boolean;
    destructiveHint?: boolean;
    idempotentHint?: boolean;
    openWorldHint?: boolean;
  };
}

/** One item of a result's content. */
export type ContentItem =
  | { type: "text"; text: string }
  | { type: "image" | "audio"; data: string; mimeType: string }
  | { type: string; [key: string]: unknown };

/** The result of MCP `tools/call`: a tool's failure is a result with `isError`. */
export interface ToolResult {
  content: ContentItem[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

const enc = encodeURIComponent;

export function listTools(signal?: AbortSignal): Promise<ToolDescriptor[]> {
  return request<ToolDescriptor[]>("GET", "/tools", { signal });
}

/** A progress report of a running call, as the tool made it. */
export interface ToolProgress {
  progress: number;
  total?: number;
  message?: string;
}

/**
 * Call a tool through the engine (policy, rate limits and audit apply), with its progress
 * reports: the answer comes as server-sent events (`progress`..., then `result` or `error`).
 *
 * @throws ApiError: 400 for a request the engine refuses (-32602 and the like, with the
 * JSON-RPC `data`), 404 for a tool the caller may not see, 429 when rate limited.
 */
export async function callTool(
  name: string,
  args: Record<string, unknown>,
  onProgress: (progress: ToolProgress) => void,
): Promise<ToolResult> {
  const response = await send(apiUrl(`/tools/${enc(name)}/call`), {
    method: "POST",
    headers: requestHeaders("text/event-stream", true),
    body: JSON.stringify(args),
  });
  const type = response.headers.get("Content-Type") ?? "";
  if (!response.ok || !type.startsWith("text/event-stream") || response.body === null) {
    return readJson<ToolResult>(response); // refused before the call began, or no stream
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += value;
    let end: number;
    while ((end = buffered.indexOf("\n\n")) >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const { event, data } = parseEvent(block);
      if (event === "progress") onProgress(data as ToolProgress);
      else if (event === "result") return data as ToolResult;
      else if (event === "error") throw toApiError(response, data);
    }
  }
  throw new ApiError(0, "The call's answer ended before its result.");
}

function parseEvent(block: string): { event: string; data: unknown } {
  let event = "message";
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
  }
  return { event, data: JSON.parse(data.join("\n")) as unknown };
}
