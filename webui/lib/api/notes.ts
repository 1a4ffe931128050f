/** Knowledge notes by vault path: `/notes`, `/notes/search`, `/notes/{path}` and its
 * backlinks, and vault sync's conflicts (`/vault`). */

import { request } from "./client";

/* The API's models, as `mcp_workbench.service.models` defines them. */

export interface NoteSummary {
  id: string;
  path: string;
  uri: string;
  title: string;
  tags: string[];
  version: number;
  updated_at: number;
}

export interface Note extends NoteSummary {
  body: string;
  frontmatter: Record<string, unknown>;
  links: string[];
  created_at: number;
}

export interface SearchHit {
  id: string;
  path: string;
  uri: string;
  title: string;
  score: number;
  /** Where the words occur, marked `**like this**`. */
  snippet: string;
}

export interface VaultConflict {
  kind: "prompt" | "note" | "board";
  /** The frontmatter id of its file. */
  id: string;
  /** Its file, relative to the vault. */
  path: string;
  /** The conflict copy beside it (the store's version). */
  copy_path: string;
}

export interface VaultStatus {
  enabled: boolean;
  vault: string;
  folder: string;
  conflicts: VaultConflict[];
}

/** A note path in a URL: each segment encoded, its "/" kept (as the API routes them). */
function notePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

const PAGE = 1000;

/** Every note, by path (read page by page). */
export async function listNotes(): Promise<NoteSummary[]> {
  const notes: NoteSummary[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await request<NoteSummary[]>("GET", "/notes", { query: { limit: PAGE, offset } });
    notes.push(...page);
    if (page.length < PAGE) return notes;
  }
}

export function searchNotes(q: string, signal?: AbortSignal): Promise<SearchHit[]> {
  return request<SearchHit[]>("GET", "/notes/search", { query: { q, limit: 50 }, signal });
}

export function getNote(path: string): Promise<Note> {
  return request<Note>("GET", `/notes/${notePath(path)}`);
}

export function getBacklinks(path: string): Promise<NoteSummary[]> {
  return request<NoteSummary[]>("GET", `/notes/${notePath(path)}/backlinks`);
}

/** Replace the note's body, only if `basedOn` is still its version (409 otherwise). */
export function saveNote(path: string, basedOn: number, body: string): Promise<Note> {
  return request<Note>("PUT", `/notes/${notePath(path)}`, { body: { body }, version: basedOn });
}

export function vaultStatus(): Promise<VaultStatus> {
  return request<VaultStatus>("GET", "/vault");
}
