import { requestApi, workbenchUrl } from './client';

/** A note without its body, as `/notes` lists it. */
export interface NoteSummary {
  id: string;
  path: string;
  uri: string;
  title: string;
  tags: string[];
  version: number;
  updated_at: number;
}

/** A knowledge note: Markdown with frontmatter, tags and the wikilinks it makes. */
export interface Note extends NoteSummary {
  body: string;
  frontmatter: Record<string, unknown>;
  links: string[];
  created_at: number;
}

/** A note that matched a search, best first; the snippet marks the words `**like this**`. */
export interface SearchHit {
  id: string;
  path: string;
  uri: string;
  title: string;
  score: number;
  snippet: string;
}

/** A note path in a URL: each segment encoded, its `/` kept (as the API routes them). */
function notePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** The notes by path (the first `limit`). */
export function listNotes(limit = 200): Promise<NoteSummary[]> {
  return requestApi<NoteSummary[]>('notes', { query: { limit } });
}

/** Full-text search over titles, tags and bodies; every word must occur. */
export function searchNotes(q: string, limit = 50): Promise<SearchHit[]> {
  return requestApi<SearchHit[]>('notes/search', { query: { q, limit } });
}

/** A note with its body. */
export function getNote(path: string): Promise<Note> {
  return requestApi<Note>(`notes/${notePath(path)}`);
}

/** The web UI's page of a note (absolute, so it also works pasted elsewhere). */
export function noteWebUrl(path: string): string {
  return workbenchUrl(`mcp-workbench/ui/note/?path=${encodeURIComponent(path)}`);
}

/** The note's name as a wikilink names it: its path without `.md`. */
export function wikilinkTarget(path: string): string {
  return path.replace(/\.md$/i, '');
}
