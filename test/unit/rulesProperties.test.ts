import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { checkRule, ruleKey, type CanonicalRule, type RuleInput } from "../../provider/domain/rules";
import { type Profile } from "../../provider/domain/profiles";
import { loadProfile } from "../../provider/profileLoader";
import { UNKNOWN } from "../../provider/domain/unknown";
import { configure } from "../../provider/context";
import { checkSecurityGroupRule } from "../../provider/resources/securityGroupRule";

const PROFILE_NAMES = ["openstack", "meshcloud", "rackspace", "evroc"] as const;
const PROFILES: Profile[] = PROFILE_NAMES.map((n) => loadProfile(n, process.cwd()));
const RULE_FIELDS = [
  "securityGroupId",
  "direction",
  "ethertype",
  "protocol",
  "portRangeMin",
  "portRangeMax",
  "remoteIpPrefix",
  "remoteGroupId",
  "remoteSubnetId",
  "description",
] as const;
const PREFIX = "SG_INVALID_INPUT: ";

/** Drops the keys whose value is undefined (the engine never sends them). */
function compact(o: Record<string, unknown>): Record<string, unknown> {
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
const typedInputArb: fc.Arbitrary<Record<string, unknown>> = fc
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
const arbitraryInputArb: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  { weight: 2, arbitrary: typedInputArb },
  { weight: 1, arbitrary: wildInputArb },
);

/** A cheap assertion for hot loops (vitest's expect costs too much per call at 100 000 runs). */
function check(condition: boolean, what: () => string): void {
  if (!condition) throw new Error(what());
}

// ---------------------------------------------------------------------------------------------
// (a) canonicalising twice equals once

describe("canonical form is a fixed point", () => {
  it("feeding the canonical rule back through checkRule gives it back unchanged", () => {
    let oks = 0;
    fc.assert(
      fc.property(typedInputArb, fc.integer({ min: 0, max: PROFILES.length - 1 }), (input, pi) => {
        const profile = PROFILES[pi]!;
        const once = checkRule(input, profile);
        if (once.kind !== "ok") return;
        oks++;
        const twice = checkRule(once.rule, profile);
        expect(twice).toEqual(once);
        expect(ruleKeyOrNull(twice)).toBe(ruleKeyOrNull(once));
      }),
      { numRuns: 20_000 },
    );
    // The generator must reach the interesting path often.
    expect(oks).toBeGreaterThan(1_000);
  });
});

function ruleKeyOrNull(r: ReturnType<typeof checkRule>): string | null {
  if (r.kind !== "ok" || Object.values(r.rule).includes(UNKNOWN)) return null;
  return ruleKey(r.rule as unknown as CanonicalRule);
}

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
    const profile = PROFILES[pi]!;
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

/**
 * Whether schema.json's SecurityGroupRuleInputs accepts `input` (written out independently here),
 * counting UNKNOWN as acceptable for every field, securityGroupId included.
 */
