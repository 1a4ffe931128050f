"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";

/** The start page: it opens the boards. */
export default function Home() {
  const router = useRouter();
  useEffect(() => {
    router.replace("/boards/");
  }, [router]);
  return <p className="muted page-pad">Opening the boards…</p>;
}
