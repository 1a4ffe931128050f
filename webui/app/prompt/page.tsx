import type { Metadata } from "next";
import { Suspense } from "react";

import { PromptPage } from "@/components/PromptPage";

export const metadata: Metadata = { title: "Prompt" };

/** `/prompt/?name=<prompt name>`: names are known only at run time, so they go in the query. */
export default function Page() {
  return (
    <Suspense fallback={<p className="muted page-pad">Loading the prompt…</p>}>
      <PromptPage />
    </Suspense>
  );
}
