/**
 * checkRule's protocols under each profile: names, numbers, the words for any protocol, ICMP over
 * IPv6 and IPv6-only protocols; canonicalProtocol.
 */
import { describe, expect, it } from "vitest";
import { canonicalProtocol } from "../../provider/domain/rules";
import { UNKNOWN } from "../../provider/domain/unknown";
import {
  allowedNames,
  ANY_WORDS,
  base,
  failing,
  IPV6_ONLY,
  IPV6_ONLY_NUMBERS,
  NAME_OF,
  NEUTRON,
  ok,
  PREFIX,
  PROFILE_NAMES,
  PROFILES,
  TABLE,
} from "./support/ruleProfiles";

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
