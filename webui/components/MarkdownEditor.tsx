"use client";

import dynamic from "next/dynamic";

import type { MarkdownEditorProps } from "./MarkdownEditorClient";

/**
 * The Markdown editor, loaded in the browser only (it needs the DOM, and the static export
 * renders no editor): a disabled text area stands in while it loads.
 */
export const MarkdownEditor = dynamic<MarkdownEditorProps>(() => import("./MarkdownEditorClient"), {
  ssr: false,
  loading: () => (
    <textarea className="input textarea" disabled aria-label="Loading the editor" rows={6} />
  ),
});
