/** Small helpers the resource providers share. */
import { UNKNOWN } from "../domain/unknown";

/** The inputs without the serialized provider the engine adds. */
export function stripProvider(props: Record<string, unknown>): Record<string, unknown> {
  const { __provider: _ignored, ...rest } = props;
  return rest;
}

/** The fields among `fields` whose value differs between old outputs and new inputs (unknown counts as changed). */
export function changedFields(fields: readonly string[], olds: Record<string, unknown>, news: Record<string, unknown>): string[] {
  return fields.filter((f) => news[f] === UNKNOWN || JSON.stringify(olds[f]) !== JSON.stringify(news[f]));
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
