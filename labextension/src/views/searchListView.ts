import { Widget } from '@lumino/widgets';

import { h } from './dom';

/** How a list entry reads: its text, a tooltip, a second line and data attributes. */
export interface EntryLabel {
  text: string;
  title?: string;
  /** A second, muted line under the text (a snippet, where the item lives). */
  meta?: string;
  attrs: Record<string, string>;
}

/** What a search-list-detail tab is called and how its search box works. */
export interface SearchListOptions {
  id: string;
  label: string;
  placeholder: string;
  /**
   * `filter`: the box filters the loaded items in place; `query`: each change of the box
   * loads the items again (after a short pause), for searches the server runs.
   */
  searchMode: 'filter' | 'query';
  /** What the list says when nothing is shown. */
  emptyText?: string;
}

/** Pause after typing before a server-side search runs, and before a live refresh. */
const QUERY_DELAY_MS = 200;
const REFRESH_DELAY_MS = 150;

/**
 * A tab of the side panel: a search box (and any controls a tab adds beside it), a list of
 * items, and the detail of the item chosen. Subclasses say how items load, how an entry
 * reads and what the detail shows.
 */
export abstract class SearchListView<T> extends Widget {
  protected items: T[] = [];
  protected readonly search: HTMLInputElement;
  /** The row under the search box, for a tab's own controls; hidden while empty. */
  protected readonly controls = h('div', { className: 'jp-McpWorkbench-controls' });
  protected readonly list = h('ul', { className: 'jp-McpWorkbench-list', attrs: { role: 'list' } });
  protected readonly detail = h('div', { className: 'jp-McpWorkbench-detail' });
  /** The key of the item whose detail is shown, if any. */
  protected selected: string | null = null;
  private queryTimer: ReturnType<typeof setTimeout> | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private loading: Promise<void> | null = null;
  private again = false;

  constructor(private readonly options: SearchListOptions) {
    super();
    this.id = options.id;
    this.title.label = options.label;
    this.addClass('jp-McpWorkbench-view');
    this.search = h('input', {
      className: 'jp-McpWorkbench-search',
      attrs: { type: 'search', placeholder: options.placeholder, 'aria-label': options.placeholder }
    });
    this.search.addEventListener('input', () => this.onSearchInput());
    this.node.append(this.search, this.controls, this.list, this.detail);
  }

  /** Load the items again and show them; overlapping calls coalesce into one more load. */
  refresh(): Promise<void> {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = this.load(this.search.value.trim()).then(
      items => {
        this.items = items;
        this.showList();
        this.onItemsChanged();
      },
      error => this.showError(error)
    );
    return this.loading.finally(() => {
      this.loading = null;
      if (this.again) {
        this.again = false;
        void this.refresh();
      }
    });
  }

  /** Refresh soon: a burst of live changes makes one load. A hidden tab waits: it loads
   * when it is shown. */
  scheduleRefresh(): void {
    if (!this.isVisible) {
      return;
    }
    if (this.refreshTimer !== null) {
      clearTimeout(this.refreshTimer);
    }
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      void this.refresh();
    }, REFRESH_DELAY_MS);
  }

  /** The items, for the search box's text (`query` mode) or all of them (`filter`). */
  protected abstract load(query: string): Promise<T[]>;

  /** A stable key of an item (for the selection to survive a refresh). */
  protected abstract key(item: T): string;

  /** How the item's entry in the list reads. */
  protected abstract describe(item: T): EntryLabel;

  /** Show the item in the detail area. */
  protected abstract showDetail(item: T): void;

  /** In `filter` mode, whether the item matches the lower-cased search text. */
  protected matches(item: T, needle: string): boolean {
    void item;
    void needle;
    return true;
  }

  /** Whether the item is listed, besides the search (a tab's own filters). */
  protected included(item: T): boolean {
    void item;
    return true;
  }

  /** What the list says when it shows nothing ('' : nothing). */
  protected emptyText(): string {
    return this.options.emptyText ?? '';
  }

  /** Called after each load: a tab whose detail shows live data brings it up to date. */
  protected onItemsChanged(): void {
    // Most details hold what the user typed: they stay as they are.
  }

  // A tab loads when it is shown (a side panel's tabs are attached, hidden, as Lab starts),
  // and again each time: a tab shown after a while shows what is there now.
  protected onAfterAttach(): void {
    if (this.isVisible) {
      void this.refresh();
    }
  }

  protected onAfterShow(): void {
    void this.refresh();
  }

  /** The items the list shows now. */
  protected shownItems(): T[] {
    const needle = this.search.value.trim().toLowerCase();
    return this.items.filter(
      item =>
        this.included(item) && (this.options.searchMode === 'query' || this.matches(item, needle))
    );
  }

  /** Show the item's detail and mark its entry as chosen. */
  protected select(item: T): void {
    this.selected = this.key(item);
    for (const entry of this.list.querySelectorAll('.jp-McpWorkbench-item')) {
      entry.classList.toggle('jp-mod-selected', entry.getAttribute('data-key') === this.selected);
    }
    this.showDetail(item);
  }

  /** Draw the list again from the loaded items. */
  protected showList(): void {
    const shown = this.shownItems();
    const empty = shown.length === 0 ? this.emptyText() : '';
    if (empty) {
      this.list.replaceChildren(
        h('li', { className: 'jp-McpWorkbench-muted jp-McpWorkbench-empty', text: empty })
      );
      return;
    }
    this.list.replaceChildren(...shown.map(item => h('li', {}, [this.entry(item)])));
  }

  private entry(item: T): HTMLButtonElement {
    const label = this.describe(item);
    const key = this.key(item);
    const button = h(
      'button',
      {
        className: 'jp-McpWorkbench-item',
        title: label.title,
        attrs: { ...label.attrs, 'data-key': key },
        on: { click: () => this.select(item) }
      },
      label.meta === undefined
        ? [label.text]
        : [
            h('span', { className: 'jp-McpWorkbench-itemText', text: label.text }),
            h('span', { className: 'jp-McpWorkbench-itemMeta', text: label.meta })
          ]
    );
    button.classList.toggle('jp-mod-selected', key === this.selected);
    return button;
  }

  private showError(error: unknown): void {
    this.list.replaceChildren(h('li', { className: 'jp-McpWorkbench-error', text: String(error) }));
  }

  private onSearchInput(): void {
    if (this.options.searchMode === 'filter') {
      this.showList();
      return;
    }
    if (this.queryTimer !== null) {
      clearTimeout(this.queryTimer);
    }
    this.queryTimer = setTimeout(() => {
      this.queryTimer = null;
      void this.refresh();
    }, QUERY_DELAY_MS);
  }
}
