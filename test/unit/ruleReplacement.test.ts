/** How a changed rule is carried out (diffSecurityGroupRule): replaced delete-first or create-first, or updated in place. */
import { describe, expect, it } from "vitest";
import { diffSecurityGroupRule } from "../../provider/resources/securityGroupRule";

const base = {
  securityGroupId: "sg-1",
  direction: "ingress",
  ethertype: "IPv4",
  protocol: "tcp",
  portRangeMin: 22,
  portRangeMax: 22,
  description: "",
};

describe("rule replacement order", () => {
  it("deletes first when old and new rule are duplicates in Neutron's sense (0.0.0.0/0 → no remote)", () => {
    const d = diffSecurityGroupRule({ ...base, remoteIpPrefix: "0.0.0.0/0", project: "default" }, { ...base });
    expect(d).toEqual({ changes: true, replaces: ["remoteIpPrefix"], deleteBeforeReplace: true });
  });

  it("creates first when the new rule differs in key (22 → 23)", () => {
    const d = diffSecurityGroupRule({ ...base, project: "default" }, { ...base, portRangeMin: 23, portRangeMax: 23 });
    expect(d).toEqual({ changes: true, replaces: ["portRangeMin", "portRangeMax"], deleteBeforeReplace: false });
  });

  it("replaces the rule for a new description, delete-first, where rules are immutable (Neutron)", () => {
    const d = diffSecurityGroupRule({ ...base, project: "default" }, { ...base, description: "x" }, false);
    expect(d).toEqual({ changes: true, replaces: ["description"], deleteBeforeReplace: true });
  });

  it("changes only the description in place", () => {
    const d = diffSecurityGroupRule({ ...base, project: "default" }, { ...base, description: "x" });
    expect(d).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });
});
