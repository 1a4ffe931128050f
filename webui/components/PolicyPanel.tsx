"use client";

import { useState, type FormEvent } from "react";

import {
  explainPolicy,
  type PolicyAction,
  type PolicyExplanation,
  type PolicyKind,
} from "@/lib/api/admin";
import { errorMessage } from "@/lib/api/client";
import { usePolicy } from "@/lib/use-admin";

import styles from "./admin.module.css";
import contentStyles from "./content.module.css";

const ACTIONS: PolicyAction[] = ["list", "call", "read", "write", "admin"];
const KINDS: PolicyKind[] = ["tool", "prompt", "resource", "board"];

/** The access policy in force, and a question to put to it. */
export function PolicyPanel() {
  const { data, error } = usePolicy();
  return (
    <section className={contentStyles.panel} aria-labelledby="policy-heading">
      <h2 id="policy-heading">Access policy</h2>
      {error && (
        <p className="page-error" role="alert">
          {error}
        </p>
      )}
      {data === null && !error && <p className="muted">Loading the policy…</p>}
      {data !== null && (
        <>
          <p className={data.active ? styles.policyActive : styles.policyOff}>
            {data.active
              ? "A policy is in force: every list and call is checked against it."
              : "No policy files: everyone may do everything (the built-in default)."}
          </p>
          <dl className={styles.facts} aria-label="Policy">
            <dt>Source</dt>
            <dd>
              <code>{data.source}</code>
            </dd>
            <dt>Version</dt>
            <dd>{data.version}</dd>
            <dt>Rules</dt>
            <dd>
              {data.permits} permit, {data.forbids} forbid
            </dd>
            {data.files.length > 0 && (
              <>
                <dt>Files</dt>
                <dd>
                  {data.files.map((file) => (
                    <code key={file} className={styles.file}>
                      {file}
                    </code>
                  ))}
                </dd>
              </>
            )}
          </dl>
          {data.last_error && (
            <p className="page-error" role="alert">
              The last reload failed (the previous version stays in force): {data.last_error}
            </p>
          )}
          <PolicyQuestionForm />
        </>
      )}
    </section>
  );
}

function PolicyQuestionForm() {
  const [principal, setPrincipal] = useState("");
  const [roles, setRoles] = useState("");
  const [action, setAction] = useState<PolicyAction>("call");
  const [kind, setKind] = useState<PolicyKind>("tool");
  const [name, setName] = useState("");
  const [answer, setAnswer] = useState<PolicyExplanation | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  async function ask(event: FormEvent) {
    event.preventDefault();
    setFailure(null);
    try {
      const split = roles.split(",").map((r) => r.trim());
      setAnswer(
        await explainPolicy({ principal, roles: split.filter(Boolean), action, kind, name }),
      );
    } catch (caught) {
      setAnswer(null);
      setFailure(errorMessage(caught));
    }
  }

  return (
    <details className={styles.explain}>
      <summary>Explain a decision</summary>
      <form className={styles.filters} onSubmit={ask} aria-label="Explain a decision">
        <input
          className={`input ${styles.filterInput}`}
          aria-label="Principal"
          placeholder="principal"
          required
          value={principal}
          onChange={(e) => setPrincipal(e.target.value)}
        />
        <input
          className={`input ${styles.filterInput}`}
          aria-label="Roles"
          placeholder="roles, comma separated"
          value={roles}
          onChange={(e) => setRoles(e.target.value)}
        />
        <select
          className={`input ${styles.select}`}
          aria-label="Action"
          value={action}
          onChange={(e) => setAction(e.target.value as PolicyAction)}
        >
          {ACTIONS.map((a) => (
            <option key={a}>{a}</option>
          ))}
        </select>
        <select
          className={`input ${styles.select}`}
          aria-label="Kind"
          value={kind}
          onChange={(e) => setKind(e.target.value as PolicyKind)}
        >
          {KINDS.map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
        <input
          className={`input ${styles.filterInput}`}
          aria-label="Name"
          placeholder="e.g. notes.search"
          required
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <button type="submit" className="button button-small">
          Explain
        </button>
      </form>
      {failure && (
        <p className="form-error" role="alert">
          {failure}
        </p>
      )}
      {answer && (
        <pre
          className={`${contentStyles.pre} ${answer.allowed ? "" : styles.denied}`}
          aria-label="Decision"
        >
          {answer.explanation}
        </pre>
      )}
    </details>
  );
}
