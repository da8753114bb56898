/**
 * What the human-readable formats (table, md, html) read: the backend's records with every string
 * shown visibly (`visibleText`: control, bidi and zero-width characters escaped), so a name or
 * description can hold no escape sequence, line break or reordering by the time any command
 * composes it into output. `--format json` reads the records as they are (JSON escaping is the
 * consumer's contract). Ids, addresses and timestamps hold no such characters and stay the same.
 */
import type { StateBackend } from "../backends/types";
import { visibleText } from "../text";

/** `value` with every string in it (at any depth of arrays and plain objects) passed through `visibleText`. */
export function visibleDeep<T>(value: T): T {
  if (typeof value === "string") return visibleText(value) as T;
  if (Array.isArray(value)) return value.map(visibleDeep) as T;
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, visibleDeep(v)])) as T;
  }
  return value;
}

/** `backend` with the results of every method passed through `visibleDeep`. */
export function displayBackend(backend: StateBackend): StateBackend {
  return new Proxy(backend, {
    get(target, prop, receiver) {
      const member = Reflect.get(target, prop, receiver) as unknown;
      if (typeof member !== "function" || prop === "close") return member;
      return async (...args: unknown[]) => visibleDeep(await (member as (...a: unknown[]) => Promise<unknown>).apply(target, args));
    },
  });
}

/** Text for a terminal: each line through `visibleText`, the line breaks the command drew kept. */
export function terminalLines(text: string): string {
  return text.split("\n").map(visibleText).join("\n");
}
