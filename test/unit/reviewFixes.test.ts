import { describe, expect, it } from "vitest";
import { diffSecurityGroupRule } from "../../provider/resources/securityGroupRule";
import { checkSecurityGroup } from "../../provider/resources/securityGroup";
import { checkDefaultProject } from "../../provider/schema";

const base = { securityGroupId: "sg-1", direction: "ingress", ethertype: "IPv4", protocol: "tcp", portRangeMin: 22, portRangeMax: 22, description: "" };

describe("rule replacement order", () => {
  it("deletes first when old and new rule are duplicates in Neutron's sense (0.0.0.0/0 → no remote)", () => {
    const d = diffSecurityGroupRule({ ...base, remoteIpPrefix: "0.0.0.0/0", project: "default" }, { ...base });
    expect(d).toEqual({ changes: true, replaces: ["remoteIpPrefix"], deleteBeforeReplace: true });
  });

  it("creates first when the new rule differs in key (22 → 23)", () => {
    const d = diffSecurityGroupRule({ ...base, project: "default" }, { ...base, portRangeMin: 23, portRangeMax: 23 });
    expect(d).toEqual({ changes: true, replaces: ["portRangeMin", "portRangeMax"], deleteBeforeReplace: false });
  });

  it("changes only the description in place", () => {
    const d = diffSecurityGroupRule({ ...base, project: "default" }, { ...base, description: "x" });
    expect(d).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });
});

describe("reserved default-group names and the default project", () => {
  it("refuses a group named like one of the profile's default groups, at check", () => {
    const r = checkSecurityGroup({ name: "default" }, "default", ["default"]);
    expect(r.failures.map((f) => f.property)).toEqual(["name"]);
    expect(r.failures[0]!.reason.startsWith("SG_NAME_TAKEN: \"default\" is the name of a default group")).toBe(true);
  });

  it("refuses an invalid default project from the settings, but not when the resource names its own", () => {
    expect(checkDefaultProject("a b", undefined).map((f) => f.property)).toEqual(["project"]);
    expect(checkDefaultProject("a b", "team")).toEqual([]);
    expect(checkDefaultProject("team-a", undefined)).toEqual([]);
  });
});
