import { requestApi } from './client';

/** A named value a prompt's template takes as `{{name}}`. */
export interface PromptArgument {
  name: string;
  description: string;
  required: boolean;
}

/** A stored prompt: its newest version and where its labels point. */
export interface PromptInfo {
  name: string;
  latest: number;
  description: string;
  labels: Record<string, number>;
  arguments: PromptArgument[];
}

/** One message of a rendered prompt. */
export interface PromptMessage {
  role: 'user' | 'assistant';
  text: string;
}

/** A prompt version filled in with arguments. */
export interface RenderedPrompt {
  name: string;
  version: number;
  messages: PromptMessage[];
}

/** The stored prompts the user may list. */
export function listPrompts(): Promise<PromptInfo[]> {
  return requestApi<PromptInfo[]>('prompts');
}

/** Fill a prompt's newest version (or the labelled one) with arguments. */
export function renderPrompt(
  name: string,
  args: Record<string, string>,
  label?: string
): Promise<RenderedPrompt> {
  return requestApi<RenderedPrompt>(`prompts/${encodeURIComponent(name)}/render`, {
    method: 'POST',
    body: label ? { arguments: args, label } : { arguments: args }
  });
}

/** A rendered prompt as one text: its messages' texts, a blank line apart. */
export function renderedText(rendered: RenderedPrompt): string {
  return rendered.messages.map(message => message.text).join('\n\n');
}
