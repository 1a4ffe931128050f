import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** The REST API's root, below the server's base URL. */
const API_ROOT = 'mcp-workbench/api/v1';

/** A failed REST request: the HTTP status and the server's JSON error message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The server's details (for a version conflict, `current` and `expected`). */
    readonly data: unknown = null
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** How `requestApi` sends a request. */
export interface RequestOptions {
  method?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** The query string's values. */
  query?: Record<string, string | number | boolean>;
  /** The version a change is based on (`If-Match`): the server answers 409 if it is stale. */
  ifMatch?: number;
}

/** The address of a path of the workbench below the server's base URL. */
export function workbenchUrl(path: string): string {
  return URLExt.join(ServerConnection.makeSettings().baseUrl, path);
}

/**
 * Send a request to the REST API and decode its JSON answer.
 *
 * `ServerConnection.makeRequest` adds the base URL's token and the XSRF header.
 * Throws `ApiError` for an answer that is not 2xx.
 */
export async function requestApi<T>(path: string, init: RequestOptions = {}): Promise<T> {
  const query = init.query ? URLExt.objectToQueryString(init.query) : '';
  const headers: Record<string, string> = {};
  const request: RequestInit = { method: init.method ?? 'GET', headers };
  if (init.body !== undefined) {
    request.body = JSON.stringify(init.body);
    headers['Content-Type'] = 'application/json';
  }
  if (init.ifMatch !== undefined) {
    headers['If-Match'] = `"${init.ifMatch}"`;
  }
  return readJson<T>(await sendApi(path, request, query));
}

/** Send a request to the REST API (`path` below its root, `query` a query string or ''). */
async function sendApi(path: string, request: RequestInit, query = ''): Promise<Response> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, API_ROOT, path) + query;
  try {
    return await ServerConnection.makeRequest(url, request, settings);
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }
}

/** The JSON an answer holds (null when empty); `ApiError` for an answer that is not 2xx. */
async function readJson<T>(response: Response): Promise<T> {
  const text = await response.text();
  const data: unknown = text ? JSON.parse(text) : null;
  if (!response.ok) {
    throw new ApiError(response.status, errorMessage(data) ?? response.statusText, errorData(data));
  }
  return data as T;
}

/**
 * POST to the REST API asking for server-sent events (`Accept: text/event-stream`): each
 * event but the last goes to `onEvent`; the answer is the `result` event's data. An answer
 * that is plain JSON (no stream) is returned as it is.
 *
 * Throws `ApiError` for an answer that is not 2xx, or for an `error` event.
 */
export async function streamApi<T>(
  path: string,
  body: unknown,
  onEvent: (event: string, data: unknown) => void
): Promise<T> {
  const response = await sendApi(path, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' }
  });
  const streamed = (response.headers.get('Content-Type') ?? '').startsWith('text/event-stream');
  if (!response.ok || !streamed || response.body === null) {
    return readJson<T>(response); // refused before the call began, or no stream
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      throw new ApiError(0, 'The answer ended before its result.');
    }
    buffered += value;
    let end: number;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const { event, data } = parseEvent(buffered.slice(0, end));
      buffered = buffered.slice(end + 2);
      if (event === 'result') {
        return data as T;
      }
      if (event === 'error') {
        throw new ApiError(
          response.status,
          errorMessage(data) ?? 'The call failed.',
          errorData(data)
        );
      }
      onEvent(event, data);
    }
  }
}

/** One server-sent event: its name and its data (one line of JSON). */
function parseEvent(block: string): { event: string; data: unknown } {
  let event = 'message';
  const lines: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) {
      event = line.slice(6).trim();
    } else if (line.startsWith('data:')) {
      lines.push(line.slice(5).trimStart());
    }
  }
  return { event, data: JSON.parse(lines.join('\n')) as unknown };
}

function errorMessage(data: unknown): string | undefined {
  if (typeof data === 'object' && data !== null && 'message' in data) {
    const { message } = data as { message: unknown };
    return typeof message === 'string' ? message : undefined;
  }
  return undefined;
}

function errorData(data: unknown): unknown {
  return typeof data === 'object' && data !== null && 'data' in data
    ? (data as { data: unknown }).data
    : null;
}

/** Whether the error is a refused change based on a stale version (409 with versions). */
export function isStaleVersion(error: unknown): boolean {
  if (!(error instanceof ApiError) || error.status !== 409) {
    return false;
  }
  const data = error.data;
  return typeof data === 'object' && data !== null && 'current' in data;
}
