"use client";

import Link from "next/link";
import { useState } from "react";

import { useNotes } from "@/lib/use-notes";

import styles from "./content.module.css";
import { NoteSearchResults } from "./NoteSearch";
import { noteHref, NoteTree } from "./NoteTree";

const RECENT = 12;

/** The knowledge notes: by folder, recently changed, and full-text search. */
export function NotesPage() {
  const { notes, error } = useNotes();
  const [query, setQuery] = useState("");
  const recent = [...(notes ?? [])].sort((a, b) => b.updated_at - a.updated_at).slice(0, RECENT);
  return (
    <div className="page page-pad">
      <div className="page-head">
        <div>
          <h1>Knowledge</h1>
          <p className="muted">Notes shared with the vault, linked with [[wikilinks]].</p>
        </div>
      </div>
      {error && (
        <p className="page-error" role="alert">
          {error}
        </p>
      )}
      <div className={styles.layout}>
        <aside className={styles.side}>
          {notes === null ? <p className="muted">Loading…</p> : <NoteTree notes={notes} />}
        </aside>
        <div>
          <label htmlFor="note-search" className="visually-hidden">
            Search notes
          </label>
          <input
            id="note-search"
            type="search"
            className={`input ${styles.search}`}
            placeholder="Search titles, tags and text"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
          {query.trim() ? (
            <NoteSearchResults query={query} />
          ) : (
            <section aria-labelledby="recent-heading">
              <h2 id="recent-heading">Recently changed</h2>
              {notes !== null && notes.length === 0 && (
                <p className="empty">No notes yet: write one in the vault or ask an MCP client.</p>
              )}
              <ul className={styles.list} aria-label="Recently changed notes">
                {recent.map((note) => (
                  <li key={note.path}>
                    <Link href={noteHref(note.path)} className={styles.item}>
                      <span className={styles.itemTitle}>{note.title || note.path}</span>{" "}
                      <span className="muted">{note.path}</span>
                      <span className={styles.snippet}>
                        Updated {new Date(note.updated_at * 1000).toLocaleString()}
                        {note.tags.length > 0 && ` · ${note.tags.map((t) => `#${t}`).join(" ")}`}
                      </span>
                    </Link>
                  </li>
                ))}
              </ul>
            </section>
          )}
        </div>
      </div>
    </div>
  );
}
