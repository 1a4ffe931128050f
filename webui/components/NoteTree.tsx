import Link from "next/link";

import type { NoteSummary } from "@/lib/api/notes";

import styles from "./content.module.css";

export function noteHref(path: string): string {
  return `/note/?path=${encodeURIComponent(path)}`;
}

interface Folder {
  folders: Map<string, Folder>;
  notes: NoteSummary[];
}

function folderTree(notes: readonly NoteSummary[]): Folder {
  const root: Folder = { folders: new Map(), notes: [] };
  for (const note of notes) {
    const parts = note.path.split("/");
    let folder = root;
    for (const part of parts.slice(0, -1)) {
      let next = folder.folders.get(part);
      if (!next) {
        next = { folders: new Map(), notes: [] };
        folder.folders.set(part, next);
      }
      folder = next;
    }
    folder.notes.push(note);
  }
  return root;
}

function FolderItems({ folder, current }: { folder: Folder; current: string | null }) {
  const names = [...folder.folders.keys()].sort((a, b) => a.localeCompare(b));
  const notes = [...folder.notes].sort((a, b) => a.path.localeCompare(b.path));
  return (
    <>
      {names.map((name) => (
        <li key={`folder:${name}`}>
          <details open>
            <summary>{name}</summary>
            <ul>
              <FolderItems folder={folder.folders.get(name)!} current={current} />
            </ul>
          </details>
        </li>
      ))}
      {notes.map((note) => (
        <li key={note.path}>
          <Link
            href={noteHref(note.path)}
            aria-current={note.path === current ? "page" : undefined}
          >
            {note.title || note.path.split("/").pop()}
          </Link>
        </li>
      ))}
    </>
  );
}

/** The notes by folder, as the vault lays them out. */
export function NoteTree({
  notes,
  current = null,
}: {
  notes: readonly NoteSummary[];
  current?: string | null;
}) {
  return (
    <nav aria-label="Notes by folder">
      <ul className={styles.tree}>
        <FolderItems folder={folderTree(notes)} current={current} />
      </ul>
    </nav>
  );
}
