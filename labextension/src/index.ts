import {
  ILabShell,
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, type MainAreaWidget, type IFrame } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { createBoardTab } from './board';
import { insertIntoActiveCell } from './notebook';
import { WorkbenchPanel } from './panel';

const PLUGIN_ID = 'mcp-workbench-jupyterlab:plugin';

/** The palette's commands. */
export const CommandIds = {
  openPanel: 'mcp-workbench:open-panel',
  openBoard: 'mcp-workbench:open-board',
  refresh: 'mcp-workbench:refresh'
} as const;

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'MCP Workbench side panel: tools, prompts and the kanban board.',
  autoStart: true,
  requires: [ILabShell, INotebookTracker],
  optional: [ICommandPalette, ILayoutRestorer, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    shell: ILabShell,
    notebooks: INotebookTracker,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settings: ISettingRegistry | null
  ) => {
    const panel = new WorkbenchPanel(text => insertIntoActiveCell(notebooks, text));
    shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, panel.id);

    let board: MainAreaWidget<IFrame> | null = null;
    app.commands.addCommand(CommandIds.openPanel, {
      label: 'MCP Workbench: Open panel',
      caption: 'Show the MCP Workbench side panel',
      execute: () => shell.activateById(panel.id)
    });
    app.commands.addCommand(CommandIds.openBoard, {
      label: 'MCP Workbench: Open the kanban board',
      caption: 'Open the kanban board in a main-area tab',
      execute: () => {
        if (!board || board.isDisposed) {
          board = createBoardTab();
          shell.add(board, 'main');
        }
        shell.activateById(board.id);
      }
    });
    app.commands.addCommand(CommandIds.refresh, {
      label: 'MCP Workbench: Refresh the panel',
      execute: () => Promise.all([panel.tools.refresh(), panel.prompts.refresh()])
    });
    for (const command of Object.values(CommandIds)) {
      palette?.addItem({ command, category: 'MCP Workbench' });
    }

    if (settings) {
      void Promise.all([settings.load(PLUGIN_ID), app.restored]).then(([loaded]) => {
        if (loaded.get('openOnStart').composite === true) {
          shell.activateById(panel.id);
        }
      });
    }
  }
};

export default plugin;
