"use client";

import { useSessions } from "@/lib/use-admin";

import contentStyles from "./content.module.css";

function age(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** The MCP sessions the engine holds open (stateless requests hold none). */
export function SessionTable() {
  const { data, error } = useSessions();
  return (
    <section className={contentStyles.panel} aria-labelledby="sessions-heading">
      <div className={contentStyles.head}>
        <h2 id="sessions-heading">Sessions</h2>
        {data !== null && <span className="muted">{data.length} open</span>}
      </div>
      {error && (
        <p className="page-error" role="alert">
          {error}
        </p>
      )}
      {data === null && !error && <p className="muted">Loading the sessions…</p>}
      {data !== null && data.length === 0 && (
        <p className="muted">
          No open sessions. Clients of the 2026 protocol revision (and this page) send stateless
          requests, which hold none.
        </p>
      )}
      {data !== null && data.length > 0 && (
        <table className={contentStyles.table} aria-label="Sessions">
          <thead>
            <tr>
              <th scope="col">Session</th>
              <th scope="col">Client</th>
              <th scope="col">Who</th>
              <th scope="col">Transport</th>
              <th scope="col">Protocol</th>
              <th scope="col">Open for</th>
              <th scope="col">Idle</th>
              <th scope="col">Running</th>
            </tr>
          </thead>
          <tbody>
            {data.map((session) => (
              <tr key={session.id}>
                <td>
                  <code>{session.id}…</code>
                </td>
                <td>{session.client ?? <span className="muted">—</span>}</td>
                <td>
                  {session.principal ?? <span className="muted">anonymous</span>}
                  {session.roles.length > 0 && (
                    <span className="muted"> ({session.roles.join(", ")})</span>
                  )}
                </td>
                <td>{session.transport}</td>
                <td>{session.protocol_version ?? <span className="muted">—</span>}</td>
                <td>{age(session.age_seconds)}</td>
                <td>{age(session.idle_seconds)}</td>
                <td>{session.in_flight}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
