import type { Metadata } from "next";
import { Suspense } from "react";

import { ToolsPage } from "@/components/ToolsPage";

export const metadata: Metadata = { title: "Tools" };

/** `/tools/?tool=<name>`: the catalog, and the chosen tool's form. */
export default function Page() {
  return (
    <Suspense fallback={<p className="muted page-pad">Loading the tools…</p>}>
      <ToolsPage />
    </Suspense>
  );
}
