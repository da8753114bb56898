/**
 * Sets of addresses of one IP family as sorted, disjoint, non-adjacent integer ranges: union,
 * difference, intersection and containment exactly, for any mix of CIDRs and single addresses.
 * Pure; CIDR text goes through cidr.ts, the one module that parses it.
 */
import { cidrRange, familyBits, rangeCidrs, type Family } from "./cidr";

/** One range of a set, both ends included. */
export type Range = readonly [lo: bigint, hi: bigint];

/** A set of addresses of one family. `ranges` are sorted, disjoint and never adjacent. */
export interface AddressSet {
  readonly family: Family;
  readonly ranges: readonly Range[];
}

/** The highest address of `family`. */
function top(family: Family): bigint {
  return (1n << BigInt(familyBits(family))) - 1n;
}

/** The set of `ranges` (any order, overlaps allowed), normalised. */
export function setOf(family: Family, ranges: readonly Range[]): AddressSet {
  const sorted = [...ranges].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Array<[bigint, bigint]> = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1n) {
      if (hi > last[1]) last[1] = hi;
    } else {
      out.push([lo, hi]);
    }
  }
  return { family, ranges: out };
}

/** No address. */
export function emptySet(family: Family): AddressSet {
  return { family, ranges: [] };
}

/** Every address of the family (0.0.0.0/0 or ::/0). */
export function fullSet(family: Family): AddressSet {
  return { family, ranges: [[0n, top(family)]] };
}

/** The addresses of canonical networks or bare addresses of one family. */
export function setOfCidrs(family: Family, cidrs: readonly string[]): AddressSet {
  return setOf(
    family,
    cidrs
      .map(cidrRange)
      .filter((r) => r.family === family)
      .map((r) => [r.lo, r.hi] as const),
  );
}

/** a ∪ b. */
export function union(a: AddressSet, b: AddressSet): AddressSet {
  return setOf(a.family, [...a.ranges, ...b.ranges]);
}

/** Every address not in `a`. */
export function complement(a: AddressSet): AddressSet {
  const out: Array<[bigint, bigint]> = [];
  let next = 0n;
  for (const [lo, hi] of a.ranges) {
    if (lo > next) out.push([next, lo - 1n]);
    next = hi + 1n;
  }
  if (next <= top(a.family)) out.push([next, top(a.family)]);
  return { family: a.family, ranges: out };
}

/** a ∩ b. */
export function intersect(a: AddressSet, b: AddressSet): AddressSet {
  const out: Array<[bigint, bigint]> = [];
  let i = 0;
  let j = 0;
  while (i < a.ranges.length && j < b.ranges.length) {
    const [alo, ahi] = a.ranges[i]!;
    const [blo, bhi] = b.ranges[j]!;
    const lo = alo > blo ? alo : blo;
    const hi = ahi < bhi ? ahi : bhi;
    if (lo <= hi) out.push([lo, hi]);
    if (ahi < bhi) i++;
    else j++;
  }
  return { family: a.family, ranges: out };
}

/** a ∖ b. */
export function subtract(a: AddressSet, b: AddressSet): AddressSet {
  return intersect(a, complement(b));
}

/** True when the set holds no address. */
export function isEmpty(a: AddressSet): boolean {
  return a.ranges.length === 0;
}

/** True when every address of `b` is in `a`. */
export function containsSet(a: AddressSet, b: AddressSet): boolean {
  return isEmpty(subtract(b, a));
}

/** True when `value` is in the set (binary search: a remote group of many members is one range per member). */
export function hasAddress(a: AddressSet, value: bigint): boolean {
  let lo = 0;
  let hi = a.ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [from, to] = a.ranges[mid]!;
    if (value < from) hi = mid - 1;
    else if (value > to) lo = mid + 1;
    else return true;
  }
  return false;
}

/** True when the two sets hold the same addresses. */
export function sameSet(a: AddressSet, b: AddressSet): boolean {
  return (
    a.family === b.family && a.ranges.length === b.ranges.length && a.ranges.every((r, i) => r[0] === b.ranges[i]![0] && r[1] === b.ranges[i]![1])
  );
}

/** The fewest CIDRs that cover exactly the set, in address order (`/32` and `/128` for single addresses). */
export function cidrsOf(a: AddressSet): string[] {
  return a.ranges.flatMap(([lo, hi]) => rangeCidrs(a.family, lo, hi));
}

/**
 * Networks that are not the public internet (RFC 6890 special-purpose: private, shared, loopback,
 * link-local, documentation, benchmarking, multicast, reserved; for IPv6 everything outside
 * 2000::/3, and the documentation prefix 2001:db8::/32).
 */
const SPECIAL: Record<Family, string[]> = {
  IPv4: [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
  ],
  IPv6: ["::/3", "4000::/2", "8000::/1", "2001:db8::/32"],
};

const PUBLIC = new Map<Family, AddressSet>();

/** The public internet of `family`: every address outside the special-purpose networks (computed once). */
export function publicSpace(family: Family): AddressSet {
  let space = PUBLIC.get(family);
  if (!space) {
    space = subtract(fullSet(family), setOfCidrs(family, SPECIAL[family]));
    PUBLIC.set(family, space);
  }
  return space;
}

/** What a set is to the internet, remembered per set object (sets are never changed once made). */
const INTERNET = new WeakMap<AddressSet, { covers: boolean; touches: boolean }>();

function internetOf(a: AddressSet): { covers: boolean; touches: boolean } {
  let known = INTERNET.get(a);
  if (!known) {
    const space = publicSpace(a.family);
    known = { covers: containsSet(a, space), touches: !isEmpty(intersect(a, space)) };
    INTERNET.set(a, known);
  }
  return known;
}

/** True when the set holds the whole public internet of its family. */
export function coversInternet(a: AddressSet): boolean {
  return internetOf(a).covers;
}

/** True when the set holds some public address. */
export function touchesInternet(a: AddressSet): boolean {
  return internetOf(a).touches;
}

/**
 * The set as a reader wants it: `0.0.0.0/0`, up to `max` networks, `0.0.0.0/0 except …` when
 * that is shorter, or the first networks and how many more.
 */
export function describeSet(a: AddressSet, max = 6): string {
  if (isEmpty(a)) return "no address";
  const cidrs = cidrsOf(a);
  if (cidrs.length <= max) return cidrs.join(", ");
  const missing = cidrsOf(complement(a));
  const any = a.family === "IPv4" ? "0.0.0.0/0" : "::/0";
  if (missing.length <= max) return `${any} except ${missing.join(", ")}`;
  return `${cidrs.slice(0, max).join(", ")} and ${cidrs.length - max} more networks`;
}
