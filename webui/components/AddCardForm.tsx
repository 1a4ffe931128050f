"use client";

import { useId, useState, type FormEvent, type KeyboardEvent } from "react";

/** "Add a card" at the foot of a lane: a title, then Enter. */
export function AddCardForm({
  laneTitle,
  onAdd,
}: {
  laneTitle: string;
  onAdd(title: string): void;
}) {
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState("");
  const id = useId();

  function submit(event: FormEvent) {
    event.preventDefault();
    const clean = title.trim();
    if (!clean) return;
    onAdd(clean);
    setTitle("");
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && !event.shiftKey) {
      submit(event);
    } else if (event.key === "Escape") {
      setOpen(false);
      setTitle("");
    }
  }

  if (!open) {
    return (
      <button
        type="button"
        className="add-card"
        onClick={() => setOpen(true)}
        aria-label={`Add a card to ${laneTitle}`}
      >
        + Add a card
      </button>
    );
  }
  return (
    <form className="add-card-form" onSubmit={submit}>
      <label htmlFor={id} className="visually-hidden">
        Title of the new card in {laneTitle}
      </label>
      <textarea
        id={id}
        className="input textarea"
        rows={2}
        placeholder="Card title"
        value={title}
        onChange={(e) => setTitle(e.target.value)}
        onKeyDown={onKeyDown}
        autoFocus
      />
      <div className="add-card-actions">
        <button
          type="submit"
          className="button button-primary button-small"
          disabled={!title.trim()}
        >
          Add card
        </button>
        <button type="button" className="button button-small" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
