import { IFrame, MainAreaWidget } from '@jupyterlab/apputils';

import { workbenchUrl } from './api/client';
import { workbenchIcon } from './panel';

/** A main-area tab showing the workbench's kanban board UI (same origin, so logged in). */
export function createBoardTab(): MainAreaWidget<IFrame> {
  const frame = new IFrame({
    sandbox: [
      'allow-scripts',
      'allow-same-origin',
      'allow-forms',
      'allow-popups',
      'allow-downloads'
    ]
  });
  frame.url = workbenchUrl('mcp-workbench/ui/boards/');
  const tab = new MainAreaWidget({ content: frame });
  tab.id = 'mcp-workbench-board';
  tab.title.label = 'Kanban board';
  tab.title.icon = workbenchIcon;
  tab.title.closable = true;
  return tab;
}
