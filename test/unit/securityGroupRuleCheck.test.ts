/** checkSecurityGroupRule, the rule resource's check: the schema first, then the configured profile. */
import { afterEach, describe, expect, it } from "vitest";
import { configure } from "../../provider/context";
import { checkSecurityGroupRule } from "../../provider/resources/securityGroupRule";
import { UNKNOWN } from "../../provider/domain/unknown";
import { base, GID, PREFIX } from "./support/ruleProfiles";

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
