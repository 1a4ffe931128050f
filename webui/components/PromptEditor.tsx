"use client";

import { useState, type FormEvent } from "react";

import type { PromptMessage } from "@/lib/api/prompts";
import { messagesText, parseMessagesText } from "@/lib/use-prompt";

import styles from "./content.module.css";

interface Props {
  /** The newest version's messages, which the edit starts from. */
  messages: readonly PromptMessage[];
  onSave(messages: PromptMessage[], note: string): Promise<boolean>;
  onClose(): void;
}

/** Edit a prompt's template; saving makes a new version based on the newest one. */
export function PromptEditor({ messages, onSave, onClose }: Props) {
  const [text, setText] = useState(() => messagesText(messages));
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    const saved = await onSave(parseMessagesText(text), note.trim());
    setBusy(false);
    if (saved) onClose();
  }

  return (
    <form className={styles.form} onSubmit={submit} aria-label="Edit the prompt">
      <label htmlFor="prompt-template">
        Template{" "}
        <span className="muted">
          ({"{{name}}"} for an argument; lines “[user]” and “[assistant]” start messages)
        </span>
      </label>
      <textarea
        id="prompt-template"
        className={`input textarea ${styles.editor}`}
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
      <label htmlFor="prompt-change">What changed</label>
      <input
        id="prompt-change"
        className="input"
        value={note}
        onChange={(e) => setNote(e.target.value)}
        maxLength={500}
      />
      <div className={styles.row}>
        <button type="submit" className="button button-primary" disabled={busy || !text.trim()}>
          Save as new version
        </button>
        <button type="button" className="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
