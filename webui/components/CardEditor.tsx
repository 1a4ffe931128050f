"use client";

import { useEffect, useId, useRef, useState, type FormEvent } from "react";

import type { CardChange } from "@/lib/api/boards";
import type { Card } from "@/lib/api/types";
import { parseTags } from "@/lib/board-model";

interface CardEditorProps {
  card: Card;
  laneTitle: string;
  onClose(): void;
  onSave(change: CardChange): void;
  onArchive(): void;
}

/** Edit a card's title, description, due date, tags and done flag, or archive it. */
export function CardEditor({ card, laneTitle, onClose, onSave, onArchive }: CardEditorProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [title, setTitle] = useState(card.title);
  const [body, setBody] = useState(card.body);
  const [due, setDue] = useState(card.due ?? "");
  const [tags, setTags] = useState(card.tags.join(", "));
  const [done, setDone] = useState(card.done);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => element?.close();
  }, []);

  function submit(event: FormEvent) {
    event.preventDefault();
    const clean = title.trim();
    if (!clean) {
      setProblem("A card needs a title.");
      return;
    }
    const change: CardChange = {};
    if (clean !== card.title) change.title = clean;
    if (body !== card.body) change.body = body;
    if (due !== (card.due ?? "")) change.due = due;
    const newTags = parseTags(tags);
    if (newTags.join("\n") !== card.tags.join("\n")) change.tags = newTags;
    if (done !== card.done) change.done = done;
    if (Object.keys(change).length > 0) onSave(change);
    onClose();
  }

  return (
    <dialog
      ref={dialog}
      className="dialog"
      aria-labelledby={`${id}-heading`}
      onClose={onClose}
      onCancel={onClose}
    >
      <form onSubmit={submit} className="dialog-form">
        <header className="dialog-head">
          <h2 id={`${id}-heading`}>Edit card</h2>
          <span className="muted">in {laneTitle}</span>
        </header>
        <label htmlFor={`${id}-title`}>Title</label>
        <input
          id={`${id}-title`}
          className="input"
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          required
          autoFocus
        />
        <label htmlFor={`${id}-body`}>Description</label>
        <textarea
          id={`${id}-body`}
          className="input textarea"
          rows={5}
          value={body}
          onChange={(e) => setBody(e.target.value)}
        />
        <div className="field-row">
          <div className="field">
            <label htmlFor={`${id}-due`}>Due date</label>
            <input
              id={`${id}-due`}
              className="input"
              type="date"
              value={due}
              onChange={(e) => setDue(e.target.value)}
            />
          </div>
          <div className="field field-grow">
            <label htmlFor={`${id}-tags`}>Tags</label>
            <input
              id={`${id}-tags`}
              className="input"
              placeholder="e.g. docs, urgent"
              value={tags}
              onChange={(e) => setTags(e.target.value)}
              aria-describedby={`${id}-tags-hint`}
            />
            <span id={`${id}-tags-hint`} className="hint">
              Separate tags with commas or spaces.
            </span>
          </div>
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={done} onChange={(e) => setDone(e.target.checked)} />
          Done
        </label>
        {problem && (
          <p className="form-error" role="alert">
            {problem}
          </p>
        )}
        <footer className="dialog-actions">
          <button
            type="button"
            className="button button-danger"
            onClick={() => {
              onArchive();
              onClose();
            }}
          >
            Archive card
          </button>
          <span className="spacer" />
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary">
            Save
          </button>
        </footer>
      </form>
    </dialog>
  );
}
