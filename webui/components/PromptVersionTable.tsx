"use client";

import type { PromptVersion } from "@/lib/api/prompts";

import styles from "./content.module.css";
import { PromptLabels } from "./PromptLabels";

/** The label the table moves. */
export const PRODUCTION = "production";

interface Props {
  versions: readonly PromptVersion[];
  shown: number;
  compared: readonly number[];
  onShow(version: number): void;
  onCompare(version: number, on: boolean): void;
  onMoveProduction(version: number): void;
  onRemoveLabel(label: string): void;
}

/** Every version of a prompt: which one is shown, which two are compared, and where
 * `production` points. */
export function PromptVersionTable(props: Props) {
  const { versions, shown, compared } = props;
  return (
    <table className={styles.table} aria-label="Versions">
      <thead>
        <tr>
          <th scope="col">Compare</th>
          <th scope="col">Version</th>
          <th scope="col">Change</th>
          <th scope="col">By</th>
          <th scope="col">Labels</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {versions.map((version) => {
          const v = version.version;
          const checked = compared.includes(v);
          return (
            <tr key={v} className={v === shown ? styles.selected : undefined}>
              <td>
                <input
                  type="checkbox"
                  aria-label={`Compare version ${v}`}
                  checked={checked}
                  disabled={!checked && compared.length >= 2}
                  onChange={(e) => props.onCompare(v, e.target.checked)}
                />
              </td>
              <td>
                <button
                  type="button"
                  className="button button-small"
                  aria-pressed={v === shown}
                  onClick={() => props.onShow(v)}
                >
                  v{v}
                </button>
              </td>
              <td>{version.message || <span className="muted">—</span>}</td>
              <td className="muted">
                {version.author} · {new Date(version.created_at * 1000).toLocaleString()}
              </td>
              <td>
                <PromptLabels labels={version.labels} onRemove={props.onRemoveLabel} />
              </td>
              <td>
                {!version.labels.includes(PRODUCTION) && (
                  <button
                    type="button"
                    className="button button-small"
                    onClick={() => props.onMoveProduction(v)}
                  >
                    Make production
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
