import styles from "./content.module.css";

interface Props {
  labels: readonly string[];
  /** Given: each label gets a button that takes it off. */
  onRemove?(label: string): void;
}

/** A prompt version's labels as chips (`latest` is implied by the version list: left out). */
export function PromptLabels({ labels, onRemove }: Props) {
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
            {onRemove && (
              <button
                type="button"
                className={styles.labelRemove}
                aria-label={`Remove label ${label}`}
                title={`Remove “${label}”`}
                onClick={() => onRemove(label)}
              >
                ×
              </button>
            )}
          </span>
        ))}
    </>
  );
}
