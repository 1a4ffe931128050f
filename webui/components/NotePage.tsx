"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useState, type FormEvent } from "react";

import { storedMarkdown } from "@/lib/markdown-output";
import { useNote } from "@/lib/use-note";
import { useNotes } from "@/lib/use-notes";

import styles from "./content.module.css";
import { MarkdownEditor } from "./MarkdownEditor";
import { MarkdownView } from "./MarkdownView";
import { noteHref, NoteTree } from "./NoteTree";
import { usePageTitle } from "./PageProblem";

/** The note at `?path=`, live, beside the folder tree. */
export function NotePage() {
  const path = useSearchParams().get("path") ?? "";
  const { notes } = useNotes();
  return (
    <div className="page page-pad">
      <div className={styles.layout}>
        <aside className={styles.side}>
          {notes === null ? (
            <p className="muted">Loading…</p>
          ) : (
            <NoteTree notes={notes} current={path} />
          )}
        </aside>
        {path ? (
          <LiveNote key={path} path={path} paths={(notes ?? []).map((n) => n.path)} />
        ) : (
          <p className="page-error" role="alert">
            No note given. <Link href="/notes/">Choose one of the notes.</Link>
          </p>
        )}
      </div>
    </div>
  );
}

/** The editor's Markdown as a note's body: one final newline, as files end. */
function storedBody(markdown: string): string {
  const text = storedMarkdown(markdown);
  return text ? `${text}\n` : "";
}

function LiveNote({ path, paths }: { path: string; paths: readonly string[] }) {
  const { note, backlinks, conflict, error, save } = useNote(path);
  const [draft, setDraft] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  usePageTitle(note?.title);

  if (error) {
    return (
      <p className="page-error" role="alert">
        {error} <Link href="/notes/">Back to the notes</Link>
      </p>
    );
  }
  if (note === null) return <p className="muted">Loading the note…</p>;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (draft === null) return;
    setBusy(true);
    if (await save(storedBody(draft))) setDraft(null);
    setBusy(false);
  }

  return (
    <article>
      <div className={styles.head}>
        <nav aria-label="Breadcrumb" className="breadcrumb">
          <Link href="/notes/">Knowledge</Link>
          <span aria-hidden="true">/</span>
        </nav>
        <h1>{note.title || note.path}</h1>
        <span className="muted">
          {note.path} · v{note.version}
        </span>
        <span className="spacer" />
        {draft === null && (
          <button type="button" className="button" onClick={() => setDraft(note.body)}>
            Edit
          </button>
        )}
      </div>
      {conflict && (
        <p className={styles.banner} role="status">
          Vault sync found this note changed both in the vault and here. The store’s version is kept
          in <code>{conflict.copy_path}</code> beside <code>{conflict.path}</code> until the
          conflict is resolved.
        </p>
      )}
      {note.tags.length > 0 && (
        <p>
          {note.tags.map((tag) => (
            <span key={tag} className="tag">
              #{tag}
            </span>
          ))}
        </p>
      )}
      <section className={styles.panel} aria-label="Note">
        {draft === null ? (
          <MarkdownView body={note.body} paths={paths} />
        ) : (
          <form className={styles.form} onSubmit={submit} aria-label="Edit the note">
            <MarkdownEditor markdown={note.body} label="Markdown" onChange={setDraft} />
            <div className={styles.row}>
              <button type="submit" className="button button-primary" disabled={busy}>
                Save
              </button>
              <button type="button" className="button" onClick={() => setDraft(null)}>
                Cancel
              </button>
            </div>
          </form>
        )}
      </section>
      <section className={styles.panel} aria-labelledby="backlinks-heading">
        <h2 id="backlinks-heading">Backlinks</h2>
        {backlinks.length === 0 ? (
          <p className="muted">No other note links here.</p>
        ) : (
          <ul className={styles.list} aria-label="Backlinks">
            {backlinks.map((link) => (
              <li key={link.path}>
                <Link href={noteHref(link.path)}>{link.title || link.path}</Link>{" "}
                <span className="muted">{link.path}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </article>
  );
}
