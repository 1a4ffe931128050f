import type { Metadata } from "next";

import { PromptList } from "@/components/PromptList";

export const metadata: Metadata = { title: "Prompts" };

export default function Page() {
  return <PromptList />;
}
