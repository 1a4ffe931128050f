import type { Metadata } from "next";
import { Suspense } from "react";

import { BoardPage } from "@/components/BoardPage";

export const metadata: Metadata = { title: "Board" };

/** `/board/?id=<board id>`: board ids are known only at run time, so they go in the query. */
export default function Page() {
  return (
    <Suspense fallback={<p className="muted page-pad">Loading the board…</p>}>
      <BoardPage />
    </Suspense>
  );
}
