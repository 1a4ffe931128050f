import { IFrame, MainAreaWidget } from '@jupyterlab/apputils';

import { workbenchIcon } from './panel';

/**
 * A main-area tab showing a page of the workbench's web UI (same origin, so logged in).
 * `url` is the page's address; `id` names the tab, so a command can bring it back.
 */
export function createWebUiTab(id: string, label: string, url: string): MainAreaWidget<IFrame> {
  const frame = new IFrame({
    sandbox: [
      'allow-scripts',
      'allow-same-origin',
      'allow-forms',
      'allow-popups',
      'allow-downloads'
    ]
  });
  frame.url = url;
  const tab = new MainAreaWidget({ content: frame });
  tab.id = id;
  tab.title.label = label;
  tab.title.icon = workbenchIcon;
  tab.title.closable = true;
  return tab;
}
