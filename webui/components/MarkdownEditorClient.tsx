"use client";

import "@mdxeditor/editor/style.css";

import {
  BlockTypeSelect,
  BoldItalicUnderlineToggles,
  codeBlockPlugin,
  codeMirrorPlugin,
  CreateLink,
  diffSourcePlugin,
  DiffSourceToggleWrapper,
  headingsPlugin,
  imagePlugin,
  InsertCodeBlock,
  InsertTable,
  InsertThematicBreak,
  linkDialogPlugin,
  linkPlugin,
  listsPlugin,
  ListsToggle,
  markdownShortcutPlugin,
  MDXEditor,
  type MDXEditorProps,
  quotePlugin,
  Separator,
  tablePlugin,
  thematicBreakPlugin,
  toolbarPlugin,
  UndoRedo,
} from "@mdxeditor/editor";
import { useMemo, useState } from "react";

import { writeText } from "@/lib/markdown-output";

import styles from "./markdown-editor.module.css";

export interface MarkdownEditorProps {
  /** The Markdown the edit starts from. */
  markdown: string;
  onChange(markdown: string): void;
  /** The editing area's accessible name. */
  label: string;
}

const CODE_LANGUAGES = {
  "": "Plain text",
  py: "Python",
  python: "Python",
  js: "JavaScript",
  ts: "TypeScript",
  json: "JSON",
  bash: "Shell",
  sh: "Shell",
  sql: "SQL",
  yaml: "YAML",
  md: "Markdown",
};

const TO_MARKDOWN = {
  handlers: { text: writeText },
} as unknown as MDXEditorProps["toMarkdownOptions"];

/**
 * Rich-text editing of Markdown (headings, lists, links, tables, code) with a source mode
 * for the text itself, and a diff against where the edit started. What the editor cannot
 * read is edited as plain text instead.
 */
export default function MarkdownEditorClient({ markdown, onChange, label }: MarkdownEditorProps) {
  const [unreadable, setUnreadable] = useState<string | null>(null);
  const [plain, setPlain] = useState(markdown);
  const plugins = useMemo(
    () => [
      headingsPlugin(),
      listsPlugin(),
      quotePlugin(),
      thematicBreakPlugin(),
      linkPlugin(),
      linkDialogPlugin(),
      tablePlugin(),
      imagePlugin(),
      codeBlockPlugin({ defaultCodeBlockLanguage: "" }),
      codeMirrorPlugin({ codeBlockLanguages: CODE_LANGUAGES }),
      markdownShortcutPlugin(),
      diffSourcePlugin({ viewMode: "rich-text", diffMarkdown: markdown }),
      toolbarPlugin({
        toolbarContents: () => (
          <DiffSourceToggleWrapper>
            <UndoRedo />
            <Separator />
            <BoldItalicUnderlineToggles />
            <BlockTypeSelect />
            <Separator />
            <ListsToggle />
            <CreateLink />
            <InsertTable />
            <InsertCodeBlock />
            <InsertThematicBreak />
          </DiffSourceToggleWrapper>
        ),
      }),
    ],
    [markdown],
  );

  if (unreadable !== null) {
    return (
      <div className={styles.fallback}>
        <p className="hint" role="status">
          The rich editor cannot read this text ({unreadable}): edit it as plain Markdown.
        </p>
        <textarea
          aria-label={label}
          className={`input textarea ${styles.plain}`}
          value={plain}
          onChange={(e) => {
            setPlain(e.target.value);
            onChange(e.target.value);
          }}
        />
      </div>
    );
  }

  return (
    <MDXEditor
      className={styles.editor}
      contentEditableClassName={styles.content}
      markdown={markdown}
      plugins={plugins}
      toMarkdownOptions={TO_MARKDOWN}
      suppressHtmlProcessing
      translation={(key, fallback, values) =>
        key === "contentArea.editableMarkdown" ? label : interpolate(fallback, values)
      }
      onChange={(next, normalising) => {
        if (!normalising) onChange(next);
      }}
      onError={({ error }) => setUnreadable(error)}
    />
  );
}

/** The editor's own texts, with `{{name}}` filled in as its default translation does. */
function interpolate(text: string, values?: Record<string, unknown>): string {
  if (!values) return text;
  return text.replace(/\{\{(\w+)\}\}/g, (all, name: string) =>
    name in values ? String(values[name]) : all,
  );
}
