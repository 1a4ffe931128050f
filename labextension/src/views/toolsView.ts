import {
  callTool,
  listTools,
  type ToolDescriptor,
  type ToolProgress,
  type ToolResult
} from '../api/tools';
import { h } from './dom';
import { SchemaForm } from './schemaForm';
import { SearchListView, type EntryLabel } from './searchListView';

/** A text block as shown: JSON indented, anything else as it is. */
function shownText(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** The text a tool result shows: its text blocks, or the JSON of the rest. */
function resultText(result: ToolResult): string {
  const parts = result.content.map(block =>
    block.type === 'text' && typeof block.text === 'string'
      ? shownText(block.text)
      : JSON.stringify(block, null, 2)
  );
  if (parts.length === 0 && result.structuredContent) {
    parts.push(JSON.stringify(result.structuredContent, null, 2));
  }
  return parts.join('\n');
}

/** The Tools tab: the tools the policy shows, a form for one, and its result. */
export class ToolsView extends SearchListView<ToolDescriptor> {
  constructor() {
    super({
      id: 'mcp-workbench-tools',
      label: 'Tools',
      placeholder: 'Filter tools',
      searchMode: 'filter'
    });
  }

  protected load(): Promise<ToolDescriptor[]> {
    return listTools();
  }

  protected key(tool: ToolDescriptor): string {
    return tool.name;
  }

  protected matches(tool: ToolDescriptor, needle: string): boolean {
    return (
      tool.name.toLowerCase().includes(needle) ||
      (tool.description ?? '').toLowerCase().includes(needle)
    );
  }

  protected describe(tool: ToolDescriptor): EntryLabel {
    return {
      text: tool.title ?? tool.name,
      title: tool.description ?? tool.name,
      attrs: { 'data-tool': tool.name }
    };
  }

  protected showDetail(tool: ToolDescriptor): void {
    this.showTool(tool);
  }

  private showTool(tool: ToolDescriptor): void {
    const form = new SchemaForm(tool.inputSchema);
    const output = h('pre', {
      className: 'jp-McpWorkbench-result',
      attrs: { 'aria-live': 'polite' }
    });
    const call = h('button', {
      className: 'jp-mod-styled jp-mod-accept',
      text: 'Call',
      on: { click: () => void this.call(tool, form, output, call) }
    });
    this.detail.replaceChildren(
      h('h3', { text: tool.name }),
      h('p', { className: 'jp-McpWorkbench-muted', text: tool.description ?? '' }),
      form.node,
      call,
      output
    );
  }

  private async call(
    tool: ToolDescriptor,
    form: SchemaForm,
    output: HTMLElement,
    button: HTMLButtonElement
  ): Promise<void> {
    button.disabled = true;
    output.classList.remove('jp-McpWorkbench-error');
    output.textContent = 'Calling…';
    const bar = h('progress', { attrs: { 'aria-label': 'Progress' } });
    const showProgress = (update: ToolProgress): void => {
      if (typeof update.total === 'number' && update.total > 0) {
        bar.max = update.total;
        bar.value = Math.min(update.progress, update.total);
      }
      const told = update.message ?? `${update.progress}`;
      output.replaceChildren(bar, document.createTextNode(` ${told}`));
    };
    try {
      const result = await callTool(tool.name, form.values(), showProgress);
      output.classList.toggle('jp-McpWorkbench-error', result.isError === true);
      output.textContent = resultText(result);
    } catch (error) {
      output.classList.add('jp-McpWorkbench-error');
      output.textContent = error instanceof Error ? error.message : String(error);
    } finally {
      button.disabled = false;
    }
  }
}
