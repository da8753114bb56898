/** checkRule as a whole: the direction and description defaults, the rule under every profile, and every failure of an input reported at once. */
import { describe, expect, it } from "vitest";
import { checkRule } from "../../provider/domain/rules";
import { base, failing, GID, ok, PREFIX, PROFILE_NAMES, PROFILES } from "./support/ruleProfiles";

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
