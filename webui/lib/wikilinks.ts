/**
 * Obsidian's `[[wikilinks]]`: found in Markdown text (not in code) and resolved to a note
 * by its path or the end of its path, as the server resolves backlinks.
 */

/** The href a wikilink gets in the rendered Markdown; the link component resolves it. */
export const WIKILINK_PREFIX = "#wikilink:";

const WIKILINK = /\[\[([^\]|#]+)(?:#[^\]|]*)?(?:\|([^\]]+))?\]\]/g;

/** The part of a Markdown tree this plugin reads and writes. */
interface MdNode {
  type: string;
  value?: string;
  url?: string;
  children?: MdNode[];
}

function splitText(value: string): MdNode[] | null {
  const parts: MdNode[] = [];
  let last = 0;
  for (const match of value.matchAll(WIKILINK)) {
    const target = (match[1] ?? "").trim();
    const label = (match[2] ?? target).trim();
    if (match.index > last) parts.push({ type: "text", value: value.slice(last, match.index) });
    parts.push({
      type: "link",
      url: WIKILINK_PREFIX + encodeURIComponent(target),
      children: [{ type: "text", value: label }],
    });
    last = match.index + match[0].length;
  }
  if (parts.length === 0) return null;
  if (last < value.length) parts.push({ type: "text", value: value.slice(last) });
  return parts;
}

function walk(node: MdNode): void {
  if (!node.children || node.type === "link") return;
  node.children = node.children.flatMap((child) => {
    if (child.type === "text" && child.value) return splitText(child.value) ?? [child];
    walk(child);
    return [child];
  });
}

/** A remark plugin: `[[target]]` and `[[target|label]]` in text become links. */
export function remarkWikilinks() {
  return (tree: MdNode) => walk(tree);
}

/** The wikilink's target named by an href from `remarkWikilinks`, or null for other links. */
export function wikilinkTarget(href: string | undefined): string | null {
  if (!href?.startsWith(WIKILINK_PREFIX)) return null;
  return decodeURIComponent(href.slice(WIKILINK_PREFIX.length));
}

/** The path of the note `target` names, or null when no note has that name. */
export function resolveWikilink(target: string, paths: readonly string[]): string | null {
  const name = target.replace(/\.md$/i, "").toLowerCase();
  const stem = (path: string) => path.replace(/\.md$/i, "").toLowerCase();
  return (
    paths.find((path) => stem(path) === name) ??
    paths.find((path) => stem(path).endsWith(`/${name}`)) ??
    null
  );
}
