/**
 * The exposure renderers, exactly: the HTML matrix's columns and cells (who can reach each), the
 * cap on the members a remote group lists, can-reach's text and fix, JSON with each rule's
 * addresses once.
 */
import { describe, expect, it } from "vitest";
import { canReach, evaluateExposure, type ExposureModel, type ModelRule } from "../../provider/domain/exposure";
import { canReachText } from "../../provider/cli/exposureFormat";
import { describeRemote, matrixCell, matrixColumns, MEMBERS_SHOWN } from "../../provider/domain/exposureReport";
import { exposureJson } from "../../provider/exposureReport";

const rule = (id: string, group: string, f: Partial<ModelRule>): ModelRule => ({
  id,
  securityGroupId: group,
  direction: "ingress",
  ethertype: "IPv4",
  protocol: "tcp",
  portRangeMin: null,
  portRangeMax: null,
  remoteIpPrefix: null,
  remoteGroupId: null,
  remoteSubnetId: null,
  description: "",
  ...f,
});

/** One server per kind of reach on tcp 22, and app servers that only members reach. */
function model(members = 2): ExposureModel {
  return {
    profile: "openstack",
    project: "p",
    groups: [
      { id: "open", name: "open", stateful: true },
      { id: "office", name: "office", stateful: true },
      { id: "lan", name: "lan", stateful: true },
      { id: "app", name: "app", stateful: false },
      { id: "none", name: "none", stateful: true },
    ],
    rules: [
      rule("r1", "open", { portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "0.0.0.0/0" }),
      rule("r2", "office", { portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "8.8.0.0/16" }),
      rule("r3", "lan", { portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "10.0.0.0/8" }),
      rule("r4", "app", { remoteGroupId: "app" }),
      rule("r5", "open", { protocol: null }),
    ],
    servers: [
      {
        id: "s1",
        name: "a-open",
        status: "ACTIVE",
        ports: [{ id: "p1", networkId: "n", networkName: "net", fixedIp: "10.0.0.1", securityGroupIds: ["open"] }],
      },
      {
        id: "s2",
        name: "b-office",
        status: "ACTIVE",
        ports: [{ id: "p2", networkId: "n", networkName: "net", fixedIp: "10.0.0.2", securityGroupIds: ["office"] }],
      },
      {
        id: "s3",
        name: "c-lan",
        status: "ACTIVE",
        ports: [{ id: "p3", networkId: "n", networkName: "net", fixedIp: "10.0.0.3", securityGroupIds: ["lan"] }],
      },
      {
        id: "s4",
        name: "d-none",
        status: "ACTIVE",
        ports: [{ id: "p4", networkId: "n", networkName: "net", fixedIp: "10.0.0.4", securityGroupIds: ["none"] }],
      },
      ...Array.from({ length: members }, (_, i) => ({
        id: `m${i}`,
        name: `e-app-${i}`,
        status: "ACTIVE" as const,
        ports: [{ id: `pm${i}`, networkId: "n", networkName: "net", fixedIp: `10.1.0.${i + 1}`, securityGroupIds: ["app"] }],
      })),
    ],
    networks: [{ id: "n", name: "net", subnets: ["10.0.0.0/8"] }],
  };
}

describe("the HTML matrix", () => {
  it("has a column per traffic an ingress rule opens, narrow protocols first, and a cell per port coloured by who can send it", () => {
    const ports = evaluateExposure(model());
    const columns = matrixColumns(ports);
    expect(columns.map((c) => c.label)).toEqual(["tcp", "tcp 22", "any protocol"]);
    const grid = ports.map(
      (a) =>
        `${a.serverName}: ${columns
          .map((c) => {
            const cell = matrixCell(a, c);
            return `${cell.reach}(${cell.label})`;
          })
          .join(" ")}`,
    );
    expect(grid).toEqual([
      "a-open: internet(internet) internet(internet) internet(internet)",
      "b-office: none(-) public(8.8.0.0/16) none(-)",
      "c-lan: none(-) networks(10.0.0.0/8) none(-)",
      "d-none: none(-) none(-) none(-)",
      "e-app-0: members(group app) members(group app) none(-)",
      "e-app-1: members(group app) members(group app) none(-)",
    ]);
    expect(matrixCell(ports[1]!, columns[1]!).rules).toEqual(["office: IPv4 tcp 22 from 8.8.0.0/16 (rule r2)"]);
  });
});

describe("text", () => {
  it("a remote group names its first members and counts the rest; JSON lists every member and address once per rule", () => {
    const ports = evaluateExposure(model(8));
    const piece = ports.find((a) => a.serverName === "e-app-0")!.ingress[0]!;
    expect(MEMBERS_SHOWN).toBe(5);
    expect(describeRemote(piece)).toBe(
      "group app (e-app-0 10.1.0.1, e-app-1 10.1.0.2, e-app-2 10.1.0.3, e-app-3 10.1.0.4, e-app-4 10.1.0.5 and 3 more ports)",
    );
    const json = exposureJson({ profile: "openstack", project: "p", ports, findings: [] });
    expect(json.rules.r4).toEqual({
      group: "app",
      addresses: ["10.1.0.1/32", "10.1.0.2/31", "10.1.0.4/30", "10.1.0.8/32"],
      members: Array.from({ length: 8 }, (_, i) => ({ server: `e-app-${i}`, network: "net", fixedIp: `10.1.0.${i + 1}` })),
    });
    expect(Object.keys(json.rules).sort()).toEqual(["r1", "r2", "r3", "r4", "r5"]);
    expect(JSON.stringify(json.ports[4]!.ingress[0])).not.toContain("10.1.0.8");
  });

  it("can-reach: a stateless group without a rule for the replies gets the fix for the replies, on the client's port", () => {
    const ports = evaluateExposure(model());
    const result = canReach(ports, { from: "10.1.0.1", toServerId: "m1", protocol: 6, port: 5432 });
    expect(canReachText(result, { from: "10.1.0.1", to: "e-app-1", traffic: "tcp 5432", protocolName: "tcp" })).toBe(
      [
        "blocked: tcp 5432 from 10.1.0.1 to e-app-1",
        "  e-app-1 (net 10.1.0.2): blocked",
        "    request out of e-app-0 (net 10.1.0.1): blocked: no egress rule of its groups (app) matches",
        "    request into e-app-1 (net 10.1.0.2): allowed by rule r4 of group app (IPv4 tcp from group app (e-app-0 10.1.0.1, e-app-1 10.1.0.2))",
        "    fix: add an egress rule tcp 5432 to 10.1.0.2 to one of the groups of e-app-0 (net 10.1.0.1) (app), or attach a group that has one",
      ].join("\n"),
    );
    const withEgress = model();
    withEgress.rules.push(rule("r6", "app", { direction: "egress", portRangeMin: 5432, portRangeMax: 5432, remoteGroupId: "app" }));
    const replies = canReach(evaluateExposure(withEgress), { from: "10.1.0.1", toServerId: "m1", protocol: 6, port: 5432 });
    expect(canReachText(replies, { from: "10.1.0.1", to: "e-app-1", traffic: "tcp 5432", protocolName: "tcp" }).split("\n").slice(-2)).toEqual([
      "    reply out of e-app-1 (net 10.1.0.2): blocked: no egress rule of its groups (app) matches",
      "    fix: add an egress rule for the replies, tcp to 10.1.0.1 on port 50000 (its groups are stateless) to one of the groups of e-app-1 (net 10.1.0.2) (app), or attach a group that has one",
    ]);
  });
});
