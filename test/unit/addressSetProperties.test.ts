/**
 * The address-set operations, by property: union, intersect, subtract, complement and the
 * predicates against plain membership over a tiny universe of each family (plus its edges), and
 * cidrsOf read back as the same set.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  cidrsOf,
  complement,
  containsSet,
  emptySet,
  fullSet,
  hasAddress,
  intersect,
  isEmpty,
  sameSet,
  setOf,
  setOfCidrs,
  subtract,
  union,
  type AddressSet,
  type Range,
} from "../../provider/domain/addressSet";
import { parseAddress, parseCidr, type Family } from "../../provider/domain/cidr";
import { RUNS } from "./support/exposureArbitraries";
import { fail, rangeOf } from "./support/exposureBruteForce";

describe("address sets agree with plain membership", () => {
  const UNIVERSE: Record<Family, { base: bigint; top: bigint; name: string }> = {
    IPv4: { base: parseAddress("10.0.0.0")!.value, top: (1n << 32n) - 1n, name: "10.0.0.0" },
    IPv6: { base: parseAddress("2001:db8::")!.value, top: (1n << 128n) - 1n, name: "2001:db8::" },
  };
  /** A CIDR of the universe's 16 addresses as text. */
  const cidrText = (family: Family, offset: number, length: number) => {
    const bits = family === "IPv4" ? 32 : 128;
    const { base } = UNIVERSE[family];
    const size = 1 << (bits - length);
    const lo = base + BigInt(Math.floor(offset / size) * size);
    return `${family === "IPv4" ? [24, 16, 8, 0].map((s) => Number((lo >> BigInt(s)) & 255n)).join(".") : `2001:db8::${(lo - base).toString(16)}`}/${length}`;
  };
  const itemArb = (family: Family) => {
    const bits = family === "IPv4" ? 32 : 128;
    return fc.oneof(
      {
        weight: 6,
        arbitrary: fc
          .record({ offset: fc.integer({ min: 0, max: 15 }), length: fc.integer({ min: bits - 4, max: bits }) })
          .map((c) => ({ cidr: cidrText(family, c.offset, c.length) })),
      },
      {
        weight: 6,
        arbitrary: fc
          .tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 15 }))
          .map(([a, b]) => ({ range: [UNIVERSE[family].base + BigInt(Math.min(a, b)), UNIVERSE[family].base + BigInt(Math.max(a, b))] as Range })),
      },
      // Now and then the edges of the family: everything, or the top address.
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          { cidr: family === "IPv4" ? "0.0.0.0/0" : "::/0" },
          { cidr: family === "IPv4" ? "255.255.255.255/32" : "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128" },
        ),
      },
    );
  };
  type Item = { cidr: string } | { range: Range };
  const setArb = (family: Family) => fc.array(itemArb(family), { maxLength: 4 });
  const makeSet = (family: Family, items: Item[]): AddressSet =>
    setOf(family, [
      ...items.flatMap((i) => ("range" in i ? [i.range] : [])),
      ...setOfCidrs(
        family,
        items.flatMap((i) => ("cidr" in i ? [i.cidr] : [])),
      ).ranges,
    ]);
  const member = (items: Item[], a: bigint) =>
    items.some((i) => {
      const [lo, hi] = "range" in i ? i.range : [rangeOf(i.cidr).lo, rangeOf(i.cidr).hi];
      return lo <= a && a <= hi;
    });
  const normal = (s: AddressSet, family: Family) => {
    expect(s.family).toBe(family);
    s.ranges.forEach(([lo, hi], i) => {
      expect(lo <= hi && lo >= 0n && hi <= UNIVERSE[family].top).toBe(true);
      if (i > 0) expect(lo > s.ranges[i - 1]![1] + 1n).toBe(true);
    });
  };

  for (const family of ["IPv4", "IPv6"] as const) {
    it(`${family}: union, intersect, subtract, complement, containsSet, hasAddress, isEmpty, sameSet, and cidrsOf read back`, () => {
      const { base, top } = UNIVERSE[family];
      // Every address of the universe, its neighbours and the ends of the family (sets are constant in between).
      const points = [0n, base - 1n, ...Array.from({ length: 16 }, (_, i) => base + BigInt(i)), base + 16n, top - 1n, top];
      fc.assert(
        fc.property(setArb(family), setArb(family), (ia, ib) => {
          const a = makeSet(family, ia);
          const b = makeSet(family, ib);
          const ops = { union: union(a, b), intersect: intersect(a, b), subtract: subtract(a, b), complement: complement(a) };
          for (const s of [a, b, ...Object.values(ops)]) normal(s, family);
          for (const x of points) {
            const ina = member(ia, x);
            const inb = member(ib, x);
            const got = [
              hasAddress(a, x),
              hasAddress(ops.union, x),
              hasAddress(ops.intersect, x),
              hasAddress(ops.subtract, x),
              hasAddress(ops.complement, x),
            ];
            const want = [ina, ina || inb, ina && inb, ina && !inb, !ina];
            if (got.join() !== want.join()) fail(`${x}: got ${got.join()}, want ${want.join()}`);
          }
          expect(containsSet(a, b)).toBe(points.every((x) => !member(ib, x) || member(ia, x)));
          expect(isEmpty(a)).toBe(!points.some((x) => member(ia, x)));
          expect(sameSet(a, b)).toBe(points.every((x) => member(ia, x) === member(ib, x)));
          expect(sameSet(complement(ops.complement), a)).toBe(true);
          expect(sameSet(union(ops.subtract, ops.intersect), a)).toBe(true);
          const cidrs = cidrsOf(a);
          for (const c of cidrs) expect(parseCidr(c)).toMatchObject({ kind: "network", cidr: c });
          for (let i = 1; i < cidrs.length; i++) expect(rangeOf(cidrs[i]!).lo > rangeOf(cidrs[i - 1]!).hi).toBe(true);
          expect(sameSet(setOfCidrs(family, cidrs), a)).toBe(true);
          expect(sameSet(setOfCidrs(family, cidrsOf(ops.complement)), ops.complement)).toBe(true);
        }),
        { numRuns: RUNS },
      );
      expect(complement(fullSet(family))).toEqual(emptySet(family));
      expect(complement(emptySet(family))).toEqual(fullSet(family));
    });
  }
});
