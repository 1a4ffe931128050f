"use client";

import { useState, type FormEvent } from "react";

import { errorMessage } from "@/lib/api/client";
import type { PromptMessage, PromptVersion } from "@/lib/api/prompts";

import styles from "./content.module.css";
import { PromptMessages } from "./PromptMessages";

interface Props {
  version: PromptVersion;
  render(version: number, args: Record<string, string>): Promise<PromptMessage[]>;
}

/** Fill in a version's arguments and see the messages the server renders. */
export function PromptTryRun({ version, render }: Props) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [rendered, setRendered] = useState<PromptMessage[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const args = Object.fromEntries(
        version.arguments.map((arg) => [arg.name, values[arg.name] ?? ""] as const),
      );
      setRendered(await render(version.version, args));
    } catch (caught) {
      setRendered(null);
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className={styles.form} onSubmit={submit} aria-label="Try the prompt">
      {version.arguments.length === 0 && <p className="muted">This version takes no arguments.</p>}
      {version.arguments.map((arg) => (
        <div key={arg.name} className="field">
          <label htmlFor={`arg-${arg.name}`}>
            {arg.name}
            {arg.required && <span aria-hidden="true"> *</span>}{" "}
            {arg.description && <span className="muted">{arg.description}</span>}
          </label>
          <textarea
            id={`arg-${arg.name}`}
            className="input textarea"
            rows={2}
            required={arg.required}
            value={values[arg.name] ?? ""}
            onChange={(e) => setValues({ ...values, [arg.name]: e.target.value })}
          />
        </div>
      ))}
      <div className={styles.row}>
        <button type="submit" className="button button-primary" disabled={busy}>
          Render v{version.version}
        </button>
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {rendered && <PromptMessages messages={rendered} label="Rendered messages" />}
    </form>
  );
}
