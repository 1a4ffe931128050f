"use client";

import Link from "next/link";
import { useState } from "react";

import { usePrompts } from "@/lib/use-prompts";

import styles from "./content.module.css";
import { PromptLabels } from "./PromptLabels";

export function promptHref(name: string): string {
  return `/prompt/?name=${encodeURIComponent(name)}`;
}

/** Every prompt the user may see, filtered by a search box. */
export function PromptList() {
  const [query, setQuery] = useState("");
  const { prompts: shown, query: answered, error } = usePrompts(query);
  return (
    <div className="page page-pad">
      <div className="page-head">
        <div>
          <h1>Prompts</h1>
          <p className="muted">
            Versioned prompts with labels, shared with the vault and served to MCP clients.
          </p>
        </div>
      </div>
      <label htmlFor="prompt-search" className="visually-hidden">
        Search prompts
      </label>
      <input
        id="prompt-search"
        type="search"
        className={`input ${styles.search}`}
        placeholder="Search prompts by name or description"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      {error && (
        <p className="page-error" role="alert">
          {error}
        </p>
      )}
      {shown === null && !error && <p className="muted">Loading the prompts…</p>}
      {shown !== null && shown.length === 0 && (
        <p className="empty">
          {answered ? "No prompt matches." : "No prompts yet: ask an MCP client to store one."}
        </p>
      )}
      {shown !== null && shown.length > 0 && (
        <ul className={styles.list} aria-label="Prompts">
          {shown.map((prompt) => (
            <li key={prompt.name}>
              <Link href={promptHref(prompt.name)} className={styles.item}>
                <span className={styles.itemTitle}>{prompt.name}</span>{" "}
                <span className="muted">v{prompt.latest}</span>{" "}
                <PromptLabels labels={Object.keys(prompt.labels)} />
                {prompt.description && <span className={styles.snippet}>{prompt.description}</span>}
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
