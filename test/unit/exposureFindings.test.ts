/** Exposure findings, exactly: their codes, severities, subjects and texts on hand-made models, over the union of rules, and what makes a finding new. */
import { describe, expect, it } from "vitest";
import { evaluateExposure, type ExposureModel } from "../../provider/domain/exposure";
import { diffExposure } from "../../provider/domain/exposureDiff";
import { findingsOf, type Finding } from "../../provider/domain/findings";
import { loadProfile } from "../../provider/profileLoader";
import { r, tcp, threeTier } from "./support/exposureModel";

const ROOT = `${__dirname}/../..`;

const OPENSTACK = loadProfile("openstack", ROOT);

function findings(
  m: ExposureModel,
  defaults: string[] = [],
  quotas = {},
): Array<Pick<Finding, "code" | "severity" | "serverName" | "networkName" | "groupName" | "ruleId" | "traffic">> {
  return findingsOf({ model: m, accesses: evaluateExposure(m), defaultGroupNames: defaults, quotas }).map(
    ({ code, severity, serverName, networkName, groupName, ruleId, traffic }) => ({
      code,
      severity,
      serverName,
      networkName,
      groupName,
      ruleId,
      traffic,
    }),
  );
}

describe("findings", () => {
  it("admin ports open to the internet through two half-internet rules (which checkov misses), and a chain through a remote group", () => {
    const m = threeTier({
      rules: [r("g-web", tcp(22, { remoteIpPrefix: "0.0.0.0/1" })), r("g-web", tcp(22, { remoteIpPrefix: "128.0.0.0/1" }))],
    });
    expect(findings(m, [], OPENSTACK.quotas)).toEqual([
      {
        code: "admin-port-from-internet",
        severity: "high",
        serverName: "web-1",
        networkName: "private",
        groupName: "web",
        ruleId: "r005",
        traffic: "tcp 22",
      },
      {
        code: "admin-port-from-internet",
        severity: "high",
        serverName: "web-1",
        networkName: "public",
        groupName: "web",
        ruleId: "r005",
        traffic: "tcp 22",
      },
      {
        code: "group-chain-to-internet",
        severity: "medium",
        serverName: "app-1",
        networkName: "private",
        groupName: "app",
        ruleId: "r003",
        traffic: "tcp 8080",
      },
      {
        code: "unused-group",
        severity: "low",
        groupName: "ops",
        serverName: undefined,
        networkName: undefined,
        ruleId: undefined,
        traffic: undefined,
      },
    ]);
    const text = findingsOf({ model: m, accesses: evaluateExposure(m), defaultGroupNames: [], quotas: {} })[2]!;
    expect(text.message).toBe(
      "app-1 (private 10.0.0.3) accepts tcp 8080 from the members of group web (rule r003 of group app), among them web-1, " +
        "which accepts tcp 443 from 0.0.0.0/0 (rule r001 of group web): the internet is 1 compromised server away",
    );
    expect(text.fix).toBe("allow only the ports app-1 serves to group web, or take web-1 out of group web");
  });

  it("any protocol from the internet is critical and replaces the per-port findings; a rule with no remote is named; quotas warn at 80 %", () => {
    const m = threeTier({ rules: [r("g-app", {})] });
    const list = findings(m, ["ops"], { groups: 3, rules: 6, rulesPerGroup: 2 });
    expect(list).toEqual([
      {
        code: "any-protocol-from-internet",
        severity: "critical",
        serverName: "app-1",
        networkName: "private",
        groupName: "app",
        ruleId: "r005",
        traffic: "any protocol",
      },
      {
        code: "near-quota",
        severity: "high",
        serverName: undefined,
        networkName: undefined,
        groupName: undefined,
        ruleId: undefined,
        traffic: undefined,
      },
      {
        code: "near-quota",
        severity: "high",
        serverName: undefined,
        networkName: undefined,
        groupName: "app",
        ruleId: undefined,
        traffic: undefined,
      },
      {
        code: "near-quota",
        severity: "high",
        serverName: undefined,
        networkName: undefined,
        groupName: "web",
        ruleId: undefined,
        traffic: undefined,
      },
      {
        code: "near-quota",
        severity: "medium",
        serverName: undefined,
        networkName: undefined,
        groupName: undefined,
        ruleId: undefined,
        traffic: undefined,
      },
      {
        code: "rule-without-remote",
        severity: "medium",
        serverName: undefined,
        networkName: undefined,
        groupName: "app",
        ruleId: "r005",
        traffic: "any protocol",
      },
    ]);
    const messages = findingsOf({
      model: m,
      accesses: evaluateExposure(m),
      defaultGroupNames: ["ops"],
      quotas: { groups: 3, rules: 6, rulesPerGroup: 2 },
    }).map((f) => f.message);
    expect(messages.filter((t) => t.includes("quota"))).toEqual([
      "project default's security group quota holds 3 of 3 (profile openstack); the next create fails with SG_QUOTA_EXCEEDED",
      "group app's rule quota holds 3 of 2 (profile openstack); the next create fails with SG_QUOTA_EXCEEDED",
      "group web's rule quota holds 2 of 2 (profile openstack); the next create fails with SG_QUOTA_EXCEEDED",
      "project default's rule quota holds 5 of 6 (profile openstack); 1 left",
    ]);
  });
});

