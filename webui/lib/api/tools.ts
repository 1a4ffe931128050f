/** Tools: `/tools` (the catalog as the caller's policy shows it) and `/tools/{name}/call`. */

import { request } from "./client";

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

/**
 * Call a tool through the engine (policy, rate limits and audit apply).
 *
 * @throws ApiError: 400 for a request the engine refuses (-32602 and the like, with the
 * JSON-RPC `data`), 404 for a tool the caller may not see, 429 when rate limited.
 */
export function callTool(name: string, args: Record<string, unknown>): Promise<ToolResult> {
  return request<ToolResult>("POST", `/tools/${enc(name)}/call`, { body: args });
}
