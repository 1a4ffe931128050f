/** What the admin page's charts show, worked out from the metrics summary. */

import type { LatencyBucket, MetricsSummary } from "./api/admin";

export interface MethodBar {
  method: string;
  ok: number;
  error: number;
  cancelled: number;
  total: number;
}

/** Requests by method (busiest first), split by outcome. */
export function callsByMethod(summary: MetricsSummary): MethodBar[] {
  const bars = new Map<string, MethodBar>();
  for (const { method, outcome, count } of summary.requests) {
    const bar = bars.get(method) ?? { method, ok: 0, error: 0, cancelled: 0, total: 0 };
    if (outcome === "ok" || outcome === "error" || outcome === "cancelled") bar[outcome] += count;
    bar.total += count;
    bars.set(method, bar);
  }
  return [...bars.values()].filter((b) => b.total > 0).sort((a, b) => b.total - a.total);
}

export interface LatencyBin {
  /** e.g. "≤ 5 ms", "> 10 s". */
  label: string;
  /** Requests in this bin alone (not cumulative). */
  count: number;
}

function duration(seconds: number): string {
  if (seconds < 1) return `${+(seconds * 1000).toFixed(1)} ms`;
  return `${+seconds.toFixed(2)} s`;
}

/** The latency histogram of `method` (every method when null) as separate bins. */
export function latencyBins(summary: MetricsSummary, method: string | null): LatencyBin[] {
  const chosen = summary.latency.filter((h) => method === null || h.method === method);
  const cumulative = new Map<number | null, number>();
  for (const histogram of chosen) {
    for (const bucket of histogram.buckets) {
      cumulative.set(bucket.le, (cumulative.get(bucket.le) ?? 0) + bucket.count);
    }
  }
  const buckets: LatencyBucket[] = [...cumulative.entries()]
    .map(([le, count]) => ({ le, count }))
    .sort((a, b) => (a.le ?? Infinity) - (b.le ?? Infinity));
  let below = 0;
  let previous: number | null = null;
  return buckets.map((bucket) => {
    const bin = {
      label: bucket.le === null ? `> ${duration(previous ?? 0)}` : `≤ ${duration(bucket.le)}`,
      count: bucket.count - below,
    };
    below = bucket.count;
    previous = bucket.le;
    return bin;
  });
}

/** The share-`q` latency (0.5: the median) of `method`, from its buckets (the upper bound
 * of the bucket it falls in); null without requests. */
export function latencyQuantile(
  summary: MetricsSummary,
  method: string | null,
  q: number,
): number | null {
  const bins = summary.latency.filter((h) => method === null || h.method === method);
  const total = bins.reduce((sum, h) => sum + h.count, 0);
  if (total === 0) return null;
  const bounds = new Map<number | null, number>();
  for (const h of bins)
    for (const b of h.buckets) bounds.set(b.le, (bounds.get(b.le) ?? 0) + b.count);
  const sorted = [...bounds.entries()].sort((a, b) => (a[0] ?? Infinity) - (b[0] ?? Infinity));
  const found = sorted.find(([, count]) => count >= q * total);
  return found?.[0] ?? Infinity;
}

/** Mean latency in seconds of `method` (every method when null). */
export function meanLatency(summary: MetricsSummary, method: string | null): number | null {
  const chosen = summary.latency.filter((h) => method === null || h.method === method);
  const count = chosen.reduce((sum, h) => sum + h.count, 0);
  return count === 0 ? null : chosen.reduce((sum, h) => sum + h.sum_seconds, 0) / count;
}

function totalRequests(summary: MetricsSummary): number {
  return summary.requests.reduce((sum, r) => sum + r.count, 0);
}

export interface RatePoint {
  at: number;
  perSecond: number;
}

/** Requests per second between consecutive readings. */
export function requestRates(history: readonly MetricsSummary[]): RatePoint[] {
  const points: RatePoint[] = [];
  for (let i = 1; i < history.length; i++) {
    const before = history[i - 1];
    const after = history[i];
    if (!before || !after || after.at <= before.at) continue;
    const delta = Math.max(0, totalRequests(after) - totalRequests(before));
    points.push({ at: after.at, perSecond: delta / (after.at - before.at) });
  }
  return points;
}

export { duration as formatDuration };
