import { LabIcon } from '@jupyterlab/ui-components';
import { BoxPanel, TabPanel } from '@lumino/widgets';

import { type EventStream, type WorkbenchEvent } from './api/events';
import { KnowledgeView, type KnowledgeHost } from './views/knowledgeView';
import { LiveIndicator } from './views/liveIndicator';
import { PromptsView } from './views/promptsView';
import { TasksView, type TasksHost } from './views/tasksView';
import { ToolsView } from './views/toolsView';

/** The side panel's icon: a wrench over a card. */
export const workbenchIcon = new LabIcon({
  name: 'mcp-workbench:panel',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><g class="jp-icon3" fill="#616161">' +
    '<path d="M4 4h10v2H6v12h12v-8h2v10H4z"/>' +
    '<path d="M19.4 2.6a3.5 3.5 0 0 0-4.6 4.4l-5.9 5.9 2.2 2.2 5.9-5.9a3.5 3.5 0 0 0 4.4-4.6l-2 2-2-2z"/>' +
    '</g></svg>'
});

/** What the panel's tabs need from JupyterLab. */
export type PanelHost = KnowledgeHost & TasksHost;

/** The panel's tabs, by name. */
export type TabName = 'tools' | 'prompts' | 'knowledge' | 'tasks';

/** Which tab lists what an event is about: the entity each tab's list shows. */
const TABS_OF: Record<string, TabName> = {
  catalog: 'tools',
  prompt: 'prompts',
  note: 'knowledge',
  board: 'tasks',
  card: 'tasks'
};

/** The left side panel: one tab per area of the workbench, kept current from the events
 * socket, and a line saying when it is not. */
export class WorkbenchPanel extends BoxPanel {
  readonly tools: ToolsView;
  readonly prompts: PromptsView;
  readonly knowledge: KnowledgeView;
  readonly tasks: TasksView;
  private readonly tabs = new TabPanel();
  private readonly indicator: LiveIndicator;
  private unsubscribe: (() => void) | null = null;

  constructor(host: PanelHost, stream: EventStream) {
    super({ direction: 'top-to-bottom', spacing: 0 });
    this.id = 'mcp-workbench-panel';
    this.addClass('jp-McpWorkbench-panel');
    this.title.icon = workbenchIcon;
    this.title.caption = 'MCP Workbench';
    this.tools = new ToolsView();
    this.prompts = new PromptsView(host.insert);
    this.knowledge = new KnowledgeView(host);
    this.tasks = new TasksView(host);
    for (const view of [this.tools, this.prompts, this.knowledge, this.tasks]) {
      this.tabs.addWidget(view);
    }
    this.indicator = new LiveIndicator({
      reconnect: () => stream.reconnectNow(),
      refresh: () => void this.refresh()
    });
    BoxPanel.setStretch(this.tabs, 1);
    BoxPanel.setStretch(this.indicator, 0);
    this.addWidget(this.tabs);
    this.addWidget(this.indicator);
    this.indicator.showState(stream.state);
    this.unsubscribe = stream.subscribe({
      event: event => this.apply(event),
      resync: () => this.views().forEach(view => view.scheduleRefresh()),
      state: state => this.indicator.showState(state)
    });
  }

  /** Bring a tab to the front. */
  showTab(name: TabName): void {
    this.tabs.currentWidget = this[name];
  }

  /** Load every tab's list again. */
  async refresh(): Promise<void> {
    await Promise.all(this.views().map(view => view.refresh()));
  }

  dispose(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    super.dispose();
  }

  /** A change made anywhere: the tab that lists such things loads its list again. */
  private apply(event: WorkbenchEvent): void {
    const tab = TABS_OF[event.entity];
    if (tab) {
      this[tab].scheduleRefresh();
    }
  }

  private views(): (ToolsView | PromptsView | KnowledgeView | TasksView)[] {
    return [this.tools, this.prompts, this.knowledge, this.tasks];
  }
}
