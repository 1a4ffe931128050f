import { requestApi } from './client';

/** A JSON Schema, as far as the tool form reads it. */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

/** A tool as MCP `tools/list` describes it. */
export interface ToolDescriptor {
  name: string;
  title?: string;
  description?: string;
  inputSchema: JsonSchema;
}

/** One content block of a tool's result. */
export interface ContentBlock {
  type: string;
  text?: string;
  [key: string]: unknown;
}

/** The result of MCP `tools/call`; a failing tool answers with `isError`. */
export interface ToolResult {
  content: ContentBlock[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** The tools the access policy lets the user list. */
export function listTools(): Promise<ToolDescriptor[]> {
  return requestApi<ToolDescriptor[]>('tools');
}

/** Call a tool with its arguments. */
export function callTool(name: string, args: Record<string, unknown>): Promise<ToolResult> {
  return requestApi<ToolResult>(`tools/${encodeURIComponent(name)}/call`, {
    method: 'POST',
    body: args
  });
}
