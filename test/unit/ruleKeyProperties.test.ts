/** ruleKey, by property: two valid rules have the same key exactly when Neutron calls them duplicates, worked out here from the raw inputs. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkRule, ruleKey, type CanonicalRule, type RuleInput } from "../../provider/domain/rules";
import { PROFILE_NAMES } from "./support/ruleProfiles";
import { compact, PROFILE_LIST } from "./support/ruleInputArbitraries";

// ---------------------------------------------------------------------------------------------
// (b) equal keys exactly when Neutron calls two rules duplicates

/** IANA numbers of protocol names (independent of provider/domain/protocols.ts). */
const IANA: Record<string, number> = {
  hopopt: 0,
  ip: 0,
  icmp: 1,
  tcp: 6,
  udp: 17,
  gre: 47,
  "ipv6-icmp": 58,
  icmpv6: 58,
  sctp: 132,
  dccp: 33,
  udplite: 136,
};
/** The small CIDR space used below: each spelling → [family, network]. */
const CIDRS: Record<string, ["IPv4" | "IPv6", string]> = {
  "0.0.0.0/0": ["IPv4", "any"],
  "::/0": ["IPv6", "any"],
  "10.0.0.1": ["IPv4", "10.0.0.1/32"],
  "10.0.0.1/32": ["IPv4", "10.0.0.1/32"],
  "10.0.0.0/24": ["IPv4", "10.0.0.0/24"],
  "2001:db8::1": ["IPv6", "2001:db8::1/128"],
  "2001:DB8:0::1/128": ["IPv6", "2001:db8::1/128"],
};

interface SmallInput {
  securityGroupId: string;
  direction?: string;
  ethertype?: string;
  protocol?: string | number;
  portRangeMin?: number;
  portRangeMax?: number;
  remoteIpPrefix?: string;
  remoteGroupId?: string;
  description?: string;
}

/** What Neutron compares, worked out from the raw input. */
function neutronIdentity(r: SmallInput): string {
  const family = r.remoteIpPrefix !== undefined ? CIDRS[r.remoteIpPrefix]![0] : undefined;
  const ethertype = r.ethertype ?? family ?? "IPv4";
  let proto: number | "any";
  if (r.protocol === undefined || (typeof r.protocol === "string" && ["any", "all"].includes(r.protocol.toLowerCase()))) proto = "any";
  else if (typeof r.protocol === "number") proto = r.protocol;
  else if (/^\d+$/.test(r.protocol)) proto = Number(r.protocol);
  else proto = IANA[r.protocol.toLowerCase()]!;
  if (ethertype === "IPv6" && proto === 1) proto = 58;
  let ports = [r.portRangeMin ?? null, r.portRangeMax ?? null];
  // Neutron drops 1-65535 (every port) before validating, whatever the protocol.
  if (ports[0] === 1 && ports[1] === 65535) ports = [null, null];
  let remote = "none";
  if (r.remoteIpPrefix !== undefined && CIDRS[r.remoteIpPrefix]![1] !== "any") remote = `cidr ${CIDRS[r.remoteIpPrefix]![1]}`;
  if (r.remoteGroupId !== undefined) remote = `group ${r.remoteGroupId}`;
  return JSON.stringify([r.securityGroupId, r.direction ?? "ingress", ethertype, proto, ports, remote]);
}

function isDuplicate(a: SmallInput, b: SmallInput): boolean {
  return neutronIdentity(a) === neutronIdentity(b);
}

const smallInputArb: fc.Arbitrary<SmallInput> = fc
  .record({
    securityGroupId: fc.constantFrom("sg-a", "sg-b"),
    direction: fc.constantFrom(undefined, "ingress", "egress"),
    ethertype: fc.constantFrom(undefined, undefined, "IPv4", "IPv6"),
    protocol: fc.constantFrom<string | number | undefined>(
      undefined,
      "any",
      "ALL",
      "tcp",
      "TCP",
      6,
      "6",
      "udp",
      17,
      "icmp",
      1,
      "ipv6-icmp",
      "icmpv6",
      58,
      "gre",
      47,
      "200",
      200,
      "ip",
      0,
      "hopopt",
    ),
    ports: fc.constantFrom<[number | undefined, number | undefined]>([undefined, undefined], [22, 22], [1, 65535], [80, 80], [8, 0], [8, undefined]),
    remote: fc.constantFrom<[string, string] | undefined>(
      undefined,
      ["ip", "0.0.0.0/0"],
      ["ip", "::/0"],
      ["ip", "10.0.0.1"],
      ["ip", "10.0.0.1/32"],
      ["ip", "10.0.0.0/24"],
      ["ip", "2001:db8::1"],
      ["ip", "2001:DB8:0::1/128"],
      ["group", "g1"],
      ["group", "g2"],
    ),
    description: fc.constantFrom(undefined, "a", "b"),
  })
  .map(
    ({ ports, remote, ...rest }) =>
      compact({
        ...rest,
        portRangeMin: ports[0],
        portRangeMax: ports[1],
        remoteIpPrefix: remote?.[0] === "ip" ? remote[1] : undefined,
        remoteGroupId: remote?.[0] === "group" ? remote[1] : undefined,
      }) as unknown as SmallInput,
  );

describe("ruleKey equals Neutron's duplicate relation", () => {
  it.each(PROFILE_NAMES.map((n, i) => [n, i] as const))("%s", (_name, pi) => {
    const profile = PROFILE_LIST[pi]!;
    let dupPairs = 0;
    let distinctPairs = 0;
    let crossSpellingDups = 0;
    fc.assert(
      fc.property(fc.array(smallInputArb, { minLength: 40, maxLength: 80 }), (inputs) => {
        const valid: Array<{ input: SmallInput; key: string }> = [];
        for (const input of inputs) {
          const r = checkRule(input as RuleInput, profile);
          if (r.kind === "ok") valid.push({ input, key: ruleKey(r.rule as unknown as CanonicalRule) });
        }
        for (let i = 0; i < valid.length; i++) {
          for (let j = i + 1; j < valid.length; j++) {
            const a = valid[i]!;
            const b = valid[j]!;
            const expected = isDuplicate(a.input, b.input);
            if (expected) {
              dupPairs++;
              if (JSON.stringify(a.input) !== JSON.stringify(b.input)) crossSpellingDups++;
            } else distinctPairs++;
            if ((a.key === b.key) !== expected) {
              throw new Error(`keys ${a.key} / ${b.key} for ${JSON.stringify(a.input)} / ${JSON.stringify(b.input)}; Neutron duplicate: ${expected}`);
            }
          }
        }
      }),
      { numRuns: 600 },
    );
    expect(dupPairs).toBeGreaterThan(100);
    expect(crossSpellingDups).toBeGreaterThan(50);
    expect(distinctPairs).toBeGreaterThan(1_000);
  });
});
