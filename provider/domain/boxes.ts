/**
 * Boxes of traffic: one family, a protocol range, a port range (as in exposure.ts) and a set of
 * remote addresses; exact differences of boxes, for what a change opens and for what the whole
 * internet may send a port. Pure.
 */
import { intersect, isEmpty, subtract, type AddressSet } from "./addressSet";
import type { Family } from "./cidr";

/** A box of traffic with its addresses (the shape of a piece without its attribution). */
export interface Box {
  family: Family;
  protocols: readonly [number, number];
  ports: readonly [number, number];
  addresses: AddressSet;
}

/** b ∖ o as disjoint boxes (exact). */
export function subtractBox(b: Box, o: Box): Box[] {
  if (b.family !== o.family) return [b];
  const p0 = Math.max(b.protocols[0], o.protocols[0]);
  const p1 = Math.min(b.protocols[1], o.protocols[1]);
  const q0 = Math.max(b.ports[0], o.ports[0]);
  const q1 = Math.min(b.ports[1], o.ports[1]);
  if (p0 > p1 || q0 > q1 || isEmpty(intersect(b.addresses, o.addresses))) return [b];
  const out: Box[] = [];
  if (b.protocols[0] < p0) out.push({ ...b, protocols: [b.protocols[0], p0 - 1] });
  if (b.protocols[1] > p1) out.push({ ...b, protocols: [p1 + 1, b.protocols[1]] });
  if (b.ports[0] < q0) out.push({ ...b, protocols: [p0, p1], ports: [b.ports[0], q0 - 1] });
  if (b.ports[1] > q1) out.push({ ...b, protocols: [p0, p1], ports: [q1 + 1, b.ports[1]] });
  const rest = subtract(b.addresses, o.addresses);
  if (!isEmpty(rest)) out.push({ family: b.family, protocols: [p0, p1], ports: [q0, q1], addresses: rest });
  return out;
}

/** The parts of `b` that no box of `others` covers. */
export function boxMinus(b: Box, others: readonly Box[]): Box[] {
  let parts: Box[] = [b];
  for (const o of others) parts = parts.flatMap((p) => subtractBox(p, o));
  return parts.filter((p) => !isEmpty(p.addresses));
}
