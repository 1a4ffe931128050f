"use client";

import { AuditLog } from "./AuditLog";
import { MetricsPanel } from "./MetricsPanel";
import { PolicyPanel } from "./PolicyPanel";
import { SessionTable } from "./SessionTable";

/** What administrators watch: traffic, sessions, the audit log and the access policy. */
export function AdminPage() {
  return (
    <div className="page page-pad">
      <div className="page-head">
        <div>
          <h1>Admin</h1>
          <p className="muted">
            The MCP engine’s traffic, open sessions, the audit log and the access policy in force.
          </p>
        </div>
      </div>
      <MetricsPanel />
      <SessionTable />
      <AuditLog />
      <PolicyPanel />
    </div>
  );
}
