import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** The REST API's root, below the server's base URL. */
const API_ROOT = 'mcp-workbench/api/v1';

/** A failed REST request: the HTTP status and the server's JSON error message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
    this.name = 'ApiError';
  }
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
export async function requestApi<T>(
  path: string,
  init: { method?: string; body?: unknown } = {}
): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, API_ROOT, path);
  const request: RequestInit = { method: init.method ?? 'GET' };
  if (init.body !== undefined) {
    request.body = JSON.stringify(init.body);
    request.headers = { 'Content-Type': 'application/json' };
  }
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, request, settings);
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }
  const text = await response.text();
  const data: unknown = text ? JSON.parse(text) : null;
  if (!response.ok) {
    throw new ApiError(response.status, errorMessage(data) ?? response.statusText);
  }
  return data as T;
}

function errorMessage(data: unknown): string | undefined {
  if (typeof data === 'object' && data !== null && 'message' in data) {
    const { message } = data as { message: unknown };
    return typeof message === 'string' ? message : undefined;
  }
  return undefined;
}
