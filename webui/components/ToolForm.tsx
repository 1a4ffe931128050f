"use client";

import { useEffect, useId, useState, type FormEvent } from "react";

import type { ToolProgress } from "@/lib/api/tools";
import {
  initialValues,
  toArguments,
  type FieldErrors,
  type FieldSpec,
  type FormValues,
} from "@/lib/schema-form";

import { ToolField } from "./ToolField";
import styles from "./tools.module.css";

interface Props {
  fields: readonly FieldSpec[];
  busy: boolean;
  startedAt: number;
  /** The running call's latest progress report. */
  progress: ToolProgress | null;
  /** What the server said about single arguments on the last call. */
  serverErrors: FieldErrors;
  onCall(args: Record<string, unknown>): Promise<void>;
}

/** The tool's arguments as a form; checked here first, then by the server. */
export function ToolForm({ fields, busy, startedAt, progress, serverErrors, onCall }: Props) {
  const formId = useId();
  const [values, setValues] = useState<FormValues>(() => initialValues(fields));
  const [errors, setErrors] = useState<FieldErrors>({});

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const checked = toArguments(fields, values);
    if ("errors" in checked) {
      setErrors(checked.errors);
      const first = fields.find((f) => checked.errors[f.name]);
      if (first) document.getElementById(`${formId}-${first.name}`)?.focus();
      return;
    }
    setErrors({});
    await onCall(checked.args);
  }

  return (
    <form className={styles.form} onSubmit={submit} aria-label="Arguments" noValidate>
      {fields.length === 0 && <p className="muted">This tool takes no arguments.</p>}
      {fields.map((field) => (
        <ToolField
          key={field.name}
          id={`${formId}-${field.name}`}
          field={field}
          value={values[field.name] ?? ""}
          error={errors[field.name] ?? serverErrors[field.name] ?? null}
          onChange={(value) => {
            setValues((all) => ({ ...all, [field.name]: value }));
            setErrors((all) => withoutKey(all, field.name));
          }}
        />
      ))}
      <div className={styles.actions}>
        <button type="submit" className="button button-primary" disabled={busy} aria-busy={busy}>
          {busy ? "Calling…" : "Call"}
        </button>
        {busy && <Elapsed since={startedAt} />}
        {busy && progress && <Progress progress={progress} />}
        {Object.keys(errors).length > 0 && (
          <span className={styles.invalid} role="alert">
            Fix the marked {Object.keys(errors).length === 1 ? "field" : "fields"} first.
          </span>
        )}
      </div>
    </form>
  );
}

function withoutKey(errors: FieldErrors, name: string): FieldErrors {
  const rest = { ...errors };
  delete rest[name];
  return rest;
}

/** A running call's time so far, ticking. */
function Elapsed({ since }: { since: number }) {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(performance.now()), 100);
    return () => clearInterval(timer);
  }, []);
  return (
    <span className={styles.busy} role="status">
      <span className={styles.spinner} aria-hidden="true" />
      Running… {((now - since) / 1000).toFixed(1)} s
    </span>
  );
}

/** The tool's latest progress report: a bar when it says its total, and its message. */
function Progress({ progress }: { progress: ToolProgress }) {
  const { total, message } = progress;
  const known = typeof total === "number" && total > 0;
  return (
    <span className={styles.progress}>
      <progress
        aria-label="Progress"
        value={known ? Math.min(progress.progress, total) : undefined}
        max={known ? total : undefined}
      />
      <span role="status" aria-label="Progress message">
        {message ?? (known ? `${progress.progress} of ${total}` : `${progress.progress}`)}
      </span>
    </span>
  );
}
