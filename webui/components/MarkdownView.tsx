"use client";

import Link from "next/link";
import Markdown, { type Components } from "react-markdown";

import { remarkWikilinks, resolveWikilink, wikilinkTarget } from "@/lib/wikilinks";

import styles from "./content.module.css";
import { noteHref } from "./NoteTree";

const PLUGINS = [remarkWikilinks];

/**
 * A note's Markdown as HTML. react-markdown builds React elements and never raw HTML (HTML
 * in the note shows as text), and drops unsafe URLs: nothing in a note can run script.
 */
export function MarkdownView({ body, paths }: { body: string; paths: readonly string[] }) {
  const components: Components = {
    a({ href, children }) {
      const target = wikilinkTarget(href);
      if (target === null) {
        return (
          <a href={href} target="_blank" rel="noopener noreferrer">
            {children}
          </a>
        );
      }
      const path = resolveWikilink(target, paths);
      if (path === null) {
        return (
          <span className={styles.missingLink} title={`No note named “${target}” yet`}>
            {children}
          </span>
        );
      }
      return (
        <Link href={noteHref(path)} data-wikilink={target}>
          {children}
        </Link>
      );
    },
  };
  return (
    <div className={styles.markdown}>
      <Markdown remarkPlugins={PLUGINS} components={components}>
        {body}
      </Markdown>
    </div>
  );
}
