import { Clipboard } from '@jupyterlab/apputils';
import { MimeModel, type IRenderMimeRegistry } from '@jupyterlab/rendermime';

import {
  getNote,
  listNotes,
  noteWebUrl,
  searchNotes,
  wikilinkTarget,
  type Note
} from '../api/notes';
import { ApiError } from '../api/client';
import { type InsertText } from '../notebook';
import { h } from './dom';
import { SearchListView, type EntryLabel } from './searchListView';

/** How an inserted link to a note is written. */
export type LinkStyle = 'wikilink' | 'markdown';

/** A note as the list shows it: found by a search (with a snippet) or listed by path. */
interface NoteEntry {
  path: string;
  title: string;
  snippet?: string;
}

/** What the Knowledge tab needs from JupyterLab. */
export interface KnowledgeHost {
  insert: InsertText;
  /** Open the note's page of the web UI in a main-area tab. */
  openInWebUi(path: string): void;
  /** Lab's Markdown renderer; without it a note shows as its Markdown text. */
  rendermime: IRenderMimeRegistry | null;
  linkStyle(): LinkStyle;
}

/** A link to the note, written as the settings ask. */
export function noteLink(note: Note, style: LinkStyle): string {
  const name = note.title || note.path.split('/').pop() || note.path;
  return style === 'markdown'
    ? `[${name.replace(/[[\]]/g, '')}](${noteWebUrl(note.path)})`
    : `[[${wikilinkTarget(note.path)}]]`;
}

/** A search snippet as plain text: the match markers dropped, whitespace folded. */
function plainSnippet(snippet: string): string {
  return snippet.replace(/\*\*/g, '').replace(/\s+/g, ' ').trim();
}

/** The Knowledge tab: search the notes, read one, insert a link or an excerpt, or copy. */
export class KnowledgeView extends SearchListView<NoteEntry> {
  private shown: Note | null = null;

  constructor(private readonly host: KnowledgeHost) {
    super({
      id: 'mcp-workbench-knowledge',
      label: 'Knowledge',
      placeholder: 'Search notes',
      searchMode: 'query',
      emptyText: 'No notes found.'
    });
  }

  protected async load(query: string): Promise<NoteEntry[]> {
    if (!query) {
      const notes = await listNotes();
      return notes.map(note => ({ path: note.path, title: note.title }));
    }
    const hits = await searchNotes(query);
    return hits.map(hit => ({ path: hit.path, title: hit.title, snippet: hit.snippet }));
  }

  protected key(entry: NoteEntry): string {
    return entry.path;
  }

  protected describe(entry: NoteEntry): EntryLabel {
    return {
      text: entry.title || entry.path,
      title: entry.path,
      meta: entry.snippet === undefined ? entry.path : plainSnippet(entry.snippet),
      attrs: { 'data-note': entry.path }
    };
  }

  protected showDetail(entry: NoteEntry): void {
    this.shown = null;
    this.detail.replaceChildren(h('p', { className: 'jp-McpWorkbench-muted', text: 'Loading…' }));
    getNote(entry.path).then(
      note => {
        if (this.selected === entry.path) {
          this.showNote(note);
        }
      },
      error => {
        this.detail.replaceChildren(
          h('p', { className: 'jp-McpWorkbench-error', text: String(error) })
        );
      }
    );
  }

  /** The note shown changed or went: show it as it is now. */
  protected onItemsChanged(): void {
    const shown = this.shown;
    if (!shown) {
      return;
    }
    getNote(shown.path).then(
      note => {
        if (this.shown === shown && note.version !== shown.version) {
          this.showNote(note);
        }
      },
      error => {
        if (this.shown === shown && error instanceof ApiError && error.status === 404) {
          this.shown = null;
          this.detail.replaceChildren(
            h('p', { className: 'jp-McpWorkbench-muted', text: `${shown.path} was deleted.` })
          );
        }
      }
    );
  }

  private showNote(note: Note): void {
    this.shown = note;
    const body = h('div', { className: 'jp-McpWorkbench-note' });
    const status = h('p', { className: 'jp-McpWorkbench-muted', attrs: { 'aria-live': 'polite' } });
    // The selection is read as a button is pressed, and the press keeps it.
    let picked = '';
    const pick = (event: MouseEvent): void => {
      event.preventDefault();
      picked = this.selectedText(body);
    };
    const excerpt = (): string => picked || note.body;
    const insert = (text: string, what: string): void => {
      status.textContent = this.host.insert(text)
        ? `Inserted the ${what} into the active cell.`
        : 'No active notebook cell.';
    };
    const button = (text: string, title: string, click: () => void, accept = false): Node =>
      h('button', {
        className: accept ? 'jp-mod-styled jp-mod-accept' : 'jp-mod-styled',
        text,
        title,
        on: { mousedown: pick, click }
      });
    this.detail.replaceChildren(
      h('h3', { text: note.title || note.path }),
      h('p', { className: 'jp-McpWorkbench-muted', text: note.path }),
      note.tags.length
        ? h(
            'p',
            { className: 'jp-McpWorkbench-tags' },
            note.tags.map(tag => h('span', { className: 'jp-McpWorkbench-tag', text: `#${tag}` }))
          )
        : '',
      h('div', { className: 'jp-McpWorkbench-actions' }, [
        button(
          'Insert link',
          'Insert a link to the note into the active cell',
          () => insert(noteLink(note, this.host.linkStyle()), 'link'),
          true
        ),
        button('Insert text', 'Insert the selected text, or the whole note', () =>
          insert(excerpt(), 'text')
        ),
        button('Copy', 'Copy the selected text, or the whole note', () => {
          Clipboard.copyToSystem(excerpt());
          status.textContent = 'Copied.';
        }),
        button('Open', 'Open the note in the web UI, in a tab', () =>
          this.host.openInWebUi(note.path)
        )
      ]),
      status,
      body
    );
    void this.render(note, body);
  }

  /** The note's body as Lab renders Markdown (untrusted: sanitized, no scripts). */
  private async render(note: Note, host: HTMLElement): Promise<void> {
    const rendermime = this.host.rendermime;
    if (!rendermime) {
      host.append(h('pre', { className: 'jp-McpWorkbench-result', text: note.body }));
      return;
    }
    const renderer = rendermime.createRenderer('text/markdown');
    await renderer.renderModel(
      new MimeModel({ data: { 'text/markdown': note.body }, trusted: false })
    );
    host.append(renderer.node);
  }

  /** The text the user selected inside the note, if any. */
  private selectedText(within: HTMLElement): string {
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) {
      return '';
    }
    const range = selection.getRangeAt(0);
    return within.contains(range.commonAncestorContainer) ? selection.toString() : '';
  }
}
