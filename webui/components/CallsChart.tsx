import type { MethodBar } from "@/lib/metrics-model";

import styles from "./admin.module.css";

const WIDTH = 560;
const ROW = 26;
const LABEL = 170;
const COUNT = 60;
const OUTCOMES = [
  { key: "ok", label: "ok", className: styles.ok },
  { key: "error", label: "error", className: styles.error },
  { key: "cancelled", label: "cancelled", className: styles.cancelled },
] as const;

/** Requests by method as horizontal bars, each split by outcome. */
export function CallsChart({ bars }: { bars: readonly MethodBar[] }) {
  if (bars.length === 0) return <p className="muted">No requests yet.</p>;
  const most = Math.max(...bars.map((b) => b.total));
  const scale = (WIDTH - LABEL - COUNT) / most;
  const height = bars.length * ROW + 8;
  const total = bars.reduce((sum, b) => sum + b.total, 0);
  return (
    <figure className={styles.figure}>
      <svg
        viewBox={`0 0 ${WIDTH} ${height}`}
        className={styles.chart}
        role="img"
        aria-label={`Calls by method: ${total} requests`}
        data-chart="calls"
      >
        {bars.map((bar, row) => {
          let x = LABEL;
          const y = row * ROW + 4;
          return (
            <g key={bar.method}>
              <text x={LABEL - 8} y={y + ROW / 2} className={styles.axisLabel} textAnchor="end">
                {bar.method}
              </text>
              {OUTCOMES.map(({ key, label, className }) => {
                const count = bar[key];
                if (count === 0) return null;
                const width = Math.max(1, count * scale);
                const rect = (
                  <rect
                    key={key}
                    x={x}
                    y={y + 3}
                    width={width}
                    height={ROW - 8}
                    rx={3}
                    className={className}
                    data-value={count}
                  >
                    <title>{`${bar.method}: ${count} ${label}`}</title>
                  </rect>
                );
                x += width;
                return rect;
              })}
              <text x={x + 6} y={y + ROW / 2} className={styles.value}>
                {bar.total}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className={styles.legend}>
        {OUTCOMES.map(({ key, label, className }) => (
          <span key={key}>
            <svg width="10" height="10" aria-hidden="true">
              <rect width="10" height="10" rx="2" className={className} />
            </svg>{" "}
            {label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
