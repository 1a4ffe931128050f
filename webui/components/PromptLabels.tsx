import styles from "./content.module.css";

/** A prompt version's labels as chips (`latest` is implied by the version list: left out). */
export function PromptLabels({ labels }: { labels: readonly string[] }) {
  return (
    <>
      {labels
        .filter((label) => label !== "latest")
        .map((label) => (
          <span
            key={label}
            className={
              label === "production" ? `${styles.label} ${styles.labelProduction}` : styles.label
            }
          >
            {label}
          </span>
        ))}
    </>
  );
}
