"use client";

import { useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";

import { filterTools, useTools } from "@/lib/use-tools";

import styles from "./content.module.css";
import { usePageTitle } from "./PageProblem";
import { ToolCatalog } from "./ToolCatalog";
import { ToolPanel } from "./ToolPanel";

/** The tools the user may see (`?tool=` picks one), with a form to call the chosen one. */
export function ToolsPage() {
  const { tools, error } = useTools();
  const router = useRouter();
  const chosenName = useSearchParams().get("tool") ?? "";
  const [query, setQuery] = useState("");
  const shown = tools === null ? null : filterTools(tools, query);
  const chosen = tools?.find((tool) => tool.name === chosenName) ?? null;
  usePageTitle(chosen ? `${chosen.name} · Tools` : "Tools");

  return (
    <div className="page page-pad">
      <div className="page-head">
        <div>
          <h1>Tools</h1>
          <p className="muted">
            The MCP tools your access policy lets you see. Choose one to call it with a form made
            from its input schema.
          </p>
        </div>
      </div>
      {error && (
        <p className="page-error" role="alert">
          {error}
        </p>
      )}
      <div className={styles.layout}>
        <aside className={styles.side}>
          <label htmlFor="tool-search" className="visually-hidden">
            Search tools
          </label>
          <input
            id="tool-search"
            type="search"
            className={`input ${styles.search}`}
            placeholder="Search tools"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
          {shown === null ? (
            !error && <p className="muted">Loading the tools…</p>
          ) : (
            <ToolCatalog
              tools={shown}
              total={tools?.length ?? 0}
              chosen={chosenName}
              onChoose={(name) => router.replace(`/tools/?tool=${encodeURIComponent(name)}`)}
            />
          )}
        </aside>
        <div>
          {chosen ? (
            <ToolPanel key={chosen.name} tool={chosen} />
          ) : chosenName && tools !== null ? (
            <p className="page-error" role="alert">
              There is no tool “{chosenName}” that you may use (it may have been removed).
            </p>
          ) : (
            <p className="empty">
              {tools !== null && tools.length === 0
                ? "No tools are available to you."
                : "Choose a tool on the left to see what it takes and try it."}
            </p>
          )}
        </div>
      </div>
    </div>
  );
}
