/** Small helpers the resource providers share. */
import { createHash } from "node:crypto";
import { UNKNOWN } from "../domain/unknown";

/** The inputs without the serialized provider the engine adds. */
export function stripProvider(props: Record<string, unknown>): Record<string, unknown> {
  const { __provider: _ignored, ...rest } = props;
  return rest;
}

/** Some of the fields `K` of an object, of any value: what a diff compares (recorded outputs, checked inputs). */
export type Fields<K extends PropertyKey> = { readonly [P in K]?: unknown };

/** The fields among `fields` whose value differs between old outputs and new inputs (unknown counts as changed). */
export function changedFields<K extends string>(fields: readonly K[], olds: Fields<K>, news: Fields<K>): K[] {
  return fields.filter((f) => news[f] === UNKNOWN || JSON.stringify(olds[f]) !== JSON.stringify(news[f]));
}

/** JSON with object keys sorted at every level, so equal values give equal text. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * The client token of one create request: the resource's URN (`managedBy`, which the SDK sets)
 * and a digest of its checked inputs. Pulumi retries a create whose result it did not record
 * (the provider was killed after the backend committed) with the same URN and inputs, so the
 * retry finds the object the first attempt made; a replacement has different inputs, so it never
 * mistakes the object it replaces for its own. Undefined without `managedBy` (no idempotency).
 */
export function clientToken(managedBy: unknown, inputs: Record<string, unknown>): string | undefined {
  if (typeof managedBy !== "string" || managedBy === "") return undefined;
  const { __provider: _p, managedBy: _m, ...rest } = inputs;
  return `${managedBy}#${digestOf(rest)}`;
}

/** A short digest of a value (32 hex digits of SHA-256 over its stable JSON). */
export function digestOf(value: unknown): string {
  return createHash("sha256").update(stableJson(value)).digest("hex").slice(0, 32);
}
