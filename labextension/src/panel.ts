import { LabIcon } from '@jupyterlab/ui-components';
import { TabPanel } from '@lumino/widgets';

import { PromptsView, type InsertText } from './views/promptsView';
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

/** The left side panel: one tab per area of the workbench. */
export class WorkbenchPanel extends TabPanel {
  readonly tools: ToolsView;
  readonly prompts: PromptsView;

  constructor(insert: InsertText) {
    super();
    this.id = 'mcp-workbench-panel';
    this.addClass('jp-McpWorkbench-panel');
    this.title.icon = workbenchIcon;
    this.title.caption = 'MCP Workbench';
    this.tools = new ToolsView();
    this.prompts = new PromptsView(insert);
    this.addWidget(this.tools);
    this.addWidget(this.prompts);
  }
}
