/**
 * How the Markdown editor writes text back: as CommonMark, except that the workbench's own
 * syntax stays as typed. `[[wikilinks]]` would otherwise be escaped (`\[\[Note]]`), which
 * would turn every link in a note into plain text the first time it is edited.
 */

/** The parts of mdast-util-to-markdown's state and context the text handler needs. */
interface SerialiserState {
  safe(value: string, info: SafeInfo): string;
}

interface SafeInfo {
  before: string;
  after: string;
}

const WIKILINK = /\[\[[^\]\n]+\]\]/g;

/** `text` escaped for Markdown as usual, with `[[wikilinks]]` left as they are. */
export function writeText(
  node: { value: string },
  _parent: unknown,
  state: SerialiserState,
  info: SafeInfo,
): string {
  const { value } = node;
  const parts: string[] = [];
  let done = 0;
  for (const link of value.matchAll(WIKILINK)) {
    // Each piece between links is escaped as text next to "[" and "]", not the node's ends.
    const before = done === 0 ? info.before : "]";
    parts.push(state.safe(value.slice(done, link.index), { ...info, before, after: "[" }));
    parts.push(link[0]);
    done = link.index + link[0].length;
  }
  if (done === 0) return state.safe(value, info);
  parts.push(state.safe(value.slice(done), { ...info, before: "]" }));
  return parts.join("");
}

/** The editor's Markdown as it is stored: no trailing blank lines. */
export function storedMarkdown(markdown: string): string {
  return markdown.replace(/\s+$/, "");
}
