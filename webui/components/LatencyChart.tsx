import type { LatencyBin } from "@/lib/metrics-model";

import styles from "./admin.module.css";

const WIDTH = 560;
const HEIGHT = 200;
const BOTTOM = 44;
const TOP = 18;

/** The latency histogram: how many requests took how long, bucket by bucket. */
export function LatencyChart({ bins, label }: { bins: readonly LatencyBin[]; label: string }) {
  const total = bins.reduce((sum, b) => sum + b.count, 0);
  if (total === 0) return <p className="muted">No requests yet.</p>;
  const most = Math.max(...bins.map((b) => b.count));
  const slot = WIDTH / bins.length;
  const plot = HEIGHT - BOTTOM - TOP;
  return (
    <figure className={styles.figure}>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        className={styles.chart}
        role="img"
        aria-label={`${label}: ${total} requests`}
        data-chart="latency"
      >
        <line x1={0} x2={WIDTH} y1={HEIGHT - BOTTOM} y2={HEIGHT - BOTTOM} className={styles.axis} />
        {bins.map((bin, i) => {
          const height = bin.count === 0 ? 0 : Math.max(2, (bin.count / most) * plot);
          const x = i * slot + slot * 0.15;
          const y = HEIGHT - BOTTOM - height;
          return (
            <g key={bin.label}>
              <rect
                x={x}
                y={y}
                width={slot * 0.7}
                height={height}
                rx={2}
                className={styles.bar}
                data-value={bin.count}
              >
                <title>{`${bin.label}: ${bin.count}`}</title>
              </rect>
              {bin.count > 0 && (
                <text x={x + slot * 0.35} y={y - 4} className={styles.value} textAnchor="middle">
                  {bin.count}
                </text>
              )}
              <text
                x={x + slot * 0.35}
                y={HEIGHT - BOTTOM + 14}
                className={styles.tick}
                textAnchor="end"
                transform={`rotate(-35 ${x + slot * 0.35} ${HEIGHT - BOTTOM + 14})`}
              >
                {bin.label}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
