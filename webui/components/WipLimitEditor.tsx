"use client";

import { useId, useState, type FormEvent } from "react";

import type { Lane } from "@/lib/api/types";

/** Set or clear a lane's work-in-progress limit. */
export function WipLimitEditor({
  lane,
  onSave,
}: {
  lane: Lane;
  onSave(limit: number | null): void;
}) {
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState("");
  const id = useId();

  function start() {
    setValue(lane.wip_limit === null ? "" : String(lane.wip_limit));
    setOpen(true);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const text = value.trim();
    const limit = text === "" ? null : Number(text);
    if (limit !== null && (!Number.isInteger(limit) || limit < 1)) return;
    if (limit !== lane.wip_limit) onSave(limit);
    setOpen(false);
  }

  if (!open) {
    return (
      <button
        type="button"
        className="icon-button lane-wip-button"
        onClick={start}
        aria-label={`Set the WIP limit of ${lane.title}`}
        title="WIP limit"
      >
        ⚙
      </button>
    );
  }
  return (
    <form className="wip-form" onSubmit={submit}>
      <label htmlFor={id}>WIP limit</label>
      <input
        id={id}
        className="input input-small"
        type="number"
        min={1}
        step={1}
        placeholder="none"
        value={value}
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape") setOpen(false);
        }}
        autoFocus
      />
      <button type="submit" className="button button-small button-primary">
        Set
      </button>
      <button type="button" className="button button-small" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  );
}
