/**
 * What the rule property tests generate: rule inputs of every kind (schema-valid ones whose values
 * may still be wrong for the domain, and wild ones of any type), over the built-in profiles in order.
 */
import fc from "fast-check";
import { type Profile } from "../../../provider/domain/profiles";
import { UNKNOWN } from "../../../provider/domain/unknown";
import { PROFILE_NAMES, PROFILES } from "./ruleProfiles";

/** The built-in profiles in the order of PROFILE_NAMES. */
export const PROFILE_LIST: Profile[] = PROFILE_NAMES.map((n) => PROFILES[n]);
/** Drops the keys whose value is undefined (the engine never sends them). */
export function compact(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Generators

const protocolArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    undefined,
    null,
    "any",
    "ALL",
    "all",
    "tcp",
    "TCP",
    "udp",
    "Udp",
    "icmp",
    "ICMP",
    "icmpv6",
    "ipv6-icmp",
    "gre",
    "sctp",
    "dccp",
    "udplite",
    "ip",
    "hopopt",
    "ipv6-frag",
    "ipv6-route",
    "ipv6-encap",
    "esp",
    "vrrp",
    "6",
    "17",
    "1",
    "58",
    "0",
    "200",
    UNKNOWN,
    "foo",
    "",
  ),
  fc.integer({ min: 0, max: 255 }),
  fc.integer({ min: -5, max: 300 }),
);

const portArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constant(UNKNOWN) },
  { weight: 3, arbitrary: fc.constantFrom(0, 1, 3, 8, 22, 80, 128, 255, 256, 443, 65534, 65535) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 65535 }) },
);

const v4Arb = fc
  .tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }))
  .map(([a, b, c, d]) => `${a}.${b}.${c}.${d}`);
const v6Arb = fc
  .array(fc.constantFrom("0", "1", "db8", "2001", "FFFF", "fe80", "a"), { minLength: 1, maxLength: 8 })
  .chain((groups) =>
    fc.constantFrom(
      groups.join(":"),
      `${groups.slice(0, 2).join(":")}::${groups.slice(2).join(":")}`,
      `::${groups.join(":")}`,
      `${groups.join(":")}::`,
    ),
  );
const cidrLikeArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "0.0.0.0/0",
    "::/0",
    "10.0.0.0/8",
    "10.0.0.1",
    "10.0.0.1/24",
    "1.2.3.4",
    "2001:DB8:0:0::1",
    "2001:db8::/32",
    "0xc0.168.1.1",
    "10.1",
    "010.0.0.1",
    " 10.0.0.0/8",
    "10.0.0.0/33",
    "::/129",
    "fe80::1%eth0",
    "",
    "/",
    "1.2.3.4/",
    "::",
    "1::2::3",
  ),
  fc.tuple(v4Arb, fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined })).map(([a, p]) => (p === undefined ? a : `${a}/${p}`)),
  fc.tuple(v6Arb, fc.option(fc.integer({ min: 0, max: 140 }), { nil: undefined })).map(([a, p]) => (p === undefined ? a : `${a}/${p}`)),
  fc.string({ maxLength: 20 }),
);

/** Anything at all, including values of the wrong type for the field. */
const junkArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.integer({ min: -70000, max: 70000 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom("in", "EGRESS", "ipv4", "", "x".repeat(256), 65536, -1, 1.5),
);

/** Mostly well-typed values for a field, sometimes junk. */
function field<T>(typed: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant(UNKNOWN) },
    { weight: 6, arbitrary: typed },
    { weight: 2, arbitrary: junkArb },
  );
}

/** Anything goes: arbitrary mixes of types, out-of-range values, CIDR-like strings, undefined, UNKNOWN. */
const wildInputArb: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    securityGroupId: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom("sg-a", "sg-b", UNKNOWN) },
      { weight: 1, arbitrary: fc.constantFrom(undefined, "", 5) },
    ),
    direction: field(fc.constantFrom("ingress", "egress")),
    ethertype: field(fc.constantFrom("IPv4", "IPv6")),
    protocol: field(protocolArb),
    portRangeMin: field(portArb),
    portRangeMax: field(portArb),
    remoteIpPrefix: field(cidrLikeArb),
    remoteGroupId: field(fc.constantFrom("g1", "g2")),
    remoteSubnetId: field(fc.constantFrom("s1")),
    description: field(fc.string({ maxLength: 8 })),
  })
  .map(compact);

const portValueArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(UNKNOWN) },
  { weight: 4, arbitrary: fc.constantFrom(0, 1, 3, 8, 22, 80, 128, 255, 256, 443, 65534, 65535) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 65535 }) },
);
const portPairArb: fc.Arbitrary<[unknown, unknown]> = fc.oneof(
  { weight: 5, arbitrary: fc.constant<[unknown, unknown]>([undefined, undefined]) },
  { weight: 3, arbitrary: fc.constantFrom(0, 1, 8, 22, 80, 255, 443, 65535).map((p): [unknown, unknown] => [p, p]) },
  { weight: 1, arbitrary: fc.constant<[unknown, unknown]>([1, 65535]) },
  { weight: 2, arbitrary: fc.tuple(portValueArb, portValueArb) },
  { weight: 1, arbitrary: portValueArb.map((p): [unknown, unknown] => [p, undefined]) },
  { weight: 1, arbitrary: portValueArb.map((p): [unknown, unknown] => [undefined, p]) },
);
const remotesArb: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({}) },
  { weight: 4, arbitrary: fc.oneof(cidrLikeArb, fc.constant(UNKNOWN)).map((c) => ({ remoteIpPrefix: c })) },
  { weight: 1, arbitrary: fc.constantFrom("g1", UNKNOWN).map((g) => ({ remoteGroupId: g })) },
  { weight: 1, arbitrary: fc.constantFrom("s1", UNKNOWN).map((g) => ({ remoteSubnetId: g })) },
  {
    weight: 1,
    arbitrary: fc.record({
      remoteIpPrefix: fc.constantFrom(undefined, "10.0.0.0/8", UNKNOWN),
      remoteGroupId: fc.constantFrom(undefined, "g1", UNKNOWN),
      remoteSubnetId: fc.constantFrom(undefined, "s1", UNKNOWN),
    }),
  },
);

/** Schema-valid inputs (types right; values may still be wrong for the domain). */
export const typedInputArb: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    securityGroupId: fc.constantFrom("sg-a", "sg-b", UNKNOWN),
    direction: fc.constantFrom(undefined, "ingress", "egress", UNKNOWN),
    ethertype: fc.constantFrom(undefined, undefined, undefined, "IPv4", "IPv6", UNKNOWN),
    protocol: protocolArb.filter((p) => p !== null),
    ports: portPairArb,
    remotes: remotesArb,
    description: fc.constantFrom(undefined, "", "web", UNKNOWN),
  })
  .map(({ ports, remotes, ...rest }) => compact({ ...rest, portRangeMin: ports[0], portRangeMax: ports[1], ...remotes }));

/** What (c) feeds in: mostly typed, a third wild. */
export const arbitraryInputArb: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  { weight: 2, arbitrary: typedInputArb },
  { weight: 1, arbitrary: wildInputArb },
);

/** A cheap assertion for hot loops (vitest's expect costs too much per call at 100 000 runs). */
export function check(condition: boolean, what: () => string): void {
  if (!condition) throw new Error(what());
}
