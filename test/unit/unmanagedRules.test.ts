/** SecurityGroup.unmanagedRules: which of a group's rules its own stack does not manage, and how they read. */
import { describe, expect, it } from "vitest";
import { unmanagedRulesOf } from "../../provider/resources/securityGroup";
import type { RuleRecord } from "../../provider/backends/types";

const GROUP_URN = "urn:pulumi:dev::shop::pulumi-nodejs:dynamic/secgroups:SecurityGroup::web";
const AT = "2026-11-23T10:00:00.000Z";

function record(id: string, fields: Partial<RuleRecord>): RuleRecord {
  return {
    id,
    project: "default",
    securityGroupId: "g1",
    direction: "ingress",
    ethertype: "IPv4",
    protocol: "tcp",
    portRangeMin: 22,
    portRangeMax: 22,
    remoteIpPrefix: "0.0.0.0/0",
    remoteGroupId: null,
    remoteSubnetId: null,
    description: "",
    isDefault: false,
    createdAt: AT,
    updatedAt: AT,
    ...fields,
  };
}

describe("unmanagedRulesOf", () => {
  const rules = [
    record("d1", { direction: "egress", protocol: null, portRangeMin: null, portRangeMax: null, remoteIpPrefix: null, isDefault: true }),
    record("mine", {
      managedBy: "urn:pulumi:dev::shop::pulumi-nodejs:dynamic/secgroups:SecurityGroup$pulumi-nodejs:dynamic/secgroups:SecurityGroupRule::ssh",
    }),
    record("other-stack", {
      portRangeMin: 443,
      portRangeMax: 443,
      managedBy: "urn:pulumi:prod::shop::pulumi-nodejs:dynamic/secgroups:SecurityGroupRule::https",
    }),
    record("by-hand", { protocol: "icmp", portRangeMin: 8, portRangeMax: 0, remoteIpPrefix: null, remoteGroupId: "g2", description: "ping" }),
    record("subnet", { protocol: null, portRangeMin: null, portRangeMax: null, remoteIpPrefix: null, remoteSubnetId: "s1" }),
  ];

  it("lists rules no resource of the group's stack manages, default rules aside, with only the fields that are set", () => {
    expect(unmanagedRulesOf(rules, GROUP_URN)).toEqual([
      {
        id: "other-stack",
        direction: "ingress",
        ethertype: "IPv4",
        protocol: "tcp",
        portRangeMin: 443,
        portRangeMax: 443,
        remoteIpPrefix: "0.0.0.0/0",
        managedBy: "urn:pulumi:prod::shop::pulumi-nodejs:dynamic/secgroups:SecurityGroupRule::https",
      },
      {
        id: "by-hand",
        direction: "ingress",
        ethertype: "IPv4",
        protocol: "icmp",
        portRangeMin: 8,
        portRangeMax: 0,
        remoteGroupId: "g2",
        description: "ping",
      },
      { id: "subnet", direction: "ingress", ethertype: "IPv4", protocol: "any", remoteSubnetId: "s1" },
    ]);
  });

  it("a rule of another project with the same stack name is someone else's", () => {
    const sameStackOtherProject = record("x", { managedBy: "urn:pulumi:dev::other::pulumi-nodejs:dynamic/secgroups:SecurityGroupRule::ssh" });
    expect(unmanagedRulesOf([sameStackOtherProject], GROUP_URN).map((r) => r.id)).toEqual(["x"]);
  });

  it("without the group's URN (state from before managedBy) lists every non-default rule", () => {
    expect(unmanagedRulesOf(rules, undefined).map((r) => r.id)).toEqual(["mine", "other-stack", "by-hand", "subnet"]);
  });
});
