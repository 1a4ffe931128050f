"use client";

import { useMemo } from "react";

import type { ToolDescriptor } from "@/lib/api/tools";
import { fieldsOf } from "@/lib/schema-form";
import { useToolCall } from "@/lib/use-tool-call";

import contentStyles from "./content.module.css";
import { ToolForm } from "./ToolForm";
import { ToolResultView } from "./ToolResultView";
import styles from "./tools.module.css";

/** One tool: what it does, a form for its arguments, and the last call's result. */
export function ToolPanel({ tool }: { tool: ToolDescriptor }) {
  const fields = useMemo(() => fieldsOf(tool.inputSchema), [tool.inputSchema]);
  const { busy, startedAt, progress, outcome, call } = useToolCall(tool, fields);
  const hints = tool.annotations ?? {};
  return (
    <>
      <section className={contentStyles.panel} aria-labelledby="tool-heading">
        <div className={contentStyles.head}>
          <h2 id="tool-heading" className={styles.toolName}>
            {tool.name}
          </h2>
          {tool.title && <span className="muted">{tool.title}</span>}
          {hints.readOnlyHint && <span className={styles.hint}>read-only</span>}
          {hints.destructiveHint && (
            <span className={`${styles.hint} ${styles.hintDanger}`}>destructive</span>
          )}
        </div>
        {tool.description && <p className={styles.description}>{tool.description}</p>}
        <ToolForm
          fields={fields}
          busy={busy}
          startedAt={startedAt}
          progress={progress}
          serverErrors={outcome?.fieldErrors ?? {}}
          onCall={call}
        />
      </section>
      {outcome && <ToolResultView outcome={outcome} />}
    </>
  );
}
