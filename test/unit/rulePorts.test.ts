/** checkRule's ports under each profile: port ranges, protocols that take none, and ICMP type and code. */
import { describe, expect, it } from "vitest";
import {
  allowedNames,
  ANY_WORDS,
  base,
  failing,
  failures,
  IPV6_ONLY,
  NEUTRON_PORT_PROTOCOLS,
  ok,
  PROFILE_NAMES,
  TABLE,
} from "./support/ruleProfiles";

describe.each(PROFILE_NAMES)("checkRule under profile %s", (p) => {
  const t = TABLE[p];
  const names = allowedNames(p);

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
});
