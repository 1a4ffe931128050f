import { getBoard, listBoards, type BoardView, type Card, type Lane } from './api/boards';

/**
 * Cards across boards, and which are "mine". The store has no assignee: as in Obsidian
 * Kanban, a card names people in its text as `@name`, so a card is mine when its title or
 * body mentions one of my names. `@{2026-01-31}` and `@[[2026-01-31]]` are dates, not people.
 */

/** A card with the board and lane it is on. */
export interface Task {
  card: Card;
  board: BoardView;
  lane: Lane;
}

/** Lane titles that mean done, unless the settings say otherwise. */
export const DEFAULT_DONE_LANES = ['Done', 'Complete', 'Completed', 'Closed'];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether `text` mentions one of `names` as `@name` (letter case aside). */
export function mentions(text: string, names: readonly string[]): boolean {
  return names.some(name => {
    const clean = name.trim().replace(/^@/, '');
    if (!clean) {
      return false;
    }
    // Not part of an e-mail address or a longer name: `@ann` is not in `x@ann.org`, `@anna`.
    const pattern = new RegExp(`(^|[^\\w@.])@${escapeRegExp(clean)}(?![\\w-]|\\.\\w)`, 'iu');
    return pattern.test(text);
  });
}

/** Whether the task mentions one of `names`. */
export function isMine(task: Task, names: readonly string[]): boolean {
  return mentions(`${task.card.title}\n${task.card.body}`, names);
}

/** The cards still to do: not done, not archived, and not in a lane whose title means done. */
export function openTasks(boards: readonly BoardView[], doneLanes: readonly string[]): Task[] {
  const done = new Set(doneLanes.map(title => title.trim().toLowerCase()));
  const tasks: Task[] = [];
  for (const board of boards) {
    const lanes = new Map(board.lanes.map(lane => [lane.id, lane]));
    for (const card of board.cards) {
      const lane = lanes.get(card.lane_id);
      if (!lane || card.done || card.archived || done.has(lane.title.trim().toLowerCase())) {
        continue;
      }
      tasks.push({ card, board, lane });
    }
  }
  return tasks;
}

/** Every board (not archived ones) with its cards. */
export async function loadBoards(): Promise<BoardView[]> {
  const boards = await listBoards();
  return Promise.all(boards.map(board => getBoard(board.id)));
}
