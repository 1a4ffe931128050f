"use client";

import type { ToolDescriptor } from "@/lib/api/tools";
import { groupTools } from "@/lib/use-tools";

import styles from "./tools.module.css";

interface Props {
  tools: readonly ToolDescriptor[];
  /** How many tools there are before the search. */
  total: number;
  chosen: string;
  onChoose(name: string): void;
}

/** The tools by namespace; each a button that picks it. */
export function ToolCatalog({ tools, total, chosen, onChoose }: Props) {
  if (tools.length === 0) {
    return <p className="muted">{total === 0 ? "No tools." : "No tool matches."}</p>;
  }
  return (
    <nav aria-label="Tool catalog">
      <p className={styles.count}>
        {tools.length === total ? `${total} tools` : `${tools.length} of ${total} tools`}
      </p>
      {groupTools(tools).map(([group, members]) => (
        <section key={group} className={styles.group} aria-label={group}>
          <h2 className={styles.groupTitle}>{group}</h2>
          <ul className={styles.catalog} aria-label={`${group} tools`}>
            {members.map((tool) => (
              <li key={tool.name}>
                <button
                  type="button"
                  className={styles.toolButton}
                  aria-current={tool.name === chosen ? "true" : undefined}
                  onClick={() => onChoose(tool.name)}
                  title={tool.description}
                >
                  {tool.name}
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </nav>
  );
}
