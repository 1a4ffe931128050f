"use client";

import type { FieldSpec } from "@/lib/schema-form";

import styles from "./tools.module.css";

interface Props {
  id: string;
  field: FieldSpec;
  value: string | boolean;
  error: string | null;
  onChange(value: string | boolean): void;
}

const KIND_HINT: Record<FieldSpec["kind"], string> = {
  string: "text",
  number: "number",
  integer: "integer",
  boolean: "yes / no",
  enum: "one of",
  array: "one a line",
  json: "JSON",
};

const ITEMS: Record<FieldSpec["item"], string> = {
  string: "texts",
  number: "numbers",
  integer: "integers",
  boolean: "true or false",
  enum: "choices",
};

function choiceText(choice: unknown): string {
  return typeof choice === "string" ? choice : JSON.stringify(choice);
}

/** One argument: the input its schema calls for, its description and its error. */
export function ToolField({ id, field, value, error, onChange }: Props) {
  const errorId = `${id}-error`;
  const describedBy = `${id}-help${error ? ` ${errorId}` : ""}`;
  const common = {
    id,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": describedBy,
    "aria-required": field.required || undefined,
  };
  const text = typeof value === "string" ? value : "";
  const kindHint =
    field.kind === "array" ? `${ITEMS[field.item]}, ${KIND_HINT.array}` : KIND_HINT[field.kind];

  let input;
  if (field.kind === "boolean") {
    input = (
      <input
        {...common}
        type="checkbox"
        className={styles.checkbox}
        checked={value === true}
        onChange={(e) => onChange(e.target.checked)}
      />
    );
  } else if (field.kind === "enum") {
    input = (
      <select {...common} className="input" value={text} onChange={(e) => onChange(e.target.value)}>
        {!field.required || text === "" ? <option value="">—</option> : null}
        {field.choices.map((choice) => (
          <option key={JSON.stringify(choice)} value={JSON.stringify(choice)}>
            {choiceText(choice)}
          </option>
        ))}
      </select>
    );
  } else if (field.kind === "array" || field.kind === "json" || field.multiline) {
    input = (
      <textarea
        {...common}
        className={`input textarea ${field.kind === "json" ? styles.code : ""}`}
        rows={field.kind === "string" ? 4 : 3}
        value={text}
        spellCheck={field.kind === "string"}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  } else {
    const numeric = field.kind === "number" || field.kind === "integer";
    input = (
      <input
        {...common}
        className="input"
        inputMode={numeric ? (field.kind === "integer" ? "numeric" : "decimal") : undefined}
        value={text}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }

  return (
    <div
      className={field.kind === "boolean" ? `${styles.field} ${styles.fieldInline}` : styles.field}
    >
      <div className={styles.label}>
        <label htmlFor={id} className={styles.fieldName}>
          {field.label}
        </label>
        {field.required && (
          <span className={styles.required} aria-hidden="true">
            *
          </span>
        )}
        <span className={styles.kind} aria-hidden="true">
          {kindHint}
          {field.required ? "" : ", optional"}
        </span>
      </div>
      {input}
      <span id={`${id}-help`} className="hint">
        {field.description}
        {field.kind === "array" && field.item === "enum" && (
          <> (one of: {field.choices.map(choiceText).join(", ")})</>
        )}
      </span>
      {error && (
        <span id={errorId} className={styles.fieldError}>
          {error}
        </span>
      )}
    </div>
  );
}
