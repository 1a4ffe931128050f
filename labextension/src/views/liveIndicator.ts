import { Widget } from '@lumino/widgets';

import { type LiveState } from '../api/events';
import { h } from './dom';

/** What the indicator says in each state; live (and the first connect) say nothing. */
const MESSAGES: Record<LiveState, string> = {
  connecting: '',
  live: '',
  paused: 'Live updates paused',
  off: 'Live updates off'
};

/** A line under the tabs while changes made elsewhere do not show up by themselves. */
export class LiveIndicator extends Widget {
  private readonly text = h('span', { className: 'jp-McpWorkbench-liveText' });
  private readonly action = h('button', { className: 'jp-mod-styled jp-McpWorkbench-small' });

  constructor(actions: { reconnect(): void; refresh(): void }) {
    super();
    this.addClass('jp-McpWorkbench-live');
    this.node.setAttribute('role', 'status');
    this.node.append(this.text, this.action);
    this.action.addEventListener('click', () => {
      if (this.node.dataset.state === 'paused') {
        actions.reconnect();
      } else {
        actions.refresh();
      }
    });
    this.showState('connecting');
  }

  /** Show the stream's state. */
  showState(state: LiveState): void {
    this.node.dataset.state = state;
    this.text.textContent = MESSAGES[state];
    this.node.title =
      state === 'paused'
        ? 'The connection to the server is down: reconnecting. Changes made meanwhile show up once it is back.'
        : state === 'off'
          ? 'Live updates are turned off in the settings: refresh to see changes.'
          : '';
    this.action.textContent = state === 'paused' ? 'Retry now' : 'Refresh';
    this.setHidden(!MESSAGES[state]);
  }
}
