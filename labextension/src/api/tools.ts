import { requestApi, streamApi } from './client';

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

/** A progress report of a running call, as the tool made it. */
export interface ToolProgress {
  progress: number;
  total?: number;
  message?: string;
}

/** Call a tool with its arguments; `onProgress` gets the tool's progress reports. */
export function callTool(
  name: string,
  args: Record<string, unknown>,
  onProgress: (progress: ToolProgress) => void
): Promise<ToolResult> {
  return streamApi<ToolResult>(`tools/${encodeURIComponent(name)}/call`, args, (event, data) => {
    if (event === 'progress') {
      onProgress(data as ToolProgress);
    }
  });
}
