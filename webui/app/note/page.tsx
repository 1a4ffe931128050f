import type { Metadata } from "next";
import { Suspense } from "react";

import { NotePage } from "@/components/NotePage";

export const metadata: Metadata = { title: "Note" };

/** `/note/?path=<vault path>`: paths are known only at run time, so they go in the query. */
export default function Page() {
  return (
    <Suspense fallback={<p className="muted page-pad">Loading the note…</p>}>
      <NotePage />
    </Suspense>
  );
}
