"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";

import { cardCount } from "@/lib/board-model";
import { preloadBoard, useBoard } from "@/lib/use-board";

import { KanbanBoard } from "./KanbanBoard";
import { PageProblem, usePageTitle } from "./PageProblem";

// A large board takes a while to arrive: ask for it as soon as this code runs in the browser.
if (typeof window !== "undefined") {
  const id = new URLSearchParams(window.location.search).get("id");
  if (id && window.location.pathname.endsWith("/board/")) preloadBoard(id);
}

/** The board named by `?id=`, live. */
export function BoardPage() {
  const id = useSearchParams().get("id") ?? "";
  if (!id) {
    return (
      <PageProblem message="No board given." href="/boards/" link="Choose one of the boards." />
    );
  }
  return <LiveBoard key={id} id={id} />;
}

function LiveBoard({ id }: { id: string }) {
  const { state, error, actions } = useBoard(id);
  usePageTitle(state?.board.title);

  if (error) return <PageProblem message={error} href="/boards/" link="Back to the boards" />;
  if (state === null) return <p className="muted page-pad">Loading the board…</p>;
  const count = cardCount(state);
  return (
    <div className="board-page">
      <div className="board-head">
        <nav aria-label="Breadcrumb" className="breadcrumb">
          <Link href="/boards/">Boards</Link>
          <span aria-hidden="true">/</span>
        </nav>
        <h1>{state.board.title}</h1>
        <span className="muted board-count">
          {count} {count === 1 ? "card" : "cards"}
        </span>
      </div>
      <KanbanBoard state={state} actions={actions} />
    </div>
  );
}
