"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, type ReactNode } from "react";

import { LiveProvider } from "@/lib/live";
import { NoticeProvider } from "@/lib/notices";

import { ConnectionIndicator } from "./ConnectionIndicator";
import { NoticeList } from "./NoticeList";

/** The areas of the UI, in the order the navigation shows them. */
const AREAS = [
  { href: "/boards/", label: "Boards", match: ["/boards", "/board"] },
  { href: "/prompts/", label: "Prompts", match: ["/prompts", "/prompt"] },
  { href: "/notes/", label: "Knowledge", match: ["/notes", "/note"] },
  { href: "/tools/", label: "Tools", match: ["/tools"] },
  { href: "/admin/", label: "Admin", match: ["/admin"] },
] as const;

/** Jupyter's `?token=` logs the browser in; once it has, it has no place in the address bar. */
function useTokenOutOfAddressBar() {
  useEffect(() => {
    const url = new URL(window.location.href);
    if (!url.searchParams.has("token")) return;
    url.searchParams.delete("token");
    window.history.replaceState(window.history.state, "", url.toString());
  }, []);
}

export function AppShell({ children }: { children: ReactNode }) {
  const pathname = usePathname();
  useTokenOutOfAddressBar();
  return (
    <NoticeProvider>
      <LiveProvider>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="app-header">
          <Link href="/boards/" className="brand">
            <span className="brand-mark" aria-hidden="true">
              ◆
            </span>
            MCP Workbench
          </Link>
          <nav aria-label="Areas" className="app-nav">
            {AREAS.map((area) => {
              const active = area.match.some((p) => pathname === p || pathname.startsWith(`${p}/`));
              return (
                <Link
                  key={area.href}
                  href={area.href}
                  className={active ? "nav-link active" : "nav-link"}
                  aria-current={active ? "page" : undefined}
                >
                  {area.label}
                </Link>
              );
            })}
          </nav>
          <ConnectionIndicator />
        </header>
        <main id="main" className="app-main">
          {children}
        </main>
        <NoticeList />
      </LiveProvider>
    </NoticeProvider>
  );
}
