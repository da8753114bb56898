/**
 * What the rule tests share: the four built-in profiles, what each allows in a rule (written out
 * here independently of provider/profiles/*.json and provider/domain/protocols.ts), and checkRule
 * wrappers that must succeed or must fail.
 */
import { expect } from "vitest";
import { checkRule, ruleKey, type CanonicalRule, type RuleInput } from "../../../provider/domain/rules";
import { type Profile } from "../../../provider/domain/profiles";
import { loadProfile } from "../../../provider/profileLoader";

export const PROFILE_NAMES = ["openstack", "meshcloud", "rackspace", "evroc"] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];
export const PROFILES: Record<ProfileName, Profile> = Object.fromEntries(PROFILE_NAMES.map((n) => [n, loadProfile(n, process.cwd())])) as Record<
  ProfileName,
  Profile
>;

export const GID = "sg-1";
export const PREFIX = "SG_INVALID_INPUT: ";

/** Neutron's protocol names and their IANA numbers (written out here, independent of provider/domain/protocols.ts). */
export const NEUTRON: Record<string, number> = {
  ah: 51,
  dccp: 33,
  egp: 8,
  esp: 50,
  gre: 47,
  hopopt: 0,
  icmp: 1,
  igmp: 2,
  ip: 0,
  ipip: 4,
  "ipv6-encap": 41,
  "ipv6-frag": 44,
  "ipv6-icmp": 58,
  "ipv6-nonxt": 59,
  "ipv6-opts": 60,
  "ipv6-route": 43,
  ospf: 89,
  pgm: 113,
  rsvp: 46,
  sctp: 132,
  tcp: 6,
  udp: 17,
  udplite: 136,
  vrrp: 112,
};
/** Number → the canonical name (0 → hopopt). */
export const NAME_OF: Record<number, string> = {
  51: "ah",
  33: "dccp",
  8: "egp",
  50: "esp",
  47: "gre",
  0: "hopopt",
  1: "icmp",
  2: "igmp",
  4: "ipip",
  41: "ipv6-encap",
  44: "ipv6-frag",
  58: "ipv6-icmp",
  59: "ipv6-nonxt",
  60: "ipv6-opts",
  43: "ipv6-route",
  89: "ospf",
  113: "pgm",
  46: "rsvp",
  132: "sctp",
  6: "tcp",
  17: "udp",
  136: "udplite",
  112: "vrrp",
};
/** What Neutron refuses with ethertype IPv4 (test/integration/neutronConformance.test.ts checks it against Neutron). */
export const IPV6_ONLY = ["ipv6-encap", "ipv6-frag", "ipv6-icmp", "ipv6-nonxt", "ipv6-opts", "ipv6-route"];
export const IPV6_ONLY_NUMBERS = [41, 44, 58, 59, 60, 43];
/** The words for every protocol, per profile: `any`, and evroc's own `all`. */
export const ANY_WORDS: Record<ProfileName, string[]> = { openstack: ["any"], meshcloud: ["any"], rackspace: ["any"], evroc: ["any", "all"] };
export const NEUTRON_PORT_PROTOCOLS = ["tcp", "udp", "dccp", "sctp", "udplite"];

/**
 * Expected table: what each profile allows in a rule (protocol names and numbers, which protocols
 * take ports, ICMP type and code, the kinds of remote, ICMP over IPv6), written out here
 * independently of provider/profiles/*.json; README's Profiles table says the same.
 */
export const TABLE: Record<
  ProfileName,
  {
    protocols: string[] | "neutron";
    numbers: boolean;
    portProtocols: string[];
    icmpTypeCode: boolean;
    remotes: { cidr: boolean; group: boolean; subnet: boolean };
    ipv6Icmp: boolean;
  }
> = {
  openstack: {
    protocols: "neutron",
    numbers: true,
    portProtocols: NEUTRON_PORT_PROTOCOLS,
    icmpTypeCode: true,
    remotes: { cidr: true, group: true, subnet: false },
    ipv6Icmp: true,
  },
  meshcloud: {
    protocols: "neutron",
    numbers: true,
    portProtocols: NEUTRON_PORT_PROTOCOLS,
    icmpTypeCode: true,
    remotes: { cidr: true, group: true, subnet: false },
    ipv6Icmp: true,
  },
  rackspace: {
    protocols: ["tcp", "udp", "icmp"],
    numbers: false,
    portProtocols: ["tcp", "udp"],
    icmpTypeCode: true,
    remotes: { cidr: true, group: false, subnet: false },
    ipv6Icmp: false,
  },
  evroc: {
    protocols: ["tcp", "udp", "icmp"],
    numbers: false,
    portProtocols: ["tcp", "udp"],
    icmpTypeCode: false,
    remotes: { cidr: true, group: true, subnet: true },
    ipv6Icmp: false,
  },
};

export function allowedNames(p: ProfileName): string[] {
  const t = TABLE[p].protocols;
  return t === "neutron" ? Object.keys(NEUTRON) : t;
}

/** The canonical rule every input starts from: ingress, IPv4, any protocol, no remote. */
export function base(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { securityGroupId: GID, direction: "ingress", ethertype: "IPv4", protocol: "any", description: "", ...extra };
}

/** checkRule that must succeed; returns the canonical rule. */
export function ok(profile: ProfileName, input: RuleInput): Record<string, unknown> {
  const r = checkRule({ securityGroupId: GID, ...input }, PROFILES[profile]);
  if (r.kind !== "ok") throw new Error(`expected ok for ${JSON.stringify(input)} under ${profile}, got ${JSON.stringify(r.failures)}`);
  return r.rule;
}

/** checkRule that must fail; returns the sorted failing properties (every reason checked for the prefix). */
export function failing(profile: ProfileName, input: RuleInput): string[] {
  const r = checkRule({ securityGroupId: GID, ...input }, PROFILES[profile]);
  if (r.kind !== "invalid") throw new Error(`expected invalid for ${JSON.stringify(input)} under ${profile}, got ${JSON.stringify(r.rule)}`);
  for (const f of r.failures) expect(f.reason.startsWith(PREFIX)).toBe(true);
  return r.failures.map((f) => f.property).sort();
}

export function failures(profile: ProfileName, input: RuleInput) {
  const r = checkRule({ securityGroupId: GID, ...input }, PROFILES[profile]);
  if (r.kind !== "invalid") throw new Error(`expected invalid for ${JSON.stringify(input)}`);
  return r.failures;
}

export function key(profile: ProfileName, input: RuleInput): string {
  return ruleKey(ok(profile, input) as unknown as CanonicalRule);
}
