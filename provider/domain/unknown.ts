/** The value the engine sends for an input that is not known yet during a preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True if `v` is, or contains, a value unknown at preview time. */
export function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v && typeof v === "object") return Object.values(v).some(containsUnknown);
  return false;
}

/**
 * A copy of `inputs` without the properties whose value is (or contains) an unknown, so that
 * validation skips them instead of reporting them as invalid.
 */
export function withoutUnknowns(inputs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inputs)) if (!containsUnknown(v)) out[k] = v;
  return out;
}
