"use client";

import Link from "next/link";
import { useEffect } from "react";

interface Props {
  /** What went wrong (or what is missing). */
  message: string;
  /** Where to go instead, and what to call it. */
  href: string;
  link: string;
}

/** A page that cannot show what it was asked for: why, and a way back. */
export function PageProblem({ message, href, link }: Props) {
  return (
    <div className="page-pad">
      <p className="page-error" role="alert">
        {message} <Link href={href}>{link}</Link>
      </p>
    </div>
  );
}

/** The browser tab's title while the page shows `subject` (nothing until it is known). */
export function usePageTitle(subject: string | null | undefined): void {
  useEffect(() => {
    if (subject) document.title = `${subject} · MCP Workbench`;
  }, [subject]);
}
