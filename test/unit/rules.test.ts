import { afterEach, describe, expect, it } from "vitest";
import { canonicalProtocol, checkRule, ruleKey, type CanonicalRule, type RuleInput } from "../../provider/domain/rules";
import { type Profile } from "../../provider/domain/profiles";
import { loadProfile } from "../../provider/profileLoader";
import { UNKNOWN } from "../../provider/domain/unknown";
import { parseCidr } from "../../provider/domain/cidr";
import { configure } from "../../provider/context";
import { checkSecurityGroupRule } from "../../provider/resources/securityGroupRule";

const PROFILE_NAMES = ["openstack", "meshcloud", "rackspace", "evroc"] as const;
type ProfileName = (typeof PROFILE_NAMES)[number];
const PROFILES: Record<ProfileName, Profile> = Object.fromEntries(PROFILE_NAMES.map((n) => [n, loadProfile(n, process.cwd())])) as Record<
  ProfileName,
  Profile
>;

const GID = "sg-1";
const PREFIX = "SG_INVALID_INPUT: ";

/** Neutron's protocol names and their IANA numbers (written out here, independent of provider/domain/protocols.ts). */
const NEUTRON: Record<string, number> = {
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
const NAME_OF: Record<number, string> = {
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
const IPV6_ONLY = ["ipv6-encap", "ipv6-frag", "ipv6-icmp", "ipv6-nonxt", "ipv6-opts", "ipv6-route"];
const IPV6_ONLY_NUMBERS = [41, 44, 58, 59, 60, 43];
/** The words for every protocol, per profile: `any`, and evroc's own `all`. */
const ANY_WORDS: Record<ProfileName, string[]> = { openstack: ["any"], meshcloud: ["any"], rackspace: ["any"], evroc: ["any", "all"] };
const NEUTRON_PORT_PROTOCOLS = ["tcp", "udp", "dccp", "sctp", "udplite"];

/**
 * Expected table: what each profile allows in a rule (protocol names and numbers, which protocols
 * take ports, ICMP type and code, the kinds of remote, ICMP over IPv6), written out here
 * independently of provider/profiles/*.json; README's Profiles table says the same.
 */
const TABLE: Record<
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

function allowedNames(p: ProfileName): string[] {
  const t = TABLE[p].protocols;
  return t === "neutron" ? Object.keys(NEUTRON) : t;
}

/** The canonical rule every input starts from: ingress, IPv4, any protocol, no remote. */
function base(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { securityGroupId: GID, direction: "ingress", ethertype: "IPv4", protocol: "any", description: "", ...extra };
}

/** checkRule that must succeed; returns the canonical rule. */
function ok(profile: ProfileName, input: RuleInput): Record<string, unknown> {
  const r = checkRule({ securityGroupId: GID, ...input }, PROFILES[profile]);
  if (r.kind !== "ok") throw new Error(`expected ok for ${JSON.stringify(input)} under ${profile}, got ${JSON.stringify(r.failures)}`);
  return r.rule;
}

/** checkRule that must fail; returns the sorted failing properties (every reason checked for the prefix). */
function failing(profile: ProfileName, input: RuleInput): string[] {
  const r = checkRule({ securityGroupId: GID, ...input }, PROFILES[profile]);
  if (r.kind !== "invalid") throw new Error(`expected invalid for ${JSON.stringify(input)} under ${profile}, got ${JSON.stringify(r.rule)}`);
  for (const f of r.failures) expect(f.reason.startsWith(PREFIX)).toBe(true);
  return r.failures.map((f) => f.property).sort();
}

function failures(profile: ProfileName, input: RuleInput) {
  const r = checkRule({ securityGroupId: GID, ...input }, PROFILES[profile]);
  if (r.kind !== "invalid") throw new Error(`expected invalid for ${JSON.stringify(input)}`);
  return r.failures;
}

function key(profile: ProfileName, input: RuleInput): string {
  return ruleKey(ok(profile, input) as unknown as CanonicalRule);
}

describe("profile data matches the profile table", () => {
  it.each(PROFILE_NAMES)("%s: protocols, numbers, ports, ICMP, remotes", (p) => {
    const profile = PROFILES[p];
    const t = TABLE[p];
    const protocols = [
      ...(t.protocols === "neutron" ? [...Object.keys(NEUTRON), "icmpv6"] : t.protocols),
      ...ANY_WORDS[p].filter((w) => w !== "any"),
    ];
    expect([...profile.protocols].sort()).toEqual([...protocols].sort());
    expect(profile.protocolNumbers).toBe(t.numbers);
    expect([...profile.portProtocols].sort()).toEqual([...t.portProtocols].sort());
    expect(profile.icmpTypeCode).toBe(t.icmpTypeCode);
    expect([...profile.remotes].sort()).toEqual((["cidr", "group", "subnet"] as const).filter((k) => t.remotes[k]).sort());
  });

  it("new-group rules and rule quotas", () => {
    const egressAny = [
      { direction: "egress", ethertype: "IPv4" },
      { direction: "egress", ethertype: "IPv6" },
    ];
    expect(PROFILES.openstack.newGroupRules).toEqual(egressAny);
    expect(PROFILES.meshcloud.newGroupRules).toEqual(egressAny);
    expect(PROFILES.rackspace.newGroupRules).toEqual([]);
    expect(PROFILES.evroc.newGroupRules).toEqual([]);
    expect(PROFILES.openstack.quotas).toEqual({ groups: 10, rules: 100 });
    expect(PROFILES.meshcloud.quotas).toEqual({ groups: 10, rules: 100 });
    expect(PROFILES.rackspace.quotas).toEqual({ rulesPerGroup: 20 });
    expect(PROFILES.evroc.quotas).toEqual({});
  });
});

describe.each(PROFILE_NAMES)("checkRule under profile %s", (p) => {
  const t = TABLE[p];
  const names = allowedNames(p);

  describe("protocols", () => {
    it("absent, null, any (any case) and, where the profile says so, all mean any protocol; all elsewhere is refused as Neutron does", () => {
      for (const protocol of [undefined, null, "any", "ANY", "Any"]) expect(ok(p, { protocol })).toEqual(base());
      for (const protocol of ["all", "ALL", "All"]) {
        if (ANY_WORDS[p].includes("all")) expect(ok(p, { protocol })).toEqual(base());
        else expect(failing(p, { protocol })).toEqual(["protocol"]);
      }
    });

    it("accepts every allowed name, case-insensitively, as its lower-case name", () => {
      for (const name of names) {
        const ethertype = IPV6_ONLY.includes(name) ? "IPv6" : "IPv4";
        for (const spelled of [name, name.toUpperCase(), name[0]!.toUpperCase() + name.slice(1)]) {
          expect(ok(p, { protocol: spelled, ethertype })).toEqual(base({ protocol: name, ethertype }));
        }
      }
    });

    it("refuses every Neutron name the profile does not allow", () => {
      for (const name of Object.keys(NEUTRON).filter((n) => !names.includes(n))) {
        const ethertype = IPV6_ONLY.includes(name) ? "IPv6" : "IPv4";
        expect(failing(p, { protocol: name, ethertype })).toEqual(["protocol"]);
      }
    });

    it("refuses unknown protocol names", () => {
      for (const protocol of ["foo", "tcpx", "tcp ", " tcp", "", "icmp4", "ipv6", "-1", "6.0", "0x06", "06", "006"]) {
        expect(failing(p, { protocol })).toEqual(["protocol"]);
      }
    });

    it("maps every number 0-255 (number or numeric string) to its name or its number, or refuses it", () => {
      for (let n = 0; n <= 255; n++) {
        const known = NAME_OF[n];
        const ethertype = IPV6_ONLY_NUMBERS.includes(n) ? "IPv6" : "IPv4";
        const allowed = known !== undefined ? names.includes(known) : false;
        for (const protocol of [n, String(n)]) {
          if (allowed) {
            expect(ok(p, { protocol, ethertype })).toEqual(base({ protocol: known, ethertype }));
          } else if (t.numbers) {
            expect(ok(p, { protocol, ethertype })).toEqual(base({ protocol: String(n), ethertype }));
          } else {
            expect(failing(p, { protocol, ethertype })).toEqual(["protocol"]);
          }
        }
      }
    });

    it("maps the well-known numbers as documented", () => {
      expect(ok(p, { protocol: 6 }).protocol).toBe("tcp");
      expect(ok(p, { protocol: "17" }).protocol).toBe("udp");
      expect(ok(p, { protocol: 1 }).protocol).toBe("icmp");
      if (t.numbers) {
        expect(ok(p, { protocol: 0 }).protocol).toBe("hopopt");
        expect(ok(p, { protocol: 58, ethertype: "IPv6" }).protocol).toBe("ipv6-icmp");
        expect(ok(p, { protocol: 200 })).toEqual(base({ protocol: "200" }));
        expect(ok(p, { protocol: "255" })).toEqual(base({ protocol: "255" }));
      } else {
        expect(failing(p, { protocol: 0 })).toEqual(["protocol"]);
        expect(failing(p, { protocol: 47 })).toEqual(["protocol"]);
        expect(failing(p, { protocol: 200 })).toEqual(["protocol"]);
      }
    });

    it("refuses numbers outside 0-255 and non-integers", () => {
      for (const protocol of [256, -1, 1000, "256", 1.5, Number.NaN]) {
        expect(failing(p, { protocol })).toEqual(["protocol"]);
      }
    });

    it("refuses protocol values that are neither a name nor a number", () => {
      for (const protocol of [true, {}, []]) expect(failing(p, { protocol })).toEqual(["protocol"]);
    });

    it("icmpv6 is ipv6-icmp where the profile lists it, else refused", () => {
      if (t.ipv6Icmp) {
        expect(ok(p, { protocol: "icmpv6", ethertype: "IPv6" })).toEqual(base({ protocol: "ipv6-icmp", ethertype: "IPv6" }));
        expect(ok(p, { protocol: "ICMPv6", remoteIpPrefix: "::/0" })).toEqual(
          base({ protocol: "ipv6-icmp", ethertype: "IPv6", remoteIpPrefix: "::/0" }),
        );
      } else {
        expect(failing(p, { protocol: "icmpv6", ethertype: "IPv6" })).toEqual(["protocol"]);
        expect(failing(p, { protocol: "ipv6-icmp", ethertype: "IPv6" })).toEqual(["protocol"]);
      }
    });

    it("icmp on IPv6 becomes ipv6-icmp only where the profile lists ipv6-icmp", () => {
      const v6 = t.ipv6Icmp ? "ipv6-icmp" : "icmp";
      expect(ok(p, { protocol: "icmp", ethertype: "IPv6" })).toEqual(base({ protocol: v6, ethertype: "IPv6" }));
      expect(ok(p, { protocol: "ICMP", remoteIpPrefix: "2001:db8::/32" })).toEqual(
        base({ protocol: v6, ethertype: "IPv6", remoteIpPrefix: "2001:db8::/32" }),
      );
      expect(ok(p, { protocol: 1, remoteIpPrefix: "::/0" })).toEqual(base({ protocol: v6, ethertype: "IPv6", remoteIpPrefix: "::/0" }));
      expect(ok(p, { protocol: "1", ethertype: "IPv6" })).toEqual(base({ protocol: v6, ethertype: "IPv6" }));
      // IPv4 keeps icmp.
      expect(ok(p, { protocol: "icmp" })).toEqual(base({ protocol: "icmp" }));
      expect(ok(p, { protocol: "icmp", remoteIpPrefix: "10.0.0.0/8" })).toEqual(base({ protocol: "icmp", remoteIpPrefix: "10.0.0.0/8" }));
    });

    it("refuses IPv6-only protocols with ethertype IPv4 (explicit or inferred)", () => {
      if (!t.numbers) return expect(names.some((n) => IPV6_ONLY.includes(n))).toBe(false);
      for (const protocol of [...IPV6_ONLY, "icmpv6", ...IPV6_ONLY_NUMBERS]) {
        expect(failing(p, { protocol, ethertype: "IPv4" })).toEqual(["protocol"]);
        expect(failing(p, { protocol })).toEqual(["protocol"]);
        expect(failing(p, { protocol, remoteIpPrefix: "10.0.0.0/8" })).toEqual(["protocol"]);
      }
    });

    it("keeps every protocol but icmp as it is on IPv6; ipv6-encap (41) is IPv6-only, as Neutron has it", () => {
      for (const name of names.filter((n) => n !== "icmp" && n !== "icmpv6")) {
        expect(ok(p, { protocol: name, ethertype: "IPv6" })).toEqual(base({ protocol: name, ethertype: "IPv6" }));
      }
      if (t.numbers) {
        expect(failing(p, { protocol: "ipv6-encap" })).toEqual(["protocol"]);
        expect(failing(p, { protocol: 41, ethertype: "IPv4" })).toEqual(["protocol"]);
      }
    });
  });

  describe("ports", () => {
    it.each(t.portProtocols)("%s takes a port range", (proto) => {
      expect(ok(p, { protocol: proto, portRangeMin: 22, portRangeMax: 22 })).toEqual(base({ protocol: proto, portRangeMin: 22, portRangeMax: 22 }));
      expect(ok(p, { protocol: proto, portRangeMin: 1000, portRangeMax: 2000 })).toEqual(
        base({ protocol: proto, portRangeMin: 1000, portRangeMax: 2000 }),
      );
      expect(ok(p, { protocol: proto, portRangeMin: 1, portRangeMax: 1 })).toEqual(base({ protocol: proto, portRangeMin: 1, portRangeMax: 1 }));
      expect(ok(p, { protocol: proto, portRangeMin: 65535, portRangeMax: 65535 })).toEqual(
        base({ protocol: proto, portRangeMin: 65535, portRangeMax: 65535 }),
      );
      expect(ok(p, { protocol: proto, portRangeMin: 1, portRangeMax: 65534 })).toEqual(
        base({ protocol: proto, portRangeMin: 1, portRangeMax: 65534 }),
      );
      expect(ok(p, { protocol: proto, portRangeMin: 2, portRangeMax: 65535 })).toEqual(
        base({ protocol: proto, portRangeMin: 2, portRangeMax: 65535 }),
      );
      expect(ok(p, { protocol: proto })).toEqual(base({ protocol: proto }));
    });

    it.each(t.portProtocols)("%s with exactly 1-65535 drops both ports", (proto) => {
      expect(ok(p, { protocol: proto, portRangeMin: 1, portRangeMax: 65535 })).toEqual(base({ protocol: proto }));
      expect(ok(p, { protocol: proto.toUpperCase(), portRangeMin: 1, portRangeMax: 65535, ethertype: "IPv6" })).toEqual(
        base({ protocol: proto, ethertype: "IPv6" }),
      );
    });

    it.each(t.portProtocols)("%s needs both ends, each 1-65535, min <= max", (proto) => {
      expect(failing(p, { protocol: proto, portRangeMin: 22 })).toEqual(["portRangeMax"]);
      expect(failing(p, { protocol: proto, portRangeMax: 22 })).toEqual(["portRangeMin"]);
      expect(failing(p, { protocol: proto, portRangeMin: 0, portRangeMax: 22 })).toEqual(["portRangeMin"]);
      expect(failing(p, { protocol: proto, portRangeMin: 22, portRangeMax: 0 })).toEqual(["portRangeMax"]);
      expect(failing(p, { protocol: proto, portRangeMin: 0, portRangeMax: 0 })).toEqual(["portRangeMax", "portRangeMin"]);
      expect(failing(p, { protocol: proto, portRangeMin: 1, portRangeMax: 65536 })).toEqual(["portRangeMax"]);
      expect(failing(p, { protocol: proto, portRangeMin: 65536, portRangeMax: 65536 })).toEqual(["portRangeMax", "portRangeMin"]);
      expect(failing(p, { protocol: proto, portRangeMin: 443, portRangeMax: 80 })).toEqual(["portRangeMin"]);
      expect(failing(p, { protocol: proto, portRangeMin: 65535, portRangeMax: 1 })).toEqual(["portRangeMin"]);
    });

    it("a missing end is named in the failure", () => {
      const [f] = failures(p, { protocol: "tcp", portRangeMin: 80 });
      expect(f!.property).toBe("portRangeMax");
      expect(f!.reason).toContain("portRangeMax");
    });

    it("any protocol takes no ports but 1-65535 (every port), which is dropped as Neutron does", () => {
      for (const protocol of [undefined, ...ANY_WORDS[p]]) {
        expect(failing(p, { protocol, portRangeMin: 22, portRangeMax: 22 })).toEqual(["portRangeMin"]);
        expect(ok(p, { protocol, portRangeMin: 1, portRangeMax: 65535 })).toEqual(base({}));
        expect(failing(p, { protocol, portRangeMax: 22 })).toEqual(["portRangeMax"]);
        expect(failing(p, { protocol, portRangeMax: 65535 })).toEqual(["portRangeMax"]);
      }
    });

    it("allowed protocols without ports (and, where not allowed, ICMP) take no ports", () => {
      const portless = names.filter((n) => !t.portProtocols.includes(n) && (t.icmpTypeCode ? !["icmp", "ipv6-icmp"].includes(n) : true));
      if (p === "evroc") expect(portless).toEqual(["icmp"]);
      if (p === "rackspace") expect(portless).toEqual([]);
      for (const proto of portless) {
        const ethertype = IPV6_ONLY.includes(proto) ? "IPv6" : "IPv4";
        expect(failing(p, { protocol: proto, ethertype, portRangeMin: 22, portRangeMax: 22 })).toEqual(["portRangeMin"]);
        expect(failing(p, { protocol: proto, ethertype, portRangeMin: 8 })).toEqual(["portRangeMin"]);
        expect(failing(p, { protocol: proto, ethertype, portRangeMax: 0 })).toEqual(["portRangeMax"]);
      }
      if (t.numbers) {
        expect(ok(p, { protocol: "gre", portRangeMin: 1, portRangeMax: 65535 })).toEqual(base({ protocol: "gre" }));
        expect(failing(p, { protocol: 200, portRangeMin: 22, portRangeMax: 22 })).toEqual(["portRangeMin"]);
        expect(failing(p, { protocol: 47, portRangeMin: 22, portRangeMax: 22 })).toEqual(["portRangeMin"]);
      }
    });

    it("Neutron port protocols the profile does not allow fail on protocol only", () => {
      for (const proto of NEUTRON_PORT_PROTOCOLS.filter((n) => !names.includes(n))) {
        expect(failing(p, { protocol: proto, portRangeMin: 22, portRangeMax: 22 })).toEqual(["protocol"]);
      }
    });
  });

  describe("ICMP type and code", () => {
    if (t.icmpTypeCode) {
      it("portRangeMin is the type and portRangeMax the code, 0-255 each", () => {
        expect(ok(p, { protocol: "icmp", portRangeMin: 8, portRangeMax: 0 })).toEqual(base({ protocol: "icmp", portRangeMin: 8, portRangeMax: 0 }));
        expect(ok(p, { protocol: "icmp", portRangeMin: 0, portRangeMax: 0 })).toEqual(base({ protocol: "icmp", portRangeMin: 0, portRangeMax: 0 }));
        expect(ok(p, { protocol: "icmp", portRangeMin: 255, portRangeMax: 255 })).toEqual(
          base({ protocol: "icmp", portRangeMin: 255, portRangeMax: 255 }),
        );
        // Type greater than code is fine for ICMP (no min <= max rule).
        expect(ok(p, { protocol: 1, portRangeMin: 3, portRangeMax: 1 })).toEqual(base({ protocol: "icmp", portRangeMin: 3, portRangeMax: 1 }));
      });

      it("a type alone is fine", () => {
        expect(ok(p, { protocol: "icmp", portRangeMin: 8 })).toEqual(base({ protocol: "icmp", portRangeMin: 8 }));
        expect(ok(p, { protocol: "icmp", portRangeMin: 0 })).toEqual(base({ protocol: "icmp", portRangeMin: 0 }));
      });

      it("a code without a type fails on portRangeMax", () => {
        expect(failing(p, { protocol: "icmp", portRangeMax: 0 })).toEqual(["portRangeMax"]);
        expect(failing(p, { protocol: "icmp", portRangeMax: 4 })).toEqual(["portRangeMax"]);
      });

      it("type or code above 255 fails on that property", () => {
        expect(failing(p, { protocol: "icmp", portRangeMin: 256 })).toEqual(["portRangeMin"]);
        expect(failing(p, { protocol: "icmp", portRangeMin: 256, portRangeMax: 0 })).toEqual(["portRangeMin"]);
        expect(failing(p, { protocol: "icmp", portRangeMin: 3, portRangeMax: 256 })).toEqual(["portRangeMax"]);
        expect(failing(p, { protocol: "icmp", portRangeMin: 1000, portRangeMax: 1000 })).toEqual(["portRangeMax", "portRangeMin"]);
      });

      it("1-65535 on ICMP means every type and code: dropped before validation, as Neutron does", () => {
        expect(ok(p, { protocol: "icmp", portRangeMin: 1, portRangeMax: 65535 })).toEqual(base({ protocol: "icmp" }));
        expect(failing(p, { protocol: "icmp", portRangeMin: 1, portRangeMax: 65534 })).toEqual(["portRangeMax"]);
      });

      it("ICMP on IPv6 keeps type and code", () => {
        const v6 = t.ipv6Icmp ? "ipv6-icmp" : "icmp";
        expect(ok(p, { protocol: "icmp", ethertype: "IPv6", portRangeMin: 128, portRangeMax: 0 })).toEqual(
          base({ protocol: v6, ethertype: "IPv6", portRangeMin: 128, portRangeMax: 0 }),
        );
        if (t.ipv6Icmp) {
          expect(ok(p, { protocol: "ipv6-icmp", remoteIpPrefix: "::/0", portRangeMin: 135 })).toEqual(
            base({ protocol: "ipv6-icmp", ethertype: "IPv6", remoteIpPrefix: "::/0", portRangeMin: 135 }),
          );
          expect(failing(p, { protocol: 58, ethertype: "IPv6", portRangeMax: 0 })).toEqual(["portRangeMax"]);
        }
      });
    } else {
      it("ICMP takes no type or code at all", () => {
        expect(failing(p, { protocol: "icmp", portRangeMin: 8, portRangeMax: 0 })).toEqual(["portRangeMin"]);
        expect(failing(p, { protocol: "icmp", portRangeMin: 8 })).toEqual(["portRangeMin"]);
        expect(failing(p, { protocol: "icmp", portRangeMax: 0 })).toEqual(["portRangeMax"]);
        expect(failing(p, { protocol: 1, portRangeMin: 0, portRangeMax: 0 })).toEqual(["portRangeMin"]);
        expect(failing(p, { protocol: "icmp", ethertype: "IPv6", portRangeMin: 128 })).toEqual(["portRangeMin"]);
        expect(ok(p, { protocol: "icmp" })).toEqual(base({ protocol: "icmp" }));
      });
    }
  });

  describe("remotes", () => {
    it("CIDR remotes", () => {
      expect(t.remotes.cidr).toBe(true);
      expect(ok(p, { remoteIpPrefix: "10.0.0.0/8" })).toEqual(base({ remoteIpPrefix: "10.0.0.0/8" }));
      expect(ok(p, { remoteIpPrefix: "2001:db8::/32" })).toEqual(base({ remoteIpPrefix: "2001:db8::/32", ethertype: "IPv6" }));
    });

    it(`group remotes are ${t.remotes.group ? "allowed" : "refused"}`, () => {
      if (t.remotes.group) expect(ok(p, { remoteGroupId: "sg-2" })).toEqual(base({ remoteGroupId: "sg-2" }));
      else expect(failing(p, { remoteGroupId: "sg-2" })).toEqual(["remoteGroupId"]);
      if (t.remotes.group) {
        expect(ok(p, { remoteGroupId: GID, ethertype: "IPv6", direction: "egress" })).toEqual(
          base({ remoteGroupId: GID, ethertype: "IPv6", direction: "egress" }),
        );
      }
    });

    it(`subnet remotes are ${t.remotes.subnet ? "allowed" : "refused"}`, () => {
      if (t.remotes.subnet) expect(ok(p, { remoteSubnetId: "subnet-1" })).toEqual(base({ remoteSubnetId: "subnet-1" }));
      else expect(failing(p, { remoteSubnetId: "subnet-1" })).toEqual(["remoteSubnetId"]);
    });

    it("at most one remote: each extra one fails on its own property", () => {
      const extraFor = (prop: "remoteGroupId" | "remoteSubnetId"): string[] => {
        const kind = prop === "remoteGroupId" ? "group" : "subnet";
        return t.remotes[kind] ? [prop] : [prop, prop];
      };
      expect(failing(p, { remoteIpPrefix: "10.0.0.0/8", remoteGroupId: "sg-2" })).toEqual(extraFor("remoteGroupId"));
      expect(failing(p, { remoteIpPrefix: "10.0.0.0/8", remoteSubnetId: "subnet-1" })).toEqual(extraFor("remoteSubnetId"));
      const groupAndSubnet = [...(t.remotes.group ? [] : ["remoteGroupId"]), ...extraFor("remoteSubnetId")].sort();
      expect(failing(p, { remoteGroupId: "sg-2", remoteSubnetId: "subnet-1" })).toEqual(groupAndSubnet);
      expect(failing(p, { remoteIpPrefix: "10.0.0.0/8", remoteGroupId: "sg-2", remoteSubnetId: "subnet-1" })).toEqual(
        [...extraFor("remoteGroupId"), ...extraFor("remoteSubnetId")].sort(),
      );
    });
  });
});

describe("CIDR canonicalisation (every profile)", () => {
  const valid: Array<[string, string, "IPv4" | "IPv6"]> = [
    ["10.0.0.0/8", "10.0.0.0/8", "IPv4"],
    ["1.2.3.4", "1.2.3.4/32", "IPv4"],
    ["1.2.3.4/32", "1.2.3.4/32", "IPv4"],
    ["0.0.0.0/0", "0.0.0.0/0", "IPv4"],
    ["0.0.0.0", "0.0.0.0/32", "IPv4"],
    ["255.255.255.255", "255.255.255.255/32", "IPv4"],
    ["192.168.100.0/22", "192.168.100.0/22", "IPv4"],
    ["2001:DB8:0:0::1", "2001:db8::1/128", "IPv6"],
    ["2001:db8::1", "2001:db8::1/128", "IPv6"],
    ["2001:0db8:0000:0000:0000:0000:0000:0000/32", "2001:db8::/32", "IPv6"],
    ["FE80::/10", "fe80::/10", "IPv6"],
    ["::/0", "::/0", "IPv6"],
    ["::1", "::1/128", "IPv6"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1/128", "IPv6"],
  ];
  const invalid = [
    "0xc0.168.1.1",
    "10.1",
    "010.0.0.1",
    " 10.0.0.0/8",
    "10.0.0.0/8 ",
    "10.0.0.0 /8",
    "10.0.0.0/33",
    "1.2.3.4/64",
    "2001:db8::/129",
    "256.0.0.0/8",
    "10.0.0.0/",
    "10.0.0.0/-1",
    "10.0.0.0/08",
    "10.0.0.0/8/8",
    "1.2.3.4.5",
    "1.2.3",
    "",
    "abc",
    "fe80::1%eth0",
    "2001:db8:::1",
    "2001:db8::g",
    "10.0.0.0/x",
    "/8",
  ];

  describe.each(PROFILE_NAMES)("%s", (p) => {
    it.each(valid)("%s → %s", (input, cidr, family) => {
      expect(ok(p, { remoteIpPrefix: input })).toEqual(base({ remoteIpPrefix: cidr, ethertype: family }));
      expect(ok(p, { remoteIpPrefix: input, ethertype: family })).toEqual(base({ remoteIpPrefix: cidr, ethertype: family }));
    });

    it.each(invalid)("refuses %j", (input) => {
      expect(failing(p, { remoteIpPrefix: input })).toEqual(["remoteIpPrefix"]);
    });

    it("refuses host bits set, naming the network", () => {
      const [f] = failures(p, { remoteIpPrefix: "10.0.0.1/24" });
      expect(f!.property).toBe("remoteIpPrefix");
      expect(f!.reason).toContain("did you mean 10.0.0.0/24?");
      expect(failures(p, { remoteIpPrefix: "10.0.0.1/24" })).toHaveLength(1);
      const [g] = failures(p, { remoteIpPrefix: "2001:db8::1/64" });
      expect(g!.property).toBe("remoteIpPrefix");
      expect(g!.reason).toContain("did you mean 2001:db8::/64?");
      const [h] = failures(p, { remoteIpPrefix: "192.168.1.77/16" });
      expect(h!.reason).toContain("did you mean 192.168.0.0/16?");
    });

    it("an explicit ethertype must match the CIDR's family", () => {
      expect(failing(p, { remoteIpPrefix: "10.0.0.0/8", ethertype: "IPv6" })).toEqual(["ethertype"]);
      expect(failing(p, { remoteIpPrefix: "::/0", ethertype: "IPv4" })).toEqual(["ethertype"]);
      expect(failing(p, { remoteIpPrefix: "1.2.3.4", ethertype: "IPv6" })).toEqual(["ethertype"]);
    });

    it("ethertype defaults to IPv4 without a CIDR and is kept when given", () => {
      expect(ok(p, {})).toEqual(base());
      expect(ok(p, { ethertype: "IPv6" })).toEqual(base({ ethertype: "IPv6" }));
      expect(ok(p, { ethertype: "IPv4" })).toEqual(base());
    });
  });
});

describe("direction and description defaults", () => {
  it.each(PROFILE_NAMES)("%s", (p) => {
    expect(ok(p, {})).toEqual({ securityGroupId: GID, direction: "ingress", ethertype: "IPv4", protocol: "any", description: "" });
    expect(ok(p, { direction: "egress" })).toEqual(base({ direction: "egress" }));
    expect(ok(p, { direction: "ingress", description: "ssh from office" })).toEqual(base({ description: "ssh from office" }));
    expect(ok(p, { description: "" })).toEqual(base());
  });
});

describe("the issue's rule: protocol 6, ports 1-65535, remote 1.2.3.4", () => {
  it.each(PROFILE_NAMES)("%s", (p) => {
    expect(ok(p, { protocol: 6, portRangeMin: 1, portRangeMax: 65535, remoteIpPrefix: "1.2.3.4" })).toEqual({
      securityGroupId: GID,
      direction: "ingress",
      ethertype: "IPv4",
      protocol: "tcp",
      remoteIpPrefix: "1.2.3.4/32",
      description: "",
    });
  });
});

describe("a value unknown at preview is present: its value is checked at apply, its presence at preview", () => {
  it.each(PROFILE_NAMES)("%s: each field unknown on its own", (p) => {
    expect(checkRule({ securityGroupId: UNKNOWN }, PROFILES[p])).toEqual({ kind: "ok", rule: base({ securityGroupId: UNKNOWN }) });
    expect(ok(p, { direction: UNKNOWN })).toEqual(base({ direction: UNKNOWN }));
    expect(ok(p, { ethertype: UNKNOWN })).toEqual(base({ ethertype: UNKNOWN }));
    expect(ok(p, { protocol: UNKNOWN })).toEqual(base({ protocol: UNKNOWN }));
    expect(ok(p, { description: UNKNOWN })).toEqual(base({ description: UNKNOWN }));
    expect(ok(p, { remoteIpPrefix: UNKNOWN })).toEqual(base({ remoteIpPrefix: UNKNOWN, ethertype: UNKNOWN }));
    expect(ok(p, { protocol: "tcp", portRangeMin: UNKNOWN, portRangeMax: 80 })).toEqual(
      base({ protocol: "tcp", portRangeMin: UNKNOWN, portRangeMax: 80 }),
    );
    expect(ok(p, { protocol: "tcp", portRangeMin: 80, portRangeMax: UNKNOWN })).toEqual(
      base({ protocol: "tcp", portRangeMin: 80, portRangeMax: UNKNOWN }),
    );
    // One end of a port range, whatever its value, is a missing other end.
    expect(failing(p, { protocol: "tcp", portRangeMin: UNKNOWN })).toEqual(["portRangeMax"]);
    if (TABLE[p].remotes.group) expect(ok(p, { remoteGroupId: UNKNOWN })).toEqual(base({ remoteGroupId: UNKNOWN }));
    if (TABLE[p].remotes.subnet) expect(ok(p, { remoteSubnetId: UNKNOWN })).toEqual(base({ remoteSubnetId: UNKNOWN }));
  });

  it.each(PROFILE_NAMES)("%s: an unknown protocol skips the port checks, unknown ports skip them too", (p) => {
    expect(ok(p, { protocol: UNKNOWN, portRangeMin: 22, portRangeMax: 22 })).toEqual(base({ protocol: UNKNOWN, portRangeMin: 22, portRangeMax: 22 }));
    expect(ok(p, { protocol: UNKNOWN, portRangeMin: 70000 })).toEqual(base({ protocol: UNKNOWN, portRangeMin: 70000 }));
    expect(ok(p, { portRangeMin: UNKNOWN, portRangeMax: UNKNOWN })).toEqual(base({ portRangeMin: UNKNOWN, portRangeMax: UNKNOWN }));
    // An ICMP type alone is fine where ICMP takes type and code; where it takes no ports (evroc) it is a port.
    if (TABLE[p].icmpTypeCode) expect(ok(p, { protocol: "icmp", portRangeMin: UNKNOWN })).toEqual(base({ protocol: "icmp", portRangeMin: UNKNOWN }));
    else expect(failing(p, { protocol: "icmp", portRangeMin: UNKNOWN })).toEqual(["portRangeMin"]);
    // A code without a type (or, where ICMP takes no ports, a port) whatever its value.
    expect(failing(p, { protocol: "icmp", portRangeMax: UNKNOWN })).toEqual(["portRangeMax"]);
    // Ports on a protocol that takes none: only 1-65535 could pass, so a known other end decides.
    expect(failing(p, { protocol: "any", portRangeMin: UNKNOWN, portRangeMax: 80 })).toEqual(["portRangeMin"]);
    expect(ok(p, { protocol: "any", portRangeMin: UNKNOWN, portRangeMax: 65535 })).toEqual(base({ portRangeMin: UNKNOWN, portRangeMax: 65535 }));
  });

  it.each(PROFILE_NAMES)("%s: an unknown ethertype or CIDR skips the family checks", (p) => {
    expect(ok(p, { ethertype: UNKNOWN, remoteIpPrefix: "10.0.0.0/8" })).toEqual(base({ ethertype: UNKNOWN, remoteIpPrefix: "10.0.0.0/8" }));
    expect(ok(p, { ethertype: "IPv6", remoteIpPrefix: UNKNOWN })).toEqual(base({ ethertype: "IPv6", remoteIpPrefix: UNKNOWN }));
    expect(ok(p, { ethertype: "IPv4", remoteIpPrefix: UNKNOWN })).toEqual(base({ ethertype: "IPv4", remoteIpPrefix: UNKNOWN }));
    expect(ok(p, { protocol: "icmp", remoteIpPrefix: UNKNOWN })).toEqual(base({ protocol: "icmp", ethertype: UNKNOWN, remoteIpPrefix: UNKNOWN }));
  });

  it.each(PROFILE_NAMES)("%s: known fields next to unknown ones are still checked", (p) => {
    expect(failing(p, { protocol: UNKNOWN, remoteIpPrefix: "10.0.0.1/24" })).toEqual(["remoteIpPrefix"]);
    expect(failing(p, { protocol: "foo", portRangeMin: UNKNOWN })).toEqual(["protocol"]);
    expect(failing(p, { ethertype: "IPv6", remoteIpPrefix: "10.0.0.0/8", description: UNKNOWN })).toEqual(["ethertype"]);
  });

  // An unknown remote is a remote (Terraform refuses a conflicting attribute whose value is
  // unknown at plan, too): a second one, or one of a kind the profile lacks, fails the preview.
  const unknownRemoteCases: Array<[string, RuleInput]> = [
    ["unknown CIDR + unknown group", { remoteIpPrefix: UNKNOWN, remoteGroupId: UNKNOWN }],
    ["known CIDR + unknown group", { remoteIpPrefix: "10.0.0.0/8", remoteGroupId: UNKNOWN }],
    ["unknown CIDR + known group", { remoteIpPrefix: UNKNOWN, remoteGroupId: "sg-2" }],
  ];
  describe.each(["openstack", "meshcloud", "evroc"] as const)("%s", (p) => {
    it.each(unknownRemoteCases)("%s: remoteGroupId cannot be combined with remoteIpPrefix", (_name, input) => {
      const r = checkRule({ securityGroupId: GID, ...input }, PROFILES[p]);
      expect(r.kind === "invalid" ? r.failures.map((f) => f.property) : []).toEqual(["remoteGroupId"]);
      expect(r.kind === "invalid" ? r.failures[0]!.reason : "").toMatch(
        /^SG_INVALID_INPUT: remoteGroupId cannot be combined with remoteIpPrefix \(got (a value known only after apply|"sg-2")\)/,
      );
    });
  });

  it("rackspace: an unknown remoteGroupId is a group remote, which rackspace lacks", () => {
    const r = checkRule({ securityGroupId: GID, remoteGroupId: UNKNOWN }, PROFILES.rackspace);
    expect(r.kind === "invalid" ? r.failures.map((f) => f.reason) : []).toEqual([
      "SG_INVALID_INPUT: remoteGroupId is not supported by profile rackspace (got a value known only after apply); allowed: remotes of kind cidr; fix: allow the group's addresses by CIDR instead",
    ]);
  });

  it("openstack: an unknown remoteSubnetId is a subnet remote, which openstack lacks", () => {
    const r = checkRule({ securityGroupId: GID, remoteSubnetId: UNKNOWN }, PROFILES.openstack);
    expect(r.kind === "invalid" ? r.failures.map((f) => f.property) : []).toEqual(["remoteSubnetId"]);
  });
});

describe("every failure at once", () => {
  it("host bits + min > max + two remotes → three failures", () => {
    const r = checkRule(
      { securityGroupId: GID, protocol: "tcp", portRangeMin: 443, portRangeMax: 80, remoteIpPrefix: "10.0.0.1/24", remoteGroupId: "sg-2" },
      PROFILES.openstack,
    );
    expect(r.kind).toBe("invalid");
    if (r.kind !== "invalid") return;
    expect(r.failures.map((f) => f.property).sort()).toEqual(["portRangeMin", "remoteGroupId", "remoteIpPrefix"]);
    for (const f of r.failures) expect(f.reason.startsWith(PREFIX)).toBe(true);
    expect(r.failures.find((f) => f.property === "remoteIpPrefix")!.reason).toContain("did you mean 10.0.0.0/24?");
  });

  it("bad protocol + ethertype mismatch + unsupported subnet + second remote (openstack)", () => {
    expect(failing("openstack", { protocol: "foo", ethertype: "IPv6", remoteIpPrefix: "10.0.0.0/8", remoteSubnetId: "s" })).toEqual([
      "ethertype",
      "protocol",
      "remoteSubnetId",
      "remoteSubnetId",
    ]);
  });

  it("rackspace: group remote + gre + icmp code without type are all reported", () => {
    expect(failing("rackspace", { protocol: "gre", remoteGroupId: "g" })).toEqual(["protocol", "remoteGroupId"]);
    expect(failing("rackspace", { protocol: "icmp", portRangeMax: 3, remoteGroupId: "g" })).toEqual(["portRangeMax", "remoteGroupId"]);
  });

  it("IPv6-only protocol on IPv4 + missing port end", () => {
    expect(failing("openstack", { protocol: "ipv6-icmp", ethertype: "IPv4", remoteIpPrefix: "10.0.0.1" })).toEqual(["protocol"]);
    expect(failing("openstack", { protocol: "udp", portRangeMin: 53, remoteIpPrefix: "1.2.3" })).toEqual(["portRangeMax", "remoteIpPrefix"]);
  });
});

describe("canonicalProtocol", () => {
  it("reports unknown for the sentinel and any for absent", () => {
    expect(canonicalProtocol(UNKNOWN, PROFILES.openstack)).toEqual({ kind: "unknown" });
    expect(canonicalProtocol(undefined, PROFILES.evroc)).toEqual({ kind: "ok", protocol: "any" });
    expect(canonicalProtocol("TCP", PROFILES.rackspace)).toEqual({ kind: "ok", protocol: "tcp" });
    expect(canonicalProtocol("icmpv6", PROFILES.openstack)).toEqual({ kind: "ok", protocol: "ipv6-icmp" });
    expect(canonicalProtocol(200, PROFILES.meshcloud)).toEqual({ kind: "ok", protocol: "200" });
    const bad = canonicalProtocol(200, PROFILES.rackspace);
    expect(bad.kind).toBe("invalid");
    if (bad.kind === "invalid") {
      expect(bad.failure.property).toBe("protocol");
      expect(bad.failure.reason.startsWith(PREFIX)).toBe(true);
    }
  });
});

describe("ruleKey (Neutron duplicate semantics)", () => {
  const sshV4: RuleInput = { protocol: "tcp", portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "10.0.0.0/8" };

  it("ignores the description", () => {
    expect(key("openstack", { ...sshV4, description: "a" })).toBe(key("openstack", { ...sshV4, description: "b" }));
    expect(key("openstack", { ...sshV4, description: "a" })).toBe(key("openstack", sshV4));
  });

  it('tcp and 6 (and TCP, "6") are the same', () => {
    const k = key("openstack", sshV4);
    for (const protocol of [6, "6", "TCP", "Tcp"]) expect(key("openstack", { ...sshV4, protocol })).toBe(k);
    expect(key("rackspace", { protocol: 17 })).toBe(key("rackspace", { protocol: "udp" }));
    expect(key("openstack", { protocol: 0 })).toBe(key("openstack", { protocol: "ip" }));
    expect(key("openstack", { protocol: "hopopt" })).toBe(key("openstack", { protocol: "ip" }));
    expect(key("openstack", { protocol: "200" })).toBe(key("openstack", { protocol: 200 }));
    expect(key("openstack", { protocol: "icmpv6", ethertype: "IPv6" })).toBe(key("openstack", { protocol: 58, ethertype: "IPv6" }));
    expect(key("openstack", { protocol: "icmp", ethertype: "IPv6" })).toBe(key("openstack", { protocol: "ipv6-icmp", ethertype: "IPv6" }));
  });

  it("any, absent (and evroc's all) are the same", () => {
    const k = key("openstack", {});
    for (const protocol of ["any", "ANY", null]) expect(key("openstack", { protocol })).toBe(k);
    expect(key("evroc", { protocol: "All" })).toBe(key("evroc", {}));
  });

  it("0.0.0.0/0, ::/0 and no remote give the same remote", () => {
    expect(key("openstack", { remoteIpPrefix: "0.0.0.0/0" })).toBe(key("openstack", {}));
    expect(key("openstack", { remoteIpPrefix: "::/0" })).toBe(key("openstack", { ethertype: "IPv6" }));
    expect(key("evroc", { protocol: "tcp", portRangeMin: 80, portRangeMax: 80, remoteIpPrefix: "0.0.0.0/0" })).toBe(
      key("evroc", { protocol: "tcp", portRangeMin: 80, portRangeMax: 80 }),
    );
    // Same remote component: only the ethertype tells these apart.
    const v4 = key("openstack", { remoteIpPrefix: "0.0.0.0/0" }).split("|");
    const v6 = key("openstack", { remoteIpPrefix: "::/0" }).split("|");
    expect(v4[v4.length - 1]).toBe(v6[v6.length - 1]);
    expect(v4.slice(0, 2)).toEqual(v6.slice(0, 2));
  });

  it("1-65535 is the same as no ports; bare IP the same as /32", () => {
    expect(key("openstack", { protocol: "tcp", portRangeMin: 1, portRangeMax: 65535 })).toBe(key("openstack", { protocol: "tcp" }));
    expect(key("openstack", { ...sshV4, remoteIpPrefix: "1.2.3.4" })).toBe(key("openstack", { ...sshV4, remoteIpPrefix: "1.2.3.4/32" }));
    expect(key("openstack", { remoteIpPrefix: "2001:DB8:0::1" })).toBe(key("openstack", { remoteIpPrefix: "2001:db8::1/128" }));
  });

  it("differs on group, direction, ethertype, protocol, ports and remote", () => {
    const k = key("evroc", sshV4);
    const others: RuleInput[] = [
      { ...sshV4, securityGroupId: "sg-other" },
      { ...sshV4, direction: "egress" },
      { protocol: "tcp", portRangeMin: 22, portRangeMax: 22, ethertype: "IPv6" },
      { ...sshV4, protocol: "udp" },
      { ...sshV4, portRangeMin: 23, portRangeMax: 23 },
      { ...sshV4, portRangeMin: 22, portRangeMax: 23 },
      { ...sshV4, portRangeMin: 21, portRangeMax: 22 },
      { protocol: "tcp", remoteIpPrefix: "10.0.0.0/8" },
      { ...sshV4, remoteIpPrefix: "10.0.0.0/16" },
      { ...sshV4, remoteIpPrefix: "11.0.0.0/8" },
      { ...sshV4, remoteIpPrefix: undefined },
      { ...sshV4, remoteIpPrefix: undefined, remoteGroupId: "sg-2" },
      { ...sshV4, remoteIpPrefix: undefined, remoteSubnetId: "sg-2" },
    ];
    const keys = others.map((o) => key("evroc", o));
    for (const other of keys) expect(other).not.toBe(k);
    expect(new Set(keys).size).toBe(keys.length);
    expect(key("openstack", { remoteGroupId: "a" })).not.toBe(key("openstack", { remoteGroupId: "b" }));
    expect(key("openstack", { protocol: "icmp", portRangeMin: 8 })).not.toBe(
      key("openstack", { protocol: "icmp", portRangeMin: 8, portRangeMax: 0 }),
    );
    expect(key("openstack", { protocol: "icmp", portRangeMin: 0 })).not.toBe(key("openstack", { protocol: "icmp" }));
    expect(key("openstack", { protocol: 0 })).not.toBe(key("openstack", {}));
  });
});

describe("checkSecurityGroupRule (schema, then the configured profile)", () => {
  afterEach(() => configure({}));

  it("reports schema failures with exact properties, all at once, inputs as given", () => {
    configure({ "secgroups:profile": "openstack" });
    const news = { __provider: "p", securityGroupId: GID, portRangeMin: "22", direction: "in", bogus: 1 };
    const result = checkSecurityGroupRule(news);
    expect(result.failures!.map((f) => f.property).sort()).toEqual(["bogus", "direction", "portRangeMin"]);
    for (const f of result.failures!) expect(f.reason.startsWith(PREFIX)).toBe(true);
    expect(result.inputs).toEqual({ securityGroupId: GID, portRangeMin: "22", direction: "in", bogus: 1 });
  });

  it("schema failures for types and ranges", () => {
    configure({ "secgroups:profile": "openstack" });
    const props = (news: Record<string, unknown>) => (checkSecurityGroupRule(news).failures ?? []).map((f) => f.property).sort();
    expect(props({})).toEqual(["securityGroupId"]);
    expect(props({ securityGroupId: "" })).toEqual(["securityGroupId"]);
    expect(props({ securityGroupId: GID, ethertype: "ipv4" })).toEqual(["ethertype"]);
    expect(props({ securityGroupId: GID, protocol: 6.5 })).toEqual(["protocol"]);
    expect(props({ securityGroupId: GID, protocol: true })).toEqual(["protocol"]);
    expect(props({ securityGroupId: GID, protocol: "tcp", portRangeMin: 22, portRangeMax: 70000 })).toEqual(["portRangeMax"]);
    expect(props({ securityGroupId: GID, protocol: "tcp", portRangeMin: -1, portRangeMax: 22 })).toEqual(["portRangeMin"]);
    expect(props({ securityGroupId: GID, remoteIpPrefix: 10 })).toEqual(["remoteIpPrefix"]);
    expect(props({ securityGroupId: GID, remoteGroupId: "" })).toEqual(["remoteGroupId"]);
    expect(props({ securityGroupId: GID, description: "x".repeat(256) })).toEqual(["description"]);
    expect(props({ securityGroupId: GID, description: "x".repeat(255) })).toEqual([]);
  });

  it("canonicalises the issue's program: protocol 6, ports 1-65535, remote 1.2.3.4", () => {
    configure({ "secgroups:profile": "openstack" });
    const result = checkSecurityGroupRule({
      __provider: "serialized",
      securityGroupId: GID,
      protocol: 6,
      portRangeMin: 1,
      portRangeMax: 65535,
      remoteIpPrefix: "1.2.3.4",
    });
    expect(result.failures ?? []).toEqual([]);
    expect(result.inputs).toEqual({
      protocol: "tcp",
      remoteIpPrefix: "1.2.3.4/32",
      ethertype: "IPv4",
      direction: "ingress",
      description: "",
      securityGroupId: GID,
    });
    expect("portRangeMin" in result.inputs).toBe(false);
    expect("portRangeMax" in result.inputs).toBe(false);
    expect("__provider" in result.inputs).toBe(false);
  });

  it("uses the configured profile", () => {
    const news = { securityGroupId: GID, protocol: "icmp", portRangeMin: 8, portRangeMax: 0 };
    configure({ "secgroups:profile": "openstack" });
    expect(checkSecurityGroupRule(news)).toEqual({ inputs: base({ protocol: "icmp", portRangeMin: 8, portRangeMax: 0 }) });
    configure({ "secgroups:profile": "evroc" });
    const evroc = checkSecurityGroupRule(news);
    expect(evroc.failures!.map((f) => f.property)).toEqual(["portRangeMin"]);
    expect(evroc.inputs).toEqual(news);
    configure({ "secgroups:profile": "rackspace" });
    expect(checkSecurityGroupRule({ securityGroupId: GID, remoteGroupId: "g" }).failures!.map((f) => f.property)).toEqual(["remoteGroupId"]);
    expect(checkSecurityGroupRule({ securityGroupId: GID, protocol: "gre" }).failures!.map((f) => f.property)).toEqual(["protocol"]);
    configure({ "secgroups:profile": "meshcloud" });
    expect(checkSecurityGroupRule({ securityGroupId: GID, protocol: "gre" })).toEqual({ inputs: base({ protocol: "gre" }) });
  });

  it("skips unknown values in the schema check and passes them through", () => {
    configure({ "secgroups:profile": "openstack" });
    const result = checkSecurityGroupRule({
      securityGroupId: UNKNOWN,
      protocol: "tcp",
      portRangeMin: UNKNOWN,
      portRangeMax: 443,
      ethertype: UNKNOWN,
    });
    expect(result.failures ?? []).toEqual([]);
    expect(result.inputs).toEqual(base({ securityGroupId: UNKNOWN, protocol: "tcp", portRangeMin: UNKNOWN, portRangeMax: 443, ethertype: UNKNOWN }));
  });

  it("domain failures after a clean schema check, with exact properties", () => {
    configure({ "secgroups:profile": "openstack" });
    const result = checkSecurityGroupRule({
      securityGroupId: GID,
      protocol: "tcp",
      portRangeMin: 443,
      portRangeMax: 80,
      remoteIpPrefix: "10.0.0.1/24",
      remoteGroupId: "sg-2",
    });
    expect(result.failures!.map((f) => f.property).sort()).toEqual(["portRangeMin", "remoteGroupId", "remoteIpPrefix"]);
  });
});

describe("an IPv6 address written with an embedded dotted quad keeps its address", () => {
  it("::1.2.3.4 is ::102:304 (IPv4-compatible), not the IPv4-mapped ::ffff:102:304", () => {
    expect(parseCidr("::1.2.3.4")).toEqual({ kind: "network", family: "IPv6", cidr: "::102:304/128", prefixLength: 128 });
    expect(parseCidr("::ffff:1.2.3.4/128")).toEqual({ kind: "network", family: "IPv6", cidr: "::ffff:102:304/128", prefixLength: 128 });
    expect(parseCidr("64:ff9b::192.0.2.0/120")).toEqual({ kind: "network", family: "IPv6", cidr: "64:ff9b::c000:200/120", prefixLength: 120 });
    expect(parseCidr("1:2:3:4:5:6:1.2.3.4")).toEqual({ kind: "network", family: "IPv6", cidr: "1:2:3:4:5:6:102:304/128", prefixLength: 128 });
  });

  it("the quad is strict decimal and last", () => {
    for (const bad of ["::01.2.3.4", "::1.2.3", "::1.2.3.256", "1.2.3.4::", "::1.2.3.4:5"]) expect(parseCidr(bad).kind, bad).toBe("invalid");
  });
});
