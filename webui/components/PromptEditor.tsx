"use client";

import { useState, type FormEvent } from "react";

import type { PromptMessage } from "@/lib/api/prompts";
import { storedMarkdown } from "@/lib/markdown-output";

import styles from "./content.module.css";
import { MarkdownEditor } from "./MarkdownEditor";

interface Props {
  /** The newest version's messages, which the edit starts from. */
  messages: readonly PromptMessage[];
  onSave(messages: PromptMessage[], note: string): Promise<boolean>;
  onClose(): void;
}

interface Draft {
  /** Stable while messages are added and removed (the editors keep their state). */
  key: number;
  role: PromptMessage["role"];
  /** The text the editor started from. */
  initial: string;
  text: string;
}

let nextKey = 0;

function draftOf(message: PromptMessage): Draft {
  return { key: nextKey++, role: message.role, initial: message.text, text: message.text };
}

/** Edit a prompt's messages, each in a Markdown editor; saving makes a new version based on
 * the newest one. */
export function PromptEditor({ messages, onSave, onClose }: Props) {
  const [drafts, setDrafts] = useState<Draft[]>(() =>
    (messages.length > 0 ? messages : [{ role: "user" as const, text: "" }]).map(draftOf),
  );
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const empty = drafts.every((d) => !d.text.trim());

  function change(key: number, update: Partial<Draft>) {
    setDrafts((all) => all.map((d) => (d.key === key ? { ...d, ...update } : d)));
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    const edited = drafts
      .map((d) => ({ role: d.role, text: storedMarkdown(d.text) }))
      .filter((m) => m.text);
    const saved = await onSave(edited, note.trim());
    setBusy(false);
    if (saved) onClose();
  }

  return (
    <form className={styles.form} onSubmit={submit} aria-label="Edit the prompt">
      <p className={styles.editorHint}>
        Template <span className="muted">({"{{name}}"} for an argument)</span>
      </p>
      {drafts.map((draft, index) => (
        <div key={draft.key} className={styles.messageDraft}>
          <div className={styles.row}>
            <select
              className={`input ${styles.roleSelect}`}
              aria-label={`Role of message ${index + 1}`}
              value={draft.role}
              onChange={(e) => change(draft.key, { role: e.target.value as PromptMessage["role"] })}
            >
              <option value="user">user</option>
              <option value="assistant">assistant</option>
            </select>
            <span className="spacer" />
            {drafts.length > 1 && (
              <button
                type="button"
                className="button button-small button-danger"
                onClick={() => setDrafts((all) => all.filter((d) => d.key !== draft.key))}
              >
                Remove message {index + 1}
              </button>
            )}
          </div>
          <MarkdownEditor
            markdown={draft.initial}
            label={drafts.length === 1 ? "Template" : `Template, message ${index + 1}`}
            onChange={(text) => change(draft.key, { text })}
          />
        </div>
      ))}
      <div>
        <button
          type="button"
          className="button button-small"
          onClick={() =>
            setDrafts((all) => [
              ...all,
              draftOf({ role: all.at(-1)?.role === "user" ? "assistant" : "user", text: "" }),
            ])
          }
        >
          Add a message
        </button>
      </div>
      <label htmlFor="prompt-change">What changed</label>
      <input
        id="prompt-change"
        className="input"
        value={note}
        onChange={(e) => setNote(e.target.value)}
        maxLength={500}
      />
      <div className={styles.row}>
        <button type="submit" className="button button-primary" disabled={busy || empty}>
          Save as new version
        </button>
        <button type="button" className="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
