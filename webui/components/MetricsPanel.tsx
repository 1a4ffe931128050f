"use client";

import { useState } from "react";

import {
  callsByMethod,
  formatDuration,
  latencyBins,
  latencyQuantile,
  meanLatency,
  requestRates,
} from "@/lib/metrics-model";
import { METRICS_EVERY_MS, useMetrics } from "@/lib/use-admin";

import styles from "./admin.module.css";
import { CallsChart } from "./CallsChart";
import contentStyles from "./content.module.css";
import { LatencyChart } from "./LatencyChart";
import { RateChart } from "./RateChart";

function seconds(value: number | null): string {
  if (value === null) return "—";
  if (!Number.isFinite(value)) return "> 10 s";
  return formatDuration(value);
}

/** Requests by method and outcome, their latency and rate, read every few seconds. */
export function MetricsPanel() {
  const { data, error, history } = useMetrics();
  const [method, setMethod] = useState<string>("");
  const chosen = method || null;
  return (
    <section className={contentStyles.panel} aria-labelledby="metrics-heading">
      <div className={contentStyles.head}>
        <h2 id="metrics-heading">Metrics</h2>
        <span className="muted">since the server started · every {METRICS_EVERY_MS / 1000} s</span>
      </div>
      {error && (
        <p className="page-error" role="alert">
          {error}
        </p>
      )}
      {data === null ? (
        !error && <p className="muted">Loading the metrics…</p>
      ) : (
        <>
          <dl className={styles.stats} aria-label="Totals">
            <div>
              <dt>Requests</dt>
              <dd>{data.requests.reduce((sum, r) => sum + r.count, 0)}</dd>
            </div>
            <div>
              <dt>Errors</dt>
              <dd>
                {data.requests
                  .filter((r) => r.outcome !== "ok")
                  .reduce((sum, r) => sum + r.count, 0)}
              </dd>
            </div>
            <div>
              <dt>Tool errors</dt>
              <dd>{data.tool_errors.reduce((sum, t) => sum + t.count, 0)}</dd>
            </div>
            <div>
              <dt>Mean latency</dt>
              <dd>{seconds(meanLatency(data, null))}</dd>
            </div>
            <div>
              <dt>p95 latency</dt>
              <dd>{seconds(latencyQuantile(data, null, 0.95))}</dd>
            </div>
            <div>
              <dt>Open sessions</dt>
              <dd>{data.sessions.reduce((sum, s) => sum + s.open, 0)}</dd>
            </div>
          </dl>
          <div className={styles.charts}>
            <div>
              <h3 className={styles.chartTitle}>Calls by method</h3>
              <CallsChart bars={callsByMethod(data)} />
            </div>
            <div>
              <div className={styles.chartHead}>
                <h3 className={styles.chartTitle}>Latency</h3>
                <label htmlFor="latency-method" className="visually-hidden">
                  Method
                </label>
                <select
                  id="latency-method"
                  className={`input ${styles.select}`}
                  value={method}
                  onChange={(e) => setMethod(e.target.value)}
                >
                  <option value="">every method</option>
                  {data.latency.map((h) => (
                    <option key={h.method} value={h.method}>
                      {h.method}
                    </option>
                  ))}
                </select>
              </div>
              <LatencyChart
                bins={latencyBins(data, chosen)}
                label={`Latency of ${chosen ?? "every method"}`}
              />
              <p className="hint">
                median {seconds(latencyQuantile(data, chosen, 0.5))} · p95{" "}
                {seconds(latencyQuantile(data, chosen, 0.95))} · mean{" "}
                {seconds(meanLatency(data, chosen))} (bucket bounds)
              </p>
            </div>
          </div>
          <h3 className={styles.chartTitle}>Requests per second</h3>
          <RateChart points={requestRates(history)} everyMs={METRICS_EVERY_MS} />
        </>
      )}
    </section>
  );
}
