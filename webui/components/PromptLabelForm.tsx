"use client";

import { useState, type FormEvent } from "react";

import { LABEL_PATTERN, type PromptVersion } from "@/lib/api/prompts";

import styles from "./content.module.css";

interface Props {
  versions: readonly PromptVersion[];
  /** The version chosen at first (the one shown). */
  shown: number;
  onSet(label: string, version: number): Promise<void>;
}

/** Point any label (a new one, or one in use, which then moves) at a version. */
export function PromptLabelForm({ versions, shown, onSet }: Props) {
  const [label, setLabel] = useState("");
  const [version, setVersion] = useState(shown);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const inUse = [...new Set(versions.flatMap((v) => v.labels))].filter((l) => l !== "latest");

  async function submit(event: FormEvent) {
    event.preventDefault();
    const name = label.trim();
    if (name === "latest") {
      setProblem("“latest” always names the newest version.");
      return;
    }
    if (!LABEL_PATTERN.test(name)) {
      setProblem("1–32 lowercase letters, digits, “_” or “-”, starting with a letter.");
      return;
    }
    setProblem(null);
    setBusy(true);
    await onSet(name, version);
    setBusy(false);
    setLabel("");
  }

  return (
    <form className={styles.labelForm} onSubmit={submit} aria-label="Set a label" noValidate>
      <label htmlFor="label-name">Label</label>
      <input
        id="label-name"
        className={`input ${styles.labelInput}`}
        list="labels-in-use"
        placeholder="e.g. staging"
        value={label}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? "label-problem" : undefined}
        onChange={(e) => {
          setLabel(e.target.value);
          setProblem(null);
        }}
      />
      <datalist id="labels-in-use">
        {inUse.map((l) => (
          <option key={l} value={l} />
        ))}
      </datalist>
      <label htmlFor="label-version">on</label>
      <select
        id="label-version"
        className={`input ${styles.roleSelect}`}
        value={version}
        onChange={(e) => setVersion(Number(e.target.value))}
      >
        {versions.map((v) => (
          <option key={v.version} value={v.version}>
            v{v.version}
          </option>
        ))}
      </select>
      <button type="submit" className="button button-small" disabled={busy || !label.trim()}>
        Set label
      </button>
      {problem && (
        <span id="label-problem" className={styles.labelProblem} role="alert">
          {problem}
        </span>
      )}
    </form>
  );
}
