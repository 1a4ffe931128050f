import type { INotebookTracker } from '@jupyterlab/notebook';

/** Where a tab puts text: the active notebook cell, if any; says whether there was one. */
export type InsertText = (text: string) => boolean;

/**
 * Insert text into the active notebook cell: at the cursor when the cell's editor is
 * shown, else at the end of its source. Returns whether there was a cell to insert into.
 */
export function insertIntoActiveCell(tracker: INotebookTracker, text: string): boolean {
  const cell = tracker.activeCell;
  if (!cell) {
    return false;
  }
  const editor = cell.editor;
  if (editor?.replaceSelection) {
    editor.replaceSelection(text);
  } else {
    const shared = cell.model.sharedModel;
    shared.setSource(shared.getSource() + text);
  }
  return true;
}
