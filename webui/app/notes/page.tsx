import type { Metadata } from "next";

import { NotesPage } from "@/components/NotesPage";

export const metadata: Metadata = { title: "Knowledge" };

export default function Page() {
  return <NotesPage />;
}
