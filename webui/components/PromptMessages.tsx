import type { PromptMessage } from "@/lib/api/prompts";

import styles from "./content.module.css";

/** A prompt's messages, each with its role. */
export function PromptMessages({
  messages,
  label,
}: {
  messages: readonly PromptMessage[];
  label: string;
}) {
  return (
    <div aria-label={label}>
      {messages.map((message, index) => (
        <div key={index} className={styles.message}>
          <span className={styles.role}>{message.role}</span>
          <pre className={styles.pre}>{message.text}</pre>
        </div>
      ))}
    </div>
  );
}
