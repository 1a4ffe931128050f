"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";

import { errorMessage } from "@/lib/api/client";
import { useBoards } from "@/lib/use-boards";

export function boardHref(id: string): string {
  return `/board/?id=${encodeURIComponent(id)}`;
}

/** Every board the user may see, and a form to start a new one. */
export function BoardList() {
  const { boards, error, create } = useBoards();
  const router = useRouter();
  const [title, setTitle] = useState("");
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const clean = title.trim();
    if (!clean) return;
    setBusy(true);
    setFormError(null);
    try {
      const board = await create(clean);
      setTitle("");
      router.push(boardHref(board.id));
    } catch (caught) {
      setFormError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="page page-pad">
      <div className="page-head">
        <div>
          <h1>Boards</h1>
          <p className="muted">
            Kanban boards shared with the vault (as Obsidian Kanban files) and with MCP clients.
          </p>
        </div>
        <form className="inline-form" onSubmit={submit} aria-label="New board">
          <label htmlFor="new-board-title" className="visually-hidden">
            Title of the new board
          </label>
          <input
            id="new-board-title"
            className="input"
            placeholder="New board title"
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            maxLength={200}
          />
          <button type="submit" className="button button-primary" disabled={busy || !title.trim()}>
            Create board
          </button>
        </form>
      </div>
      {formError && (
        <p className="form-error" role="alert">
          The board could not be created: {formError}
        </p>
      )}
      {error && (
        <p className="page-error" role="alert">
          {error}
        </p>
      )}
      {boards === null && !error && <p className="muted">Loading the boards…</p>}
      {boards !== null && boards.length === 0 && (
        <p className="empty">No boards yet: create one above, or ask an MCP client to.</p>
      )}
      {boards !== null && boards.length > 0 && (
        <ul className="board-grid" aria-label="Boards">
          {boards.map((board) => (
            <li key={board.id}>
              <Link href={boardHref(board.id)} className="board-tile">
                <span className="board-tile-title">{board.title}</span>
                <span className="board-tile-lanes">
                  {board.lanes.map((lane) => lane.title).join(" · ")}
                </span>
                <span className="board-tile-meta">
                  Updated {new Date(board.updated_at * 1000).toLocaleString()}
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
