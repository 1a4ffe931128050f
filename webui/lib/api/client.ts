/**
 * The one way the UI talks to the server: JSON over the REST API under Jupyter's base URL,
 * with Jupyter's cookie auth and its XSRF token, versions as ETags.
 */

import type { ErrorReply } from "./types";

const UI_SEGMENT = "/mcp-workbench/ui";
const API_SEGMENT = "mcp-workbench/api/v1";

/** An answer other than 2xx, or no answer at all (`status` 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason: string | null = null,
    readonly data: unknown = null,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** 409: the item changed since it was read, or a rule (a WIP limit) refused the change. */
  get isConflict(): boolean {
    return this.status === 409;
  }

  /** A 409 because the version sent with `If-Match` is no longer the current one. */
  get isVersionConflict(): boolean {
    if (!this.isConflict || typeof this.data !== "object" || this.data === null) return false;
    return "current" in this.data || "expected" in this.data;
  }
}

/** Jupyter's base URL (ends with "/"), read from where the UI itself is served. */
export function baseUrl(): string {
  const path = window.location.pathname;
  const at = path.indexOf(UI_SEGMENT);
  return at >= 0 ? path.slice(0, at + 1) : "/";
}

export function apiUrl(path: string): string {
  return `${baseUrl()}${API_SEGMENT}${path}`;
}

/** The events socket's URL (`ws:` or `wss:` like the page). */
export function eventsUrl(after: number | null): string {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  const query = after === null ? "" : `?after=${after}`;
  return `${scheme}//${window.location.host}${apiUrl("/events")}${query}`;
}

function cookie(name: string): string | null {
  for (const part of document.cookie.split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return decodeURIComponent(value.join("="));
  }
  return null;
}

export interface RequestOptions {
  body?: unknown;
  /** The version the change is based on: sent as `If-Match`. */
  version?: number;
  query?: Record<string, string | number | boolean | undefined>;
  signal?: AbortSignal;
}

/**
 * Send one request and read its JSON answer.
 *
 * @throws ApiError with the server's message, or status 0 when it cannot be reached.
 */
export async function request<T>(
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE",
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  const headers = requestHeaders("application/json", options.body !== undefined);
  if (options.version !== undefined) headers["If-Match"] = `"${options.version}"`;
  let url = apiUrl(path);
  if (options.query) {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query)) {
      if (value !== undefined) search.set(key, String(value));
    }
    const text = search.toString();
    if (text) url += `?${text}`;
  }
  const response = await send(url, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  });
  if (response.status === 204) return undefined as T;
  return readJson<T>(response);
}

/**
 * Send one request to the server with Jupyter's cookie.
 *
 * @throws ApiError status 0 when the server cannot be reached (an abort is rethrown as it is).
 */
export async function send(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { credentials: "same-origin", ...init });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, "Cannot reach the server: check that Jupyter is still running.");
  }
}

/**
 * The JSON an answer holds (null when it is empty or not JSON).
 *
 * @throws ApiError with the server's message for an answer other than 2xx.
 */
export async function readJson<T>(response: Response): Promise<T> {
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) throw toApiError(response, parsed);
  return parsed as T;
}

/** The headers of a request to the API: what it accepts, Jupyter's XSRF token, its body's type. */
export function requestHeaders(accept: string, withBody: boolean): Record<string, string> {
  const headers: Record<string, string> = { Accept: accept };
  const xsrf = cookie("_xsrf");
  if (xsrf !== null) headers["X-XSRFToken"] = xsrf;
  if (withBody) headers["Content-Type"] = "application/json";
  return headers;
}

/** The ApiError for an answer other than 2xx (`parsed`: its JSON body, if any). */
export function toApiError(response: Response, parsed: unknown): ApiError {
  const reply = (
    typeof parsed === "object" && parsed !== null ? parsed : {}
  ) as Partial<ErrorReply>;
  let message = typeof reply.message === "string" && reply.message ? reply.message : "";
  if (!message) {
    message =
      response.status === 403
        ? "You are not allowed to do this, or your Jupyter login has expired: reload the page."
        : `The server answered ${response.status} ${response.statusText}`.trim();
  }
  return new ApiError(response.status, message, reply.reason ?? null, reply.data ?? null);
}

/** A message to show for anything a request may throw. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError || error instanceof Error) return error.message;
  return String(error);
}
