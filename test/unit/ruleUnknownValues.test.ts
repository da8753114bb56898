/** checkRule with values unknown at preview: their presence is checked at preview, their values at apply. */
import { describe, expect, it } from "vitest";
import { checkRule, type RuleInput } from "../../provider/domain/rules";
import { UNKNOWN } from "../../provider/domain/unknown";
import { base, failing, GID, ok, PROFILE_NAMES, PROFILES, TABLE } from "./support/ruleProfiles";

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
