import { moveCard } from '../api/boards';
import { ApiError, isStaleVersion } from '../api/client';
import { whoAmI } from '../api/me';
import { isMine, loadBoards, openTasks, type Task } from '../tasks';
import { h } from './dom';
import { SearchListView, type EntryLabel } from './searchListView';

/** What the Tasks tab needs from JupyterLab and the settings. */
export interface TasksHost {
  /** Open the kanban web UI in a main-area tab: every board, or the one given. */
  openBoard(board?: string): void;
  /** Names that mention the user besides the workbench's name for them. */
  mentionNames(): string[];
  /** Lane titles whose cards count as done. */
  doneLanes(): string[];
}

/** A message about one card, kept while its detail is drawn again. */
interface Notice {
  card: string;
  text: string;
  error: boolean;
}

/** The Tasks tab: open cards across boards (mine, or all), each movable to another lane. */
export class TasksView extends SearchListView<Task> {
  private principal: string | null = null;
  private notice: Notice | null = null;
  private shown: Task | null = null;
  private readonly showAll = h('input', {
    attrs: { type: 'checkbox', 'aria-label': 'All open cards' }
  });

  constructor(private readonly host: TasksHost) {
    super({
      id: 'mcp-workbench-tasks',
      label: 'Tasks',
      placeholder: 'Filter cards',
      searchMode: 'filter'
    });
    this.showAll.addEventListener('change', () => this.showList());
    this.controls.append(
      h('label', { className: 'jp-McpWorkbench-toggle', title: 'Show every open card' }, [
        this.showAll,
        'All open cards'
      ]),
      h('button', {
        className: 'jp-mod-styled jp-McpWorkbench-small',
        text: 'Open board',
        title: 'Open the kanban board in a main-area tab',
        on: { click: () => this.host.openBoard() }
      })
    );
  }

  /** The names a card mentions the user by: the workbench's and those the settings add. */
  names(): string[] {
    const names = [...this.host.mentionNames()];
    if (this.principal) {
      names.unshift(this.principal);
    }
    return names;
  }

  protected async load(): Promise<Task[]> {
    const [boards] = await Promise.all([loadBoards(), this.learnPrincipal()]);
    return openTasks(boards, this.host.doneLanes());
  }

  protected key(task: Task): string {
    return task.card.id;
  }

  protected included(task: Task): boolean {
    return this.showAll.checked || isMine(task, this.names());
  }

  protected matches(task: Task, needle: string): boolean {
    const { card, board, lane } = task;
    return [card.title, card.body, board.title, lane.title, ...card.tags].some(text =>
      text.toLowerCase().includes(needle)
    );
  }

  protected describe(task: Task): EntryLabel {
    const { card, board, lane } = task;
    return {
      text: card.title,
      title: card.body || card.title,
      meta: [`${board.title} · ${lane.title}`, card.due ? `due ${card.due}` : '']
        .filter(Boolean)
        .join(' · '),
      attrs: { 'data-card': card.id, 'data-lane': lane.title }
    };
  }

  protected emptyText(): string {
    if (this.showAll.checked || this.items.length === 0) {
      return 'No open cards.';
    }
    const names = this.names().map(name => `@${name}`);
    return names.length
      ? `No open card mentions ${names.join(' or ')}.`
      : 'No name to look for in cards: add one in the settings, or show all open cards.';
  }

  protected select(task: Task): void {
    if (this.notice?.card !== task.card.id) {
      this.notice = null;
    }
    super.select(task);
  }

  protected showDetail(task: Task): void {
    this.shown = task;
    const { card, board, lane } = task;
    const target = h(
      'select',
      { attrs: { 'aria-label': 'Lane' } },
      board.lanes.map(option =>
        h('option', {
          text: option.title,
          attrs: option.id === lane.id ? { value: option.id, selected: '' } : { value: option.id }
        })
      )
    );
    const move = h('button', {
      className: 'jp-mod-styled jp-mod-accept',
      text: 'Move',
      on: { click: () => void this.move(task, target.value, move) }
    });
    const status = h('p', {
      className: this.notice?.error ? 'jp-McpWorkbench-error' : 'jp-McpWorkbench-muted',
      text: this.notice?.card === card.id ? this.notice.text : '',
      attrs: { 'aria-live': 'polite' }
    });
    this.detail.replaceChildren(
      h('h3', { text: card.title }),
      h('p', {
        className: 'jp-McpWorkbench-muted',
        text: [`${board.title} · ${lane.title}`, card.due ? `due ${card.due}` : '']
          .filter(Boolean)
          .join(' · ')
      }),
      card.tags.length
        ? h(
            'p',
            { className: 'jp-McpWorkbench-tags' },
            card.tags.map(tag => h('span', { className: 'jp-McpWorkbench-tag', text: `#${tag}` }))
          )
        : '',
      card.body ? h('div', { className: 'jp-McpWorkbench-cardBody', text: card.body }) : '',
      h('div', { className: 'jp-McpWorkbench-moveRow' }, [
        h('span', { className: 'jp-McpWorkbench-fieldName', text: 'Move to' }),
        target,
        move
      ]),
      status,
      h('button', {
        className: 'jp-mod-styled jp-McpWorkbench-small',
        text: 'Open on the board',
        title: `Open ${board.title} in a main-area tab`,
        on: { click: () => this.host.openBoard(board.id) }
      })
    );
  }

  /** A card changed or moved: its detail shows the card as it is now. */
  protected onItemsChanged(): void {
    const shown = this.shown;
    if (!shown) {
      return;
    }
    const fresh = this.items.find(task => task.card.id === shown.card.id);
    if (fresh && fresh.card.version !== shown.card.version) {
      this.showDetail(fresh);
    }
  }

  private async move(task: Task, laneId: string, button: HTMLButtonElement): Promise<void> {
    const lane = task.board.lanes.find(option => option.id === laneId);
    if (!lane || laneId === task.lane.id) {
      this.say(task, 'It is in that lane already.', false);
      return;
    }
    button.disabled = true;
    try {
      const card = await moveCard(task.card, laneId);
      this.notice = { card: card.id, text: `Moved to ${lane.title}.`, error: false };
      this.showDetail({ ...task, card, lane });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.say(
        task,
        isStaleVersion(error)
          ? 'Not moved: the card was changed elsewhere meanwhile. The cards were read again: ' +
              'check where it is now, then move it again.'
          : `Not moved: ${message}`,
        true
      );
    } finally {
      button.disabled = false;
    }
    await this.refresh();
  }

  private say(task: Task, text: string, error: boolean): void {
    this.notice = { card: task.card.id, text, error };
    this.showDetail(this.shown?.card.id === task.card.id ? this.shown : task);
  }

  /** Ask the server once who the user is (an older server without `/me` has no answer). */
  private async learnPrincipal(): Promise<void> {
    if (this.principal !== null) {
      return;
    }
    try {
      this.principal = (await whoAmI()).principal;
    } catch (error) {
      if (error instanceof ApiError) {
        this.principal = '';
      }
    }
  }
}
