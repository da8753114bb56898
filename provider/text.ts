/**
 * Untrusted text: names, descriptions and tags are written by whoever writes the program (in a pull
 * request, its author), and values in errors are whatever a program passed. This module is the one
 * place that turns such text into output, one function per output kind:
 *
 * - `visibleText`: for a terminal (and every error message): control characters (C0, DEL, C1),
 *   line and paragraph separators and the invisible formatting characters (bidi overrides and
 *   isolates, zero-width characters, BOM) are shown escaped (`\x1b`, `\n`, `\u202e`), so no name
 *   can clear a screen, recolour output, start a line of its own or reorder what is shown.
 * - `markdownText`: for Markdown that a code host renders (a PR comment): `visibleText`, then every
 *   character Markdown or the host's HTML subset would interpret is backslash-escaped, and `@`, `#`,
 *   `://` and `www.` are broken with a zero-width space so that no mention, issue reference or
 *   autolink comes from a name. The result is one line of inert text, whatever the input.
 * - `htmlText`: for HTML text and attribute values.
 * - `showValue`: a value echoed in an error (a value unknown at preview in words): JSON, bounded to its first SHOWN_CHARACTERS
 *   characters, then `… (N characters)`, with `visibleText`'s escapes.
 *
 * JSON output needs none of this: JSON escaping is the consumer's contract.
 */
import { UNKNOWN } from "./domain/unknown";

/** How many characters of a value an error message shows. */
export const SHOWN_CHARACTERS = 64;

/** Characters never written as they are: C0, DEL, C1, soft hyphen, separators, bidi and zero-width controls, BOM. */
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/gu;

const NAMED_ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** The escape shown for one invisible character: `\n`, `\x1b`, `\u202e`. */
function escapeOf(ch: string): string {
  const named = NAMED_ESCAPES[ch];
  if (named) return named;
  const code = ch.codePointAt(0)!;
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** `text` with every control or invisible formatting character shown escaped (one line, nothing hidden). */
export function visibleText(text: string): string {
  return text.replace(INVISIBLE, escapeOf);
}

/** ASCII punctuation that Markdown (CommonMark and GFM: emphasis, code, links, images, HTML, entities, tables, strikethrough, headings) interprets. */
const MARKDOWN_SPECIAL = /[\\`*_[\]<>|#!&~]/g;

/** Zero-width space, written as an entity so the Markdown source shows it. */
const BREAK = "&#8203;";

/**
 * `text` as inert Markdown inline text (also inside a table cell): it renders as the characters of
 * `visibleText(text)` and nothing else — no HTML, link, image, emphasis, mention, reference or
 * extra cell.
 */
export function markdownText(text: string): string {
  return visibleText(text)
    .replace(MARKDOWN_SPECIAL, (c) => `\\${c}`)
    .replace(/@/g, `@${BREAK}`)
    .replace(/\\#/g, `\\#${BREAK}`)
    .replace(/:\/\//g, `:${BREAK}//`)
    .replace(/\b(www)\./gi, `$1${BREAK}.`);
}

/** `text` escaped for HTML text and (double- or single-quoted) attribute values. */
export function htmlText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** `text` cut to its first `max` characters (whole code points); whether it was cut, and its length. */
function bounded(text: string, max: number): { shown: string; cut: boolean; length: number } {
  const chars = Array.from(text);
  if (chars.length <= max) return { shown: text, cut: false, length: chars.length };
  return { shown: chars.slice(0, max).join(""), cut: true, length: chars.length };
}

/**
 * A value as an error message shows it: a string in JSON quotes, anything else as JSON; at most
 * SHOWN_CHARACTERS characters of it, then `…` and how long it was; control and invisible
 * characters escaped.
 */
export function showValue(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === UNKNOWN) return "a value known only after apply";
  if (typeof value === "string") {
    const b = bounded(value, SHOWN_CHARACTERS);
    const quoted = JSON.stringify(b.shown);
    return visibleText(b.cut ? `${quoted.slice(0, -1)}…" (${b.length} characters)` : quoted);
  }
  let json: string;
  try {
    json = JSON.stringify(value) ?? String(value);
  } catch {
    json = String(value);
  }
  const b = bounded(json, SHOWN_CHARACTERS);
  return visibleText(b.cut ? `${b.shown}… (${b.length} characters of JSON)` : json);
}
