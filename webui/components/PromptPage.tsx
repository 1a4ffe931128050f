"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useState } from "react";

import { usePrompt } from "@/lib/use-prompt";

import styles from "./content.module.css";
import { PageProblem, usePageTitle } from "./PageProblem";
import { PromptDiff } from "./PromptDiff";
import { PromptEditor } from "./PromptEditor";
import { PromptFeedback } from "./PromptFeedback";
import { PromptLabelForm } from "./PromptLabelForm";
import { PromptLabels } from "./PromptLabels";
import { PromptMessages } from "./PromptMessages";
import { PromptTryRun } from "./PromptTryRun";
import { PRODUCTION, PromptVersionTable } from "./PromptVersionTable";

/** The prompt named by `?name=`, live. */
export function PromptPage() {
  const name = useSearchParams().get("name") ?? "";
  if (!name) {
    return (
      <PageProblem message="No prompt given." href="/prompts/" link="Choose one of the prompts." />
    );
  }
  return <LivePrompt key={name} name={name} />;
}

function LivePrompt({ name }: { name: string }) {
  const { versions, feedback, error, actions } = usePrompt(name);
  /** The version shown; null: the newest. */
  const [chosen, setChosen] = useState<number | null>(null);
  const [compared, setCompared] = useState<number[]>([]);
  const [editing, setEditing] = useState(false);
  usePageTitle(name);

  if (error) return <PageProblem message={error} href="/prompts/" link="Back to the prompts" />;
  const newest = versions?.[0];
  if (versions === null || newest === undefined) {
    return <p className="muted page-pad">Loading the prompt…</p>;
  }
  const shown = versions.find((v) => v.version === chosen) ?? newest;
  const [from, to] = compared
    .map((n) => versions.find((v) => v.version === n))
    .filter((v) => v !== undefined)
    .sort((a, b) => a.version - b.version);

  return (
    <div className="page page-pad">
      <div className={styles.head}>
        <nav aria-label="Breadcrumb" className="breadcrumb">
          <Link href="/prompts/">Prompts</Link>
          <span aria-hidden="true">/</span>
        </nav>
        <h1>{name}</h1>
        <span className="muted">
          {versions.length} {versions.length === 1 ? "version" : "versions"}
        </span>
      </div>
      {newest.description && <p className="muted">{newest.description}</p>}

      <section className={styles.panel} aria-labelledby="shown-heading">
        <div className={styles.row}>
          <h2 id="shown-heading">Version {shown.version}</h2>
          <PromptLabels labels={shown.labels} />
          <span className="spacer" />
          {!editing && (
            <button type="button" className="button" onClick={() => setEditing(true)}>
              Edit
            </button>
          )}
        </div>
        {editing ? (
          <PromptEditor
            key={newest.version}
            messages={newest.messages}
            onSave={async (messages, note) => {
              const saved = await actions.save(messages, note);
              if (saved) setChosen(null);
              return saved;
            }}
            onClose={() => setEditing(false)}
          />
        ) : (
          <>
            <PromptMessages messages={shown.messages} label="Messages" />
            {shown.arguments.length > 0 && (
              <p className="muted">
                Arguments:{" "}
                {shown.arguments
                  .map((arg) => (arg.required ? arg.name : `${arg.name} (optional)`))
                  .join(", ")}
              </p>
            )}
          </>
        )}
      </section>

      <section className={styles.panel} aria-labelledby="versions-heading">
        <h2 id="versions-heading">Versions</h2>
        <p className="muted">
          Choose a version to show it; tick two to compare them. Moving{" "}
          <strong>{PRODUCTION}</strong> changes which version MCP clients get by that label; any
          other label can be set, moved or removed the same way.
        </p>
        <PromptVersionTable
          versions={versions}
          shown={shown.version}
          compared={compared}
          onShow={setChosen}
          onCompare={(v, on) =>
            setCompared(on ? [...compared, v].slice(-2) : compared.filter((n) => n !== v))
          }
          onMoveProduction={(v) => void actions.setLabel(PRODUCTION, v)}
          onRemoveLabel={(label) => void actions.removeLabel(label)}
        />
        <PromptLabelForm
          key={shown.version}
          versions={versions}
          shown={shown.version}
          onSet={actions.setLabel}
        />
        {from && to && (
          <>
            <h3>
              v{from.version} → v{to.version}
            </h3>
            <PromptDiff from={from} to={to} />
          </>
        )}
      </section>

      <section className={styles.panel} aria-labelledby="try-heading">
        <h2 id="try-heading">Try v{shown.version}</h2>
        <PromptTryRun key={shown.version} version={shown} render={actions.render} />
      </section>

      <section className={styles.panel} aria-labelledby="feedback-heading">
        <h2 id="feedback-heading">Feedback on v{shown.version}</h2>
        <PromptFeedback
          version={shown.version}
          feedback={feedback.filter((f) => f.version === shown.version)}
          give={actions.giveFeedback}
        />
      </section>
    </div>
  );
}
