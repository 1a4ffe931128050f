/** Prompts: `/prompts`, `/prompts/{name}` with its versions, labels and rendering, and
 * the feedback on its versions (`/feedback`). */

import { request } from "./client";

/* The API's models, as `mcp_workbench.service.models` defines them. */

export interface PromptArgument {
  name: string;
  description: string;
  required: boolean;
}

export interface PromptMessage {
  role: "user" | "assistant";
  text: string;
}

/** One immutable version of a prompt. */
export interface PromptVersion {
  name: string;
  version: number;
  description: string;
  messages: PromptMessage[];
  arguments: PromptArgument[];
  /** What changed in this version. */
  message: string;
  author: string;
  created_at: number;
  /** Labels pointing at this version ("latest" included). */
  labels: string[];
}

/** A prompt: its newest version and where its labels point. */
export interface PromptInfo {
  name: string;
  latest: number;
  description: string;
  labels: Record<string, number>;
  arguments: PromptArgument[];
  updated_at: number;
}

export interface RenderedPrompt {
  name: string;
  version: number;
  messages: PromptMessage[];
}

export interface Feedback {
  id: string;
  entity: string;
  entity_id: string;
  version: number | null;
  /** 0..1 */
  score: number | null;
  comment: string;
  actor: string;
  created_at: number;
}

const enc = encodeURIComponent;

/** Every prompt the caller may list; with `query`, those whose name or description holds
 * every word of it (searched on the server). */
export function listPrompts(query = "", signal?: AbortSignal): Promise<PromptInfo[]> {
  return request<PromptInfo[]>("GET", "/prompts", {
    signal,
    query: { q: query.trim() || undefined },
  });
}

/** The version numbered `version`, or the newest. */
export function getPrompt(name: string, version?: number): Promise<PromptVersion> {
  return request<PromptVersion>("GET", `/prompts/${enc(name)}`, { query: { version } });
}

/** Every version, newest first. */
export function listVersions(name: string): Promise<PromptVersion[]> {
  return request<PromptVersion[]>("GET", `/prompts/${enc(name)}/versions`);
}

export interface PromptChange {
  messages: PromptMessage[];
  description?: string;
  /** What changed, for the history. */
  message?: string;
}

/** A new version, only if `basedOn` is still the newest (409 otherwise). */
export function savePrompt(name: string, basedOn: number, change: PromptChange) {
  return request<PromptVersion>("PATCH", `/prompts/${enc(name)}`, {
    body: change,
    version: basedOn,
  });
}

/** Point `label` at `version`; `latest` is the prompt's newest version as the UI knows it. */
export function setLabel(name: string, label: string, version: number, latest: number) {
  return request<PromptInfo>("PUT", `/prompts/${enc(name)}/labels/${enc(label)}`, {
    body: { version },
    version: latest,
  });
}

/** Take `label` off whatever version it names. */
export function removeLabel(name: string, label: string, latest: number) {
  return request<PromptInfo>("DELETE", `/prompts/${enc(name)}/labels/${enc(label)}`, {
    version: latest,
  });
}

/** What a label may be called (as the server checks it); `latest` is the server's own. */
export const LABEL_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;

export function renderPrompt(name: string, version: number, args: Record<string, string>) {
  return request<RenderedPrompt>("POST", `/prompts/${enc(name)}/render`, {
    body: { arguments: args, version },
  });
}

/** Feedback on the prompt, oldest first. */
export function listFeedback(name: string): Promise<Feedback[]> {
  return request<Feedback[]>("GET", "/feedback", {
    query: { entity: "prompt", entity_id: name },
  });
}

/** The API scores 0..1; the UI rates 1..5 stars (1 → 0, 5 → 1). */
export function ratingToScore(rating: number): number {
  return (rating - 1) / 4;
}

export function scoreToRating(score: number): number {
  return Math.round(score * 4) + 1;
}

export function giveFeedback(name: string, version: number, rating: number, comment: string) {
  return request<Feedback>("POST", "/feedback", {
    body: { entity: "prompt", entity_id: name, version, score: ratingToScore(rating), comment },
  });
}