describe("findings over the union of rules, and what makes a finding new", () => {
  const report = (m: ExposureModel, quotas = {}) => {
    const ports = evaluateExposure(m);
    return { ports, findings: findingsOf({ model: m, accesses: ports, defaultGroupNames: [], quotas }) };
  };

  it("tcp 1-32767 and 32768-65535 from the internet are all ports (one finding, not one per admin port); two halves of the internet on any protocol are critical", () => {
    const m = threeTier({
      rules: [
        r("g-web", { protocol: "tcp", portRangeMin: 1, portRangeMax: 32767, remoteIpPrefix: "0.0.0.0/0" }),
        r("g-web", { protocol: "tcp", portRangeMin: 32768, portRangeMax: 65535, remoteIpPrefix: "0.0.0.0/0" }),
        r("g-app", { remoteIpPrefix: "0.0.0.0/1" }),
        r("g-app", { remoteIpPrefix: "128.0.0.0/1" }),
      ],
    });
    const list = findings(m, ["ops"]);
    expect(list.filter((f) => f.severity !== "medium").map((f) => `${f.severity} ${f.code} ${f.serverName}/${f.networkName} ${f.traffic}`)).toEqual([
      "critical any-protocol-from-internet app-1/private any protocol",
      "high all-ports-from-internet web-1/private tcp (all ports)",
      "high all-ports-from-internet web-1/public tcp (all ports)",
    ]);
  });

  it("renaming a group or changing the rule behind an exposure adds no finding; the same exposure in IPv6, a worse severity and another quota do", () => {
    const before = threeTier({ rules: [r("g-web", tcp(22, { remoteIpPrefix: "0.0.0.0/0" }))] });
    const renamed = threeTier({ rules: [r("g-web", tcp(22, { remoteIpPrefix: "0.0.0.0/0" }))] });
    renamed.groups[0]!.name = "frontend";
    expect(diffExposure(report(before), report(renamed)).newFindings).toEqual([]);
    const otherRule = threeTier({ rules: [r("g-web", { protocol: "tcp", portRangeMin: 20, portRangeMax: 25, remoteIpPrefix: "0.0.0.0/0" })] });
    expect(diffExposure(report(before), report(otherRule)).newFindings.map((f) => `${f.code} ${f.serverName}/${f.networkName} ${f.traffic}`)).toEqual(
      [
        "admin-port-from-internet web-1/private tcp 21",
        "admin-port-from-internet web-1/private tcp 23",
        "admin-port-from-internet web-1/public tcp 21",
        "admin-port-from-internet web-1/public tcp 23",
      ],
    );
    const v6 = threeTier({
      rules: [r("g-web", tcp(22, { remoteIpPrefix: "0.0.0.0/0" })), r("g-web", tcp(22, { ethertype: "IPv6", remoteIpPrefix: "::/0" }))],
    });
    expect(diffExposure(report(before), report(v6)).newFindings.map((f) => `${f.code} ${f.family} ${f.serverName}/${f.networkName}`)).toEqual([
      "admin-port-from-internet IPv6 web-1/private",
      "admin-port-from-internet IPv6 web-1/public",
    ]);
    // Groups at 4 of 5 (medium) become 5 of 5 (high): a new finding; rules stay at 4 of 5 (medium): not new.
    const quotas = { groups: 5, rules: 5 };
    const four = threeTier();
    four.groups.push({ id: "g-x", name: "x", stateful: true });
    const five = threeTier();
    five.groups.push({ id: "g-x", name: "x", stateful: true }, { id: "g-y", name: "y", stateful: true });
    expect(
      findings(four, [], quotas)
        .filter((f) => f.code === "near-quota")
        .map((f) => f.severity),
    ).toEqual(["medium", "medium"]);
    const d = diffExposure(report(four, quotas), report(five, quotas));
    expect(d.newFindings.map((f) => `${f.severity} ${f.code} ${f.quota ?? f.groupName}`)).toEqual(["high near-quota groups", "low unused-group y"]);
    expect(d.resolvedFindings.map((f) => `${f.severity} ${f.code} ${f.quota}`)).toEqual(["medium near-quota groups"]);
  });
});
