"use client";

import { useState, type FormEvent } from "react";

import type { AuditOutcome } from "@/lib/api/admin";
import { useAudit } from "@/lib/use-admin";

import styles from "./admin.module.css";
import contentStyles from "./content.module.css";

const OUTCOMES: AuditOutcome[] = ["ok", "denied", "failed"];

/** The audit log, newest first, older entries a page at a time, filtered by who and by
 * outcome; new entries join the top as changes happen. */
export function AuditLog() {
  const { entries, error, more, loading, filter, setFilter, loadMore } = useAudit();
  const [principal, setPrincipal] = useState("");

  function apply(event: FormEvent) {
    event.preventDefault();
    setFilter({ ...filter, principal: principal.trim() || undefined });
  }

  return (
    <section className={contentStyles.panel} aria-labelledby="audit-heading">
      <div className={contentStyles.head}>
        <h2 id="audit-heading">Audit log</h2>
        {entries !== null && (
          <span className="muted">
            {entries.length} {entries.length === 1 ? "entry" : "entries"}
            {more ? " so far" : ""}
          </span>
        )}
      </div>
      <form className={styles.filters} onSubmit={apply} aria-label="Audit filters">
        <label htmlFor="audit-principal">Who</label>
        <input
          id="audit-principal"
          className={`input ${styles.filterInput}`}
          placeholder="any principal"
          value={principal}
          onChange={(e) => setPrincipal(e.target.value)}
        />
        <label htmlFor="audit-outcome">Outcome</label>
        <select
          id="audit-outcome"
          className={`input ${styles.select}`}
          value={filter.outcome ?? ""}
          onChange={(e) =>
            setFilter({
              ...filter,
              outcome: (e.target.value || undefined) as AuditOutcome | undefined,
            })
          }
        >
          <option value="">any</option>
          {OUTCOMES.map((outcome) => (
            <option key={outcome} value={outcome}>
              {outcome}
            </option>
          ))}
        </select>
        <button type="submit" className="button button-small">
          Filter
        </button>
      </form>
      {error && (
        <p className="page-error" role="alert">
          {error}
        </p>
      )}
      {entries === null && !error && <p className="muted">Loading the audit log…</p>}
      {entries !== null && entries.length === 0 && (
        <p className="muted">No entries{filter.principal || filter.outcome ? " match" : ""}.</p>
      )}
      {entries !== null && entries.length > 0 && (
        <div className={styles.scroll}>
          <table className={`${contentStyles.table} ${styles.audit}`} aria-label="Audit entries">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Via</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id} data-outcome={entry.outcome}>
                  <td className="muted">{entry.id}</td>
                  <td className={styles.nowrap}>{new Date(entry.ts * 1000).toLocaleString()}</td>
                  <td>{entry.principal ?? <span className="muted">anonymous</span>}</td>
                  <td>{entry.transport}</td>
                  <td>
                    <code>{entry.action}</code>
                  </td>
                  <td className={styles.target}>
                    <span className="muted">{entry.kind}</span> {entry.target}
                  </td>
                  <td>
                    <span
                      className={`${styles.outcome} ${styles[`outcome-${entry.outcome}`] ?? ""}`}
                    >
                      {entry.outcome}
                    </span>
                    {entry.reason && <span className="muted"> {entry.reason}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {more && (
        <button type="button" className="button" onClick={loadMore} disabled={loading}>
          {loading ? "Loading…" : "Load more"}
        </button>
      )}
    </section>
  );
}
