import type { PromptVersion } from "@/lib/api/prompts";
import { lineDiff } from "@/lib/line-diff";
import { messagesText } from "@/lib/use-prompt";

import styles from "./content.module.css";

const MARK = { same: " ", added: "+", removed: "−" } as const;

/** What changed from one version of a prompt to another, line by line. */
export function PromptDiff({ from, to }: { from: PromptVersion; to: PromptVersion }) {
  const lines = lineDiff(messagesText(from.messages), messagesText(to.messages));
  return (
    <ol className={styles.diff} aria-label={`Changes from v${from.version} to v${to.version}`}>
      {lines.map((line, index) => (
        <li
          key={index}
          className={line.kind === "same" ? undefined : styles[line.kind]}
          data-kind={line.kind}
        >
          {MARK[line.kind]} {line.text}
        </li>
      ))}
    </ol>
  );
}
