/**
 * boxMinus, by property: the parts of a box minus others against plain membership of every point
 * of a tiny universe of families, protocols, ports and addresses.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isEmpty, setOfCidrs } from "../../provider/domain/addressSet";
import { parseAddress, type Family } from "../../provider/domain/cidr";
import { boxMinus, type Box } from "../../provider/domain/boxes";
import { RUNS } from "./support/exposureArbitraries";
import { fail, rawHas } from "./support/exposureBruteForce";

describe("boxMinus is exact", () => {
  const base = parseAddress("10.0.0.0")!.value;
  const boxArb: fc.Arbitrary<Box> = fc
    .record({
      family: fc.oneof({ weight: 5, arbitrary: fc.constant("IPv4" as const) }, { weight: 1, arbitrary: fc.constant("IPv6" as const) }),
      protocols: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const),
      ports: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const),
      cidrs: fc.subarray(["10.0.0.0/29", "10.0.0.0/30", "10.0.0.4/30", "10.0.0.6/31", "10.0.0.5/32", "10.0.0.1/32"], { minLength: 1 }),
    })
    .map((b) => ({
      family: b.family,
      protocols: b.protocols,
      ports: b.ports,
      addresses: b.family === "IPv4" ? setOfCidrs("IPv4", b.cidrs) : setOfCidrs("IPv6", ["2001:db8::/126"]),
    }));
  const holds = (b: Box, family: Family, protocol: number, port: number, address: bigint) =>
    b.family === family &&
    b.protocols[0] <= protocol &&
    protocol <= b.protocols[1] &&
    b.ports[0] <= port &&
    port <= b.ports[1] &&
    rawHas(b.addresses, address);

  it("b minus others holds exactly the points of b in none of the others, each in exactly one part", () => {
    fc.assert(
      fc.property(boxArb, fc.array(boxArb, { maxLength: 3 }), (b, others) => {
        const parts = boxMinus(b, others);
        for (const part of parts) expect(isEmpty(part.addresses)).toBe(false);
        for (const family of ["IPv4", "IPv6"] as const) {
          const addresses =
            family === "IPv4"
              ? Array.from({ length: 9 }, (_, i) => base + BigInt(i))
              : [0n, 1n, 2n, 3n, 4n].map((i) => parseAddress("2001:db8::")!.value + i);
          for (let protocol = 0; protocol <= 4; protocol++)
            for (let port = 0; port <= 4; port++)
              for (const address of addresses) {
                const expected = holds(b, family, protocol, port, address) && !others.some((o) => holds(o, family, protocol, port, address));
                const count = parts.filter((p) => holds(p, family, protocol, port, address)).length;
                if (count !== (expected ? 1 : 0)) fail(`${family} ${protocol}/${port}/${address}: in ${count} parts, expected ${expected ? 1 : 0}`);
              }
        }
      }),
      { numRuns: RUNS },
    );
  });
});
