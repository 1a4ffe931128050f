/** The admin routes: `/sessions`, `/audit`, `/metrics`, `/policy` and `/policy/explain`
 * (they need the `admin` role while an access policy is in force). */

import { request } from "./client";

/** An open MCP session (its id shortened: the whole id would let anyone take it over). */
export interface SessionInfo {
  id: string;
  transport: string;
  principal: string | null;
  roles: string[];
  protocol_version: string | null;
  client: string | null;
  age_seconds: number;
  idle_seconds: number;
  in_flight: number;
}

/** Who did (or tried) what, when, with what outcome. */
export interface AuditEntry {
  id: number;
  ts: number;
  principal: string | null;
  transport: string;
  action: string;
  kind: string;
  target: string;
  outcome: "ok" | "denied" | "failed" | string;
  reason: string;
  session: string | null;
  request_id: string | null;
  args_hash: string | null;
  seq: number | null;
}

export type AuditOutcome = "ok" | "denied" | "failed";

export interface AuditFilter {
  principal?: string;
  outcome?: AuditOutcome;
}

export interface MethodCalls {
  method: string;
  outcome: string;
  count: number;
}

export interface LatencyBucket {
  /** The upper bound in seconds; null is +Inf. */
  le: number | null;
  /** Cumulative, as Prometheus keeps it. */
  count: number;
}

export interface LatencyHistogram {
  method: string;
  count: number;
  sum_seconds: number;
  buckets: LatencyBucket[];
}

export interface MetricsSummary {
  at: number;
  requests: MethodCalls[];
  latency: LatencyHistogram[];
  sessions: { transport: string; open: number }[];
  tool_errors: { tool: string; count: number }[];
}

export interface PolicyStatus {
  active: boolean;
  path: string | null;
  source: string;
  version: number;
  files: string[];
  permits: number;
  forbids: number;
  last_error: string | null;
}

export type PolicyAction = "list" | "call" | "read" | "write" | "admin";
export type PolicyKind = "tool" | "prompt" | "resource" | "board";

export interface PolicyQuestion {
  principal: string;
  roles: string[];
  action: PolicyAction;
  kind: PolicyKind;
  name: string;
}

export interface PolicyExplanation {
  decision: "allow" | "deny";
  allowed: boolean;
  explanation: string;
}

export const AUDIT_PAGE = 50;

export function listSessions(): Promise<SessionInfo[]> {
  return request<SessionInfo[]>("GET", "/sessions");
}

/** Audit entries numbered above `after`, oldest first, at most `AUDIT_PAGE`. */
export function readAuditAfter(after: number, filter: AuditFilter): Promise<AuditEntry[]> {
  return request<AuditEntry[]>("GET", "/audit", {
    query: { after, limit: AUDIT_PAGE, principal: filter.principal, outcome: filter.outcome },
  });
}

/** Audit entries numbered below `before` (from the newest when null), newest first, at
 * most `AUDIT_PAGE`. */
export function readAuditBefore(before: number | null, filter: AuditFilter): Promise<AuditEntry[]> {
  return request<AuditEntry[]>("GET", "/audit", {
    query: {
      order: "newest",
      before: before ?? undefined,
      limit: AUDIT_PAGE,
      principal: filter.principal,
      outcome: filter.outcome,
    },
  });
}

export function readMetrics(): Promise<MetricsSummary> {
  return request<MetricsSummary>("GET", "/metrics");
}

export function readPolicy(): Promise<PolicyStatus> {
  return request<PolicyStatus>("GET", "/policy");
}

export function explainPolicy(question: PolicyQuestion): Promise<PolicyExplanation> {
  return request<PolicyExplanation>("POST", "/policy/explain", { body: question });
}