function schemaTyped(input: Record<string, unknown>): boolean {
  const isInt = (v: unknown) => typeof v === "number" && Number.isInteger(v);
  const checks: Record<string, (v: unknown) => boolean> = {
    securityGroupId: (v) => typeof v === "string" && v.length > 0,
    direction: (v) => v === "ingress" || v === "egress",
    ethertype: (v) => v === "IPv4" || v === "IPv6",
    protocol: (v) => typeof v === "string" || isInt(v),
    portRangeMin: (v) => isInt(v) && (v as number) >= 0 && (v as number) <= 65535,
    portRangeMax: (v) => isInt(v) && (v as number) >= 0 && (v as number) <= 65535,
    remoteIpPrefix: (v) => typeof v === "string",
    remoteGroupId: (v) => typeof v === "string" && v.length > 0,
    remoteSubnetId: (v) => typeof v === "string" && v.length > 0,
    description: (v) => typeof v === "string" && v.length <= 255,
  };
  if (input.securityGroupId === undefined) return false;
  for (const [k, v] of Object.entries(input)) {
    const check = checks[k];
    if (!check) return false;
    if (v !== UNKNOWN && !check(v)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// (c) 100 000 random inputs: never throw; ok → sane canonical rule; invalid → named properties

describe("robustness over arbitrary inputs", () => {
  afterEach(() => configure({}));

  it.each(PROFILE_NAMES.map((n, i) => [n, i] as const))("%s: 25 000 inputs through check (schema + domain)", (name, pi) => {
    configure({ "secgroups:profile": name });
    const profile = PROFILES[pi]!;
    let domainOk = 0;
    let domainInvalid = 0;
    let schemaRefused = 0;
    fc.assert(
      fc.property(arbitraryInputArb, (input) => {
        const result = checkSecurityGroupRule(input);
        // checkRule never throws, even on inputs the schema would refuse.
        const r = checkRule(input, profile);
        const fails = result.failures ?? [];
        const show = () => `${JSON.stringify(input)} → ${JSON.stringify(result)}`;
        for (const f of fails) {
          check(typeof f.property === "string" && f.property.length > 0, () => `failure without a property: ${show()}`);
          check((RULE_FIELDS as readonly string[]).includes(f.property), () => `failure on a property that is not an input: ${show()}`);
          check(f.reason.startsWith(PREFIX), () => `reason without ${PREFIX}: ${show()}`);
        }
        if (!schemaTyped(input)) {
          schemaRefused++;
          check(fails.length > 0, () => `schema-invalid input accepted: ${show()}`);
          check(JSON.stringify(result.inputs) === JSON.stringify(input), () => `failed inputs not returned as given: ${show()}`);
          return;
        }
        if (r.kind === "ok") {
          domainOk++;
          const rule = r.rule;
          check(typeof rule.protocol === "string", () => `protocol not a string: ${show()}`);
          const ethertypeMayBeUnknown = input.ethertype === UNKNOWN || (input.ethertype === undefined && input.remoteIpPrefix === UNKNOWN);
          const ethertypes: unknown[] = ethertypeMayBeUnknown ? ["IPv4", "IPv6", UNKNOWN] : ["IPv4", "IPv6"];
          check(ethertypes.includes(rule.ethertype), () => `bad ethertype: ${show()}`);
          check(["ingress", "egress", UNKNOWN].includes(rule.direction as string), () => `bad direction: ${show()}`);
          check(typeof rule.description === "string", () => `bad description: ${show()}`);
          check(rule.securityGroupId === input.securityGroupId, () => `securityGroupId changed: ${show()}`);
          check(fails.length === 0 && JSON.stringify(result.inputs) === JSON.stringify(rule), () => `check differs from checkRule ok: ${show()}`);
        } else {
          domainInvalid++;
          check(r.failures.length > 0, () => `invalid without failures: ${show()}`);
          for (const f of r.failures) {
            check(f.property.length > 0 && (RULE_FIELDS as readonly string[]).includes(f.property), () => `bad failure property: ${show()}`);
            check(f.reason.startsWith(PREFIX), () => `reason without ${PREFIX}: ${show()}`);
          }
          check(
            JSON.stringify(result) === JSON.stringify({ inputs: input, failures: r.failures }),
            () => `check differs from checkRule invalid: ${show()}`,
          );
        }
      }),
      { numRuns: 25_000 },
    );
    expect(domainOk).toBeGreaterThan(500);
    expect(domainInvalid).toBeGreaterThan(1_000);
    expect(schemaRefused).toBeGreaterThan(1_000);
  });
});

// ---------------------------------------------------------------------------------------------
// (d) an UNKNOWN value is never the subject of a failure

describe("a value unknown at preview is present: only checks that need no value fail on it", () => {
  /** Known values an unknown property could take at apply (all schema-valid). */
  const CANDIDATES: Record<string, unknown[]> = {
    securityGroupId: ["sg-a"],
    direction: ["ingress", "egress"],
    ethertype: ["IPv4", "IPv6"],
    protocol: ["tcp", "udp", "icmp", "gre", "any", 6, 58, 200],
    description: ["", "x"],
    portRangeMin: [0, 1, 8, 22, 80, 255, 65535],
    portRangeMax: [0, 1, 8, 22, 80, 255, 65535],
    remoteIpPrefix: ["0.0.0.0/0", "10.0.0.0/24", "2001:db8::/32"],
    remoteGroupId: ["g1"],
    remoteSubnetId: ["s1"],
  };

  it.each(PROFILE_NAMES.map((n, i) => [n, i] as const))("%s: a failure on an unknown value holds for every value it could take", (_name, pi) => {
    const profile = PROFILES[pi]!;
    let unknownFailures = 0;
    fc.assert(
      fc.property(typedInputArb, (input) => {
        const r = checkRule(input, profile);
        if (r.kind !== "invalid") return;
        for (const f of r.failures.filter((x) => input[x.property] === UNKNOWN)) {
          unknownFailures++;
          check(f.reason.includes("got a value known only after apply"), () => `${f.reason} does not say the value is unknown`);
          for (const v of CANDIDATES[f.property] ?? []) {
            check(
              checkRule({ ...input, [f.property]: v }, profile).kind === "invalid",
              () => `failure on unknown ${f.property} (${f.reason}) but ${JSON.stringify({ ...input, [f.property]: v })} is accepted`,
            );
          }
        }
      }),
      { numRuns: 5_000 },
    );
    // The generator reaches presence failures (two remotes, a remote kind the profile lacks, a missing end, …).
    expect(unknownFailures).toBeGreaterThan(50);
  });
});
