import type { RatePoint } from "@/lib/metrics-model";

import styles from "./admin.module.css";

const WIDTH = 560;
const HEIGHT = 90;
const PAD = 6;

/** Requests per second over the readings this page has made. */
export function RateChart({ points, everyMs }: { points: readonly RatePoint[]; everyMs: number }) {
  if (points.length < 2) {
    return (
      <p className="muted">
        The rate appears after a few readings (one every {Math.round(everyMs / 1000)} s).
      </p>
    );
  }
  const most = Math.max(...points.map((p) => p.perSecond), 0.1);
  const first = points[0]?.at ?? 0;
  const span = Math.max((points[points.length - 1]?.at ?? 0) - first, 1);
  const xy = points.map((p) => [
    PAD + ((p.at - first) / span) * (WIDTH - 2 * PAD),
    HEIGHT - PAD - (p.perSecond / most) * (HEIGHT - 2 * PAD),
  ]);
  const line = xy.map(([x, y]) => `${x?.toFixed(1)},${y?.toFixed(1)}`).join(" ");
  const area = `${PAD},${HEIGHT - PAD} ${line} ${WIDTH - PAD},${HEIGHT - PAD}`;
  const now = points[points.length - 1]?.perSecond ?? 0;
  return (
    <figure className={styles.figure}>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        className={styles.chart}
        role="img"
        aria-label={`Requests per second: now ${now.toFixed(2)}, at most ${most.toFixed(2)}`}
        data-chart="rate"
      >
        <polygon points={area} className={styles.area} />
        <polyline points={line} className={styles.line} />
      </svg>
      <figcaption className={styles.legend}>
        now {now.toFixed(2)}/s · peak {most.toFixed(2)}/s
      </figcaption>
    </figure>
  );
}
