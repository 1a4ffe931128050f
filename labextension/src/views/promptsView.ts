import { Clipboard } from '@jupyterlab/apputils';

import { type InsertText } from '../notebook';
import { listPrompts, renderPrompt, renderedText, type PromptInfo } from '../api/prompts';
import { h } from './dom';
import { fieldName } from './schemaForm';
import { SearchListView, type EntryLabel } from './searchListView';

/** The Prompts tab: search the stored prompts, render one, insert or copy the text. */
export class PromptsView extends SearchListView<PromptInfo> {
  constructor(private readonly insert: InsertText) {
    super({
      id: 'mcp-workbench-prompts',
      label: 'Prompts',
      placeholder: 'Search prompts',
      searchMode: 'filter'
    });
  }

  protected load(): Promise<PromptInfo[]> {
    return listPrompts();
  }

  protected key(prompt: PromptInfo): string {
    return prompt.name;
  }

  protected matches(prompt: PromptInfo, needle: string): boolean {
    return (
      prompt.name.toLowerCase().includes(needle) ||
      prompt.description.toLowerCase().includes(needle)
    );
  }

  protected describe(prompt: PromptInfo): EntryLabel {
    return { text: prompt.name, title: prompt.description, attrs: { 'data-prompt': prompt.name } };
  }

  protected showDetail(prompt: PromptInfo): void {
    this.showPrompt(prompt);
  }

  private showPrompt(prompt: PromptInfo): void {
    const inputs = prompt.arguments.map(argument => {
      const input = h('input', {
        attrs: { type: 'text', name: argument.name, 'aria-label': argument.name }
      });
      return { argument, input };
    });
    const labels = Object.keys(prompt.labels).sort();
    const label = h('select', { attrs: { 'aria-label': 'Label' } }, [
      h('option', { text: `newest (v${prompt.latest})`, attrs: { value: '' } }),
      ...labels.map(name =>
        h('option', { text: `${name} (v${prompt.labels[name]})`, attrs: { value: name } })
      )
    ]);
    const output = h('pre', {
      className: 'jp-McpWorkbench-result',
      attrs: { 'aria-live': 'polite' }
    });
    const status = h('p', { className: 'jp-McpWorkbench-muted' });
    const insert = h('button', {
      className: 'jp-mod-styled',
      text: 'Insert into cell',
      attrs: { disabled: '' },
      on: {
        click: () => {
          status.textContent = this.insert(output.textContent ?? '')
            ? 'Inserted into the active cell.'
            : 'No active notebook cell.';
        }
      }
    });
    const copy = h('button', {
      className: 'jp-mod-styled',
      text: 'Copy',
      attrs: { disabled: '' },
      on: {
        click: () => {
          Clipboard.copyToSystem(output.textContent ?? '');
          status.textContent = 'Copied.';
        }
      }
    });
    const render = async (): Promise<void> => {
      const values: Record<string, string> = {};
      for (const { argument, input } of inputs) {
        values[argument.name] = input.value;
      }
      status.textContent = '';
      output.classList.remove('jp-McpWorkbench-error');
      try {
        output.textContent = renderedText(await renderPrompt(prompt.name, values, label.value));
        insert.disabled = copy.disabled = false;
      } catch (error) {
        output.classList.add('jp-McpWorkbench-error');
        output.textContent = error instanceof Error ? error.message : String(error);
        insert.disabled = copy.disabled = true;
      }
    };
    this.detail.replaceChildren(
      h('h3', { text: prompt.name }),
      h('p', { className: 'jp-McpWorkbench-muted', text: prompt.description }),
      h(
        'div',
        { className: 'jp-McpWorkbench-form' },
        inputs.map(({ argument, input }) =>
          h('label', { className: 'jp-McpWorkbench-field' }, [
            fieldName(argument.name, argument.required),
            input,
            argument.description ? h('small', { text: argument.description }) : ''
          ])
        )
      ),
      h('label', { className: 'jp-McpWorkbench-field' }, [
        h('span', { className: 'jp-McpWorkbench-fieldName', text: 'Version' }),
        label
      ]),
      h('div', { className: 'jp-McpWorkbench-actions' }, [
        h('button', {
          className: 'jp-mod-styled jp-mod-accept',
          text: 'Render',
          on: { click: () => void render() }
        }),
        insert,
        copy
      ]),
      output,
      status
    );
  }
}
