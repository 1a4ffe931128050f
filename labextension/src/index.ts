import {
  ILabShell,
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, type MainAreaWidget, type IFrame } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { workbenchUrl } from './api/client';
import { EventStream } from './api/events';
import { noteWebUrl } from './api/notes';
import { insertIntoActiveCell } from './notebook';
import { WorkbenchPanel, type TabName } from './panel';
import { DEFAULT_DONE_LANES } from './tasks';
import { type LinkStyle } from './views/knowledgeView';
import { createWebUiTab } from './webTab';

const PLUGIN_ID = 'mcp-workbench-jupyterlab:plugin';

/** The palette's commands. */
export const CommandIds = {
  openPanel: 'mcp-workbench:open-panel',
  openBoard: 'mcp-workbench:open-board',
  openNote: 'mcp-workbench:open-note',
  showTools: 'mcp-workbench:show-tools',
  showPrompts: 'mcp-workbench:show-prompts',
  showKnowledge: 'mcp-workbench:show-knowledge',
  showTasks: 'mcp-workbench:show-tasks',
  refresh: 'mcp-workbench:refresh'
} as const;

/** The panel's settings (schema/plugin.json), with their defaults until loaded. */
interface Settings {
  openOnStart: boolean;
  liveUpdates: boolean;
  noteLinkStyle: LinkStyle;
  mentionNames: string[];
  doneLanes: string[];
}

const DEFAULTS: Settings = {
  openOnStart: false,
  liveUpdates: true,
  noteLinkStyle: 'wikilink',
  mentionNames: [],
  doneLanes: DEFAULT_DONE_LANES
};

function readSettings(loaded: ISettingRegistry.ISettings): Settings {
  const composite = loaded.composite as Partial<Settings>;
  return { ...DEFAULTS, ...composite };
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'MCP Workbench side panel: tools, prompts, knowledge, tasks and the kanban board.',
  autoStart: true,
  requires: [ILabShell, INotebookTracker],
  optional: [ICommandPalette, ILayoutRestorer, ISettingRegistry, IRenderMimeRegistry],
  activate: (
    app: JupyterFrontEnd,
    shell: ILabShell,
    notebooks: INotebookTracker,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    rendermime: IRenderMimeRegistry | null
  ) => {
    let settings = DEFAULTS;
    const tabs = new Map<string, MainAreaWidget<IFrame>>();
    /** Show a page of the web UI in a main-area tab, reusing the tab already open for it. */
    const openWebUi = (key: string, label: string, url: string): void => {
      let tab = tabs.get(key);
      if (!tab || tab.isDisposed) {
        tab = createWebUiTab(`mcp-workbench-${key}`, label, url);
        tabs.set(key, tab);
        shell.add(tab, 'main');
      } else if (tab.content.url !== url) {
        tab.content.url = url;
      }
      shell.activateById(tab.id);
    };

    // One events socket for every tab; it starts once the settings say whether to.
    const stream = new EventStream();
    const panel = new WorkbenchPanel(
      {
        insert: text => insertIntoActiveCell(notebooks, text),
        openInWebUi: path => void app.commands.execute(CommandIds.openNote, { path }),
        rendermime,
        linkStyle: () => settings.noteLinkStyle,
        openBoard: board => void app.commands.execute(CommandIds.openBoard, board ? { board } : {}),
        mentionNames: () => settings.mentionNames,
        doneLanes: () => settings.doneLanes
      },
      stream
    );
    shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, panel.id);

    app.commands.addCommand(CommandIds.openPanel, {
      label: 'MCP Workbench: Open panel',
      caption: 'Show the MCP Workbench side panel',
      execute: () => shell.activateById(panel.id)
    });
    app.commands.addCommand(CommandIds.openBoard, {
      label: 'MCP Workbench: Open the kanban board',
      caption: 'Open the kanban board (all boards, or the one given) in a main-area tab',
      execute: args => {
        const board = typeof args.board === 'string' ? args.board : '';
        const page = board ? `board/?id=${encodeURIComponent(board)}` : 'boards/';
        openWebUi('board', 'Kanban board', workbenchUrl(`mcp-workbench/ui/${page}`));
      }
    });
    app.commands.addCommand(CommandIds.openNote, {
      label: args => (args.path ? `Open note ${String(args.path)}` : 'MCP Workbench: Open a note'),
      caption: 'Open a knowledge note of the web UI in a main-area tab',
      execute: args => {
        const path = typeof args.path === 'string' ? args.path : '';
        if (!path) {
          return showTab('knowledge');
        }
        const name = path.split('/').pop() ?? path;
        // A tab's id is an element id: the path's characters are spelled out safely.
        openWebUi(`note-${encodeURIComponent(path).replace(/%/g, '_')}`, name, noteWebUrl(path));
      }
    });

    const showTab = (name: TabName): void => {
      panel.showTab(name);
      shell.activateById(panel.id);
    };
    const tabCommands: [string, TabName, string][] = [
      [CommandIds.showTools, 'tools', 'Tools'],
      [CommandIds.showPrompts, 'prompts', 'Prompts'],
      [CommandIds.showKnowledge, 'knowledge', 'Knowledge'],
      [CommandIds.showTasks, 'tasks', 'Tasks']
    ];
    for (const [id, name, label] of tabCommands) {
      app.commands.addCommand(id, {
        label: `MCP Workbench: Show ${label}`,
        caption: `Show the ${label} tab of the MCP Workbench panel`,
        execute: () => showTab(name)
      });
    }
    app.commands.addCommand(CommandIds.refresh, {
      label: 'MCP Workbench: Refresh the panel',
      execute: () => panel.refresh()
    });
    for (const command of Object.values(CommandIds)) {
      if (command !== CommandIds.openNote) {
        palette?.addItem({ command, category: 'MCP Workbench' });
      }
    }

    const applySettings = (): void => {
      if (settings.liveUpdates) {
        stream.start();
      } else {
        stream.stop();
      }
      panel.tasks.scheduleRefresh();
    };
    if (settingRegistry) {
      void Promise.all([settingRegistry.load(PLUGIN_ID), app.restored]).then(
        ([loaded]) => {
          settings = readSettings(loaded);
          loaded.changed.connect(() => {
            settings = readSettings(loaded);
            applySettings();
          });
          applySettings();
          if (settings.openOnStart) {
            shell.activateById(panel.id);
          }
        },
        () => applySettings()
      );
    } else {
      void app.restored.then(applySettings);
    }
  }
};

export default plugin;
