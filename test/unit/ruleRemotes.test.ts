/**
 * checkRule's remotes under each profile: CIDR, group and subnet remotes, at most one; CIDRs in
 * their canonical form, the ethertype they imply; IPv6 addresses with an embedded dotted quad.
 */
import { describe, expect, it } from "vitest";
import { parseCidr } from "../../provider/domain/cidr";
import { base, failing, failures, GID, ok, PROFILE_NAMES, TABLE } from "./support/ruleProfiles";

describe.each(PROFILE_NAMES)("checkRule under profile %s", (p) => {
  const t = TABLE[p];

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
