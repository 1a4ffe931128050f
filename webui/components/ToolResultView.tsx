"use client";

import type { ContentItem } from "@/lib/api/tools";
import type { CallOutcome } from "@/lib/use-tool-call";

import contentStyles from "./content.module.css";
import styles from "./tools.module.css";

function ContentView({ item }: { item: ContentItem }) {
  if (item.type === "text" && typeof item.text === "string") {
    return <pre className={styles.output}>{item.text}</pre>;
  }
  if (item.type === "image" && typeof item.data === "string" && typeof item.mimeType === "string") {
    const src = `data:${item.mimeType};base64,${item.data}`;
    // eslint-disable-next-line @next/next/no-img-element -- a data URL from the tool, not an asset
    return <img className={styles.image} src={src} alt="" />;
  }
  return <pre className={styles.output}>{JSON.stringify(item, null, 2)}</pre>;
}

/** The last call's result (its content and structured content), a tool error, or the
 * server's refusal. */
export function ToolResultView({ outcome }: { outcome: CallOutcome }) {
  const { result, refusal, elapsedMs } = outcome;
  const took = `${elapsedMs < 1000 ? `${Math.round(elapsedMs)} ms` : `${(elapsedMs / 1000).toFixed(2)} s`}`;
  if (result === null) {
    return (
      <section className={contentStyles.panel} aria-label="Result" data-outcome="refused">
        <div className={styles.resultHead}>
          <h2>Refused</h2>
          <span className="muted">{took}</span>
        </div>
        <p className="page-error" role="alert">
          {refusal}
        </p>
      </section>
    );
  }
  const failed = result.isError === true;
  return (
    <section
      aria-label="Result"
      className={`${contentStyles.panel} ${failed ? styles.resultError : ""}`}
      data-outcome={failed ? "error" : "ok"}
    >
      <div className={styles.resultHead}>
        <h2>{failed ? "The tool reported an error" : "Result"}</h2>
        <span className="muted">{took}</span>
      </div>
      {failed ? (
        <div role="alert" className={styles.errorContent}>
          {result.content.map((item, index) => (
            <ContentView key={index} item={item} />
          ))}
        </div>
      ) : (
        <>
          {result.content.length === 0 && <p className="muted">No content.</p>}
          {result.structuredContent === undefined &&
            result.content.map((item, index) => <ContentView key={index} item={item} />)}
        </>
      )}
      {result.structuredContent !== undefined && (
        <>
          <h3 className={styles.subhead}>Structured content</h3>
          <pre className={`${styles.output} ${styles.json}`} aria-label="Structured content">
            {JSON.stringify(result.structuredContent, null, 2)}
          </pre>
          <details className={styles.details}>
            <summary>Text content</summary>
            {result.content.map((item, index) => (
              <ContentView key={index} item={item} />
            ))}
          </details>
        </>
      )}
    </section>
  );
}
