"use client";

import Link from "next/link";
import { Fragment } from "react";

import { useNoteSearch } from "@/lib/use-notes";

import styles from "./content.module.css";
import { noteHref } from "./NoteTree";

/** A search snippet, its `**matches**` highlighted. */
function Snippet({ text }: { text: string }) {
  const parts = text.split(/\*\*(.+?)\*\*/);
  return (
    <span className={styles.snippet}>
      {parts.map((part, index) =>
        index % 2 === 1 ? <mark key={index}>{part}</mark> : <Fragment key={index}>{part}</Fragment>,
      )}
    </span>
  );
}

/** The notes that match `query`, best first. */
export function NoteSearchResults({ query }: { query: string }) {
  const { hits, error } = useNoteSearch(query);
  if (error) {
    return (
      <p className="form-error" role="alert">
        {error}
      </p>
    );
  }
  if (hits === null) return <p className="muted">Searching…</p>;
  if (hits.length === 0) return <p className="empty">No note matches “{query.trim()}”.</p>;
  return (
    <ul className={styles.list} aria-label="Search results">
      {hits.map((hit) => (
        <li key={hit.path}>
          <Link href={noteHref(hit.path)} className={styles.item}>
            <span className={styles.itemTitle}>{hit.title || hit.path}</span>{" "}
            <span className="muted">{hit.path}</span>
            <Snippet text={hit.snippet} />
          </Link>
        </li>
      ))}
    </ul>
  );
}
