/**
 * Exposure, exactly: effective access per port, can-reach with stateful and stateless groups,
 * DHCP, subnet and group remotes; findings with their codes, severities and subjects; what a change
 * opens and closes; address sets as readers see them.
 */
import { describe, expect, it } from "vitest";
import { coversInternet, describeSet, publicSpace, setOfCidrs, cidrsOf } from "../../provider/domain/addressSet";
import { canReach, decide, evaluateExposure, icmpPort, type ExposureModel, type ModelRule } from "../../provider/domain/exposure";
import { diffExposure } from "../../provider/domain/exposureDiff";
import { findingsOf, type Finding } from "../../provider/domain/findings";
import { parseAddress } from "../../provider/domain/cidr";
import { loadProfile } from "../../provider/profileLoader";

const ROOT = `${__dirname}/../..`;

let ruleCount = 0;
/** A rule of `group` (ingress, IPv4, any protocol, all ports, no remote unless given). */
function r(group: string, fields: Partial<ModelRule> = {}): ModelRule {
  ruleCount += 1;
  return {
    id: `r${String(ruleCount).padStart(3, "0")}`,
    securityGroupId: group,
    direction: "ingress",
    ethertype: "IPv4",
    protocol: null,
    portRangeMin: null,
    portRangeMax: null,
    remoteIpPrefix: null,
    remoteGroupId: null,
    remoteSubnetId: null,
    description: "",
    ...fields,
  };
}

const tcp = (port: number, remote: Partial<ModelRule> = {}): Partial<ModelRule> => ({
  protocol: "tcp",
  portRangeMin: port,
  portRangeMax: port,
  ...remote,
});

/** web (public + private), app (private), three groups; web lets in 443 from anywhere, app 8080 from web's members. */
function threeTier(extra: { rules?: ModelRule[]; stateless?: boolean } = {}): ExposureModel {
  ruleCount = 0;
  return {
    profile: "openstack",
    project: "default",
    groups: [
      { id: "g-web", name: "web", stateful: true },
      { id: "g-app", name: "app", stateful: !extra.stateless },
      { id: "g-ops", name: "ops", stateful: true },
    ],
    rules: [
      r("g-web", tcp(443, { remoteIpPrefix: "0.0.0.0/0" })),
      r("g-web", { direction: "egress" }),
      r("g-app", tcp(8080, { remoteGroupId: "g-web" })),
      r("g-app", { direction: "egress", ethertype: "IPv4", protocol: "tcp", portRangeMin: 5432, portRangeMax: 5432, remoteSubnetId: "n-db" }),
      ...(extra.rules ?? []),
    ],
    servers: [
      {
        id: "s-web",
        name: "web-1",
        status: "ACTIVE",
        ports: [
          { id: "p-web-pub", networkId: "n-pub", networkName: "public", fixedIp: "203.0.113.2", securityGroupIds: ["g-web"] },
          { id: "p-web-priv", networkId: "n-priv", networkName: "private", fixedIp: "10.0.0.2", securityGroupIds: ["g-web"] },
        ],
      },
      {
        id: "s-app",
        name: "app-1",
        status: "ACTIVE",
        ports: [{ id: "p-app", networkId: "n-priv", networkName: "private", fixedIp: "10.0.0.3", securityGroupIds: ["g-app"] }],
      },
    ],
    networks: [
      { id: "n-pub", name: "public", subnets: ["203.0.113.0/24"] },
      { id: "n-priv", name: "private", subnets: ["10.0.0.0/24"] },
      { id: "n-db", name: "db-net", subnets: ["10.9.0.0/24", "10.9.1.0/24"] },
    ],
  };
}

const addr = (ip: string) => parseAddress(ip)!.value;

describe("address sets", () => {
  it("describes sets as CIDRs, as 'any except', or by count; the public internet excludes private and documentation ranges", () => {
    expect(describeSet(setOfCidrs("IPv4", ["10.0.0.1", "10.0.0.2", "10.0.0.3"]))).toBe("10.0.0.1/32, 10.0.0.2/31");
    expect(describeSet(setOfCidrs("IPv4", ["0.0.0.0/1", "128.0.0.0/1"]))).toBe("0.0.0.0/0");
    const allBut = setOfCidrs("IPv4", ["0.0.0.0/0"]);
    expect(
      describeSet({
        family: "IPv4",
        ranges: [
          [0n, addr("192.0.2.0") - 1n],
          [addr("192.0.2.255") + 1n, allBut.ranges[0]![1]],
        ],
      }),
    ).toBe("0.0.0.0/0 except 192.0.2.0/24");
    expect(coversInternet(setOfCidrs("IPv4", ["0.0.0.0/1", "128.0.0.0/1"]))).toBe(true);
    expect(coversInternet(setOfCidrs("IPv4", ["0.0.0.0/1"]))).toBe(false);
    expect(coversInternet(setOfCidrs("IPv6", ["2000::/3"]))).toBe(true);
    expect(cidrsOf(publicSpace("IPv4")).includes("10.0.0.0/8")).toBe(false);
    expect(cidrsOf(publicSpace("IPv4")).slice(0, 3)).toEqual(["1.0.0.0/8", "2.0.0.0/7", "4.0.0.0/6"]);
  });
});

describe("evaluateExposure", () => {
  it("gives every port the pieces of its groups, with group remotes resolved to the members' fixed IPs and subnet remotes to the network's subnets", () => {
    const ports = evaluateExposure(threeTier());
    expect(
      ports.map(
        (p) => `${p.serverName}/${p.networkName} ${p.fixedIp} ${p.groups.map((g) => g.name).join(",")} in:${p.ingress.length} out:${p.egress.length}`,
      ),
    ).toEqual(["app-1/private 10.0.0.3 app in:1 out:1", "web-1/private 10.0.0.2 web in:1 out:1", "web-1/public 203.0.113.2 web in:1 out:1"]);
    const app = ports[0]!;
    expect(app.ingress[0]!.remote).toEqual({
      kind: "group",
      groupId: "g-web",
      groupName: "web",
      members: [
        { serverId: "s-web", serverName: "web-1", portId: "p-web-priv", networkName: "private", fixedIp: "10.0.0.2" },
        { serverId: "s-web", serverName: "web-1", portId: "p-web-pub", networkName: "public", fixedIp: "203.0.113.2" },
      ],
    });
    expect(cidrsOf(app.ingress[0]!.addresses)).toEqual(["10.0.0.2/32", "203.0.113.2/32"]);
    expect(app.ingress[0]!.protocols).toEqual([6, 6]);
    expect(app.ingress[0]!.ports).toEqual([8080, 8080]);
    expect(app.egress[0]!.remote).toEqual({ kind: "subnet", networkId: "n-db", networkName: "db-net", subnets: ["10.9.0.0/24", "10.9.1.0/24"] });
    expect(cidrsOf(app.egress[0]!.addresses)).toEqual(["10.9.0.0/23"]);
  });

  it("a port without groups lets nothing through; ICMP type and code are the port dimension", () => {
    const m = threeTier({ rules: [r("g-ops", { protocol: "icmp", portRangeMin: 8, portRangeMax: null })] });
    m.servers[1]!.ports[0]!.securityGroupIds = [];
    const app = evaluateExposure(m)[0]!;
    expect(decide(app, "ingress", { family: "IPv4", protocol: 6, port: 8080, address: addr("10.0.0.2") })).toEqual({
      allowed: false,
      reason: "no-groups",
      near: [],
    });
    m.servers[1]!.ports[0]!.securityGroupIds = ["g-ops"];
    const ops = evaluateExposure(m)[0]!;
    expect(ops.ingress[0]!.ports).toEqual([icmpPort(8, 0), icmpPort(8, 255)]);
    expect(decide(ops, "ingress", { family: "IPv4", protocol: 1, port: icmpPort(8, 0), address: addr("8.8.8.8") }).allowed).toBe(true);
    expect(decide(ops, "ingress", { family: "IPv4", protocol: 1, port: icmpPort(0, 0), address: addr("8.8.8.8") }).allowed).toBe(false);
    expect(decide(ops, "ingress", { family: "IPv6", protocol: 58, port: icmpPort(8, 0), address: 1n }).allowed).toBe(false);
  });
});

describe("canReach", () => {
  it("names the allowing rule, checks the source port's egress, and lets stateful replies back", () => {
    const m = threeTier();
    const ports = evaluateExposure(m);
    const fromWeb = canReach(ports, { from: "10.0.0.2", toServerId: "s-app", protocol: 6, port: 8080 });
    expect(fromWeb.allowed).toBe(true);
    expect(
      fromWeb.ports[0]!.hops.map((h) => [
        h.leg,
        h.direction,
        h.port.serverName,
        h.returnTraffic,
        h.decision.allowed && h.decision.by.map((p) => p.ruleId),
      ]),
    ).toEqual([
      ["request", "egress", "web-1", false, ["r002"]],
      ["request", "ingress", "app-1", false, ["r003"]],
      ["reply", "egress", "app-1", true, []],
      ["reply", "ingress", "web-1", true, []],
    ]);
    const outsider = canReach(ports, { from: "198.51.100.7", toServerId: "s-app", protocol: 6, port: 8080 });
    expect(outsider.allowed).toBe(false);
    const hop = outsider.ports[0]!.hops[0]!;
    expect(hop.decision.allowed === false && [hop.decision.reason, hop.decision.near.map((p) => p.ruleId)]).toEqual(["no-rule", ["r003"]]);
    expect(outsider.ports[0]!.hops).toHaveLength(1);
  });

  it("stateless groups need a rule for the replies: tcp is blocked without one, allowed with one; udp works one way", () => {
    const without = canReach(evaluateExposure(threeTier({ stateless: true })), { from: "10.0.0.2", toServerId: "s-app", protocol: 6, port: 8080 });
    expect(without.allowed).toBe(false);
    expect(without.ports[0]!.hops.map((h) => `${h.leg} ${h.direction} ${h.port.serverName} ${h.decision.allowed}`)).toEqual([
      "request egress web-1 true",
      "request ingress app-1 true",
      "reply egress app-1 false",
    ]);
    const replies = r("g-app", { direction: "egress", protocol: "tcp", portRangeMin: 32768, portRangeMax: 60999, remoteGroupId: "g-web" });
    const withRule = canReach(evaluateExposure(threeTier({ stateless: true, rules: [replies] })), {
      from: "10.0.0.2",
      toServerId: "s-app",
      protocol: 6,
      port: 8080,
    });
    expect(withRule.allowed).toBe(true);
    expect(withRule.ports[0]!.hops[2]!.decision.allowed && withRule.ports[0]!.hops[2]!.decision.by.map((p) => p.ruleId)).toEqual([replies.id]);
    const udp = r("g-app", { protocol: "udp", portRangeMin: 53, portRangeMax: 53, remoteGroupId: "g-web" });
    const oneWay = canReach(evaluateExposure(threeTier({ stateless: true, rules: [udp] })), {
      from: "10.0.0.2",
      toServerId: "s-app",
      protocol: 17,
      port: 53,
    });
    expect([oneWay.allowed, oneWay.ports[0]!.oneWay]).toEqual([true, true]);
  });

  it("ICMP echo replies are type 0; DHCP replies a server sends are dropped whatever the rules say", () => {
    const ping = r("g-app", { protocol: "icmp", portRangeMin: 8, remoteIpPrefix: "10.0.0.0/24" });
    const m = threeTier({ stateless: true, rules: [ping] });
    const res = canReach(evaluateExposure(m), { from: "10.0.0.2", toServerId: "s-app", protocol: 1, port: 8 });
    expect(res.ports[0]!.hops.map((h) => `${h.leg} ${h.direction} ${h.decision.allowed}`)).toEqual([
      "request egress true",
      "request ingress true",
      "reply egress false",
    ]);
    expect([res.allowed, res.ports[0]!.oneWay]).toEqual([true, true]);
    // web-1 answering a DHCP request of app-1 (udp 67 -> 68): web's egress allows everything, yet it is dropped.
    const dhcp = canReach(evaluateExposure(threeTier({ rules: [r("g-app", { protocol: "udp" })] })), {
      from: "10.0.0.2",
      toServerId: "s-app",
      protocol: 17,
      port: 68,
      fromPort: 67,
    });
    expect(dhcp.allowed).toBe(false);
    expect(dhcp.ports[0]!.hops[0]!.decision).toEqual({ allowed: false, reason: "dhcp", near: [] });
    const notDhcp = canReach(evaluateExposure(threeTier({ rules: [r("g-app", { protocol: "udp" })] })), {
      from: "10.0.0.2",
      toServerId: "s-app",
      protocol: 17,
      port: 68,
      fromPort: 5000,
    });
    expect(notDhcp.allowed).toBe(true);
  });
});

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

describe("diffExposure", () => {
  it("reports exactly what a new rule opens (minus what was already allowed) and what a removed rule closes, with the new and resolved findings", () => {
    const before = threeTier({ rules: [r("g-web", tcp(22, { remoteIpPrefix: "192.0.2.0/24" }))] });
    const after = threeTier({ rules: [r("g-web", tcp(22, { remoteIpPrefix: "0.0.0.0/0" }))] });
    after.rules = after.rules.filter((x) => x.id !== "r003"); // app's 8080 from web
    const report = (m: ExposureModel) => {
      const ports = evaluateExposure(m);
      return { ports, findings: findingsOf({ model: m, accesses: ports, defaultGroupNames: [], quotas: {} }) };
    };
    const d = diffExposure(report(before), report(after));
    expect(
      d.ports.map((p) => [
        p.serverName,
        p.networkName,
        p.status,
        p.opened.map((c) => `${c.direction} ${c.traffic} from ${c.remote} (${c.ruleId})`),
        p.closed.map((c) => `${c.direction} ${c.traffic} from ${c.remote} (${c.ruleId})`),
      ]),
    ).toEqual([
      ["app-1", "private", "changed", [], ["ingress tcp 8080 from 10.0.0.2/32, 203.0.113.2/32 (r003)"]],
      ["web-1", "private", "changed", ["ingress tcp 22 from 0.0.0.0/0 except 192.0.2.0/24 (r005)"], []],
      ["web-1", "public", "changed", ["ingress tcp 22 from 0.0.0.0/0 except 192.0.2.0/24 (r005)"], []],
    ]);
    expect(d.newFindings.map((f) => `${f.code} ${f.serverName}/${f.networkName}`)).toEqual([
      "admin-port-from-internet web-1/private",
      "admin-port-from-internet web-1/public",
    ]);
    expect(d.resolvedFindings.map((f) => `${f.code} ${f.serverName}/${f.networkName}`)).toEqual(["group-chain-to-internet app-1/private"]);
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

describe("can-reach: DHCP, ICMPv6, unfiltered ports", () => {
  it("a server's DHCP reply is dropped even when its groups are stateful (a DHCP request to a rogue server gets no answer)", () => {
    const m = threeTier({ rules: [r("g-app", { protocol: "udp", portRangeMin: 67, portRangeMax: 67, remoteIpPrefix: "10.0.0.0/24" })] });
    const res = canReach(evaluateExposure(m), { from: "10.0.0.2", toServerId: "s-app", protocol: 17, port: 67 });
    expect(
      res.ports[0]!.hops.map(
        (h) => `${h.leg} ${h.direction} ${h.decision.allowed ? "allowed" : h.decision.reason} ${h.packet.sourcePort}->${h.packet.port}`,
      ),
    ).toEqual(["request egress allowed 68->67", "request ingress allowed 68->67", "reply egress dhcp 67->68"]);
    expect([res.allowed, res.ports[0]!.oneWay]).toEqual([true, true]);
  });

  it("ICMPv6 echo: the request is type 128 and the stateless reply type 129", () => {
    const m = threeTier({
      stateless: true,
      rules: [r("g-app", { ethertype: "IPv6", protocol: "ipv6-icmp", portRangeMin: 128, remoteIpPrefix: "2001:db8::/32" })],
    });
    m.servers[1]!.ports[0]!.fixedIp = "2001:db8::3";
    const res = canReach(evaluateExposure(m), { from: "2001:db8::9", toServerId: "s-app", protocol: 58, port: 128 });
    expect(res.ports[0]!.hops.map((h) => `${h.leg} ${h.direction} ${h.decision.allowed} ${Math.floor(h.packet.port / 256)}`)).toEqual([
      "request ingress true 128",
      "reply egress false 129",
    ]);
    expect([res.allowed, res.ports[0]!.oneWay]).toEqual([true, true]);
  });

  it("a port on a network that takes no groups (rackspace) is not filtered: everything from its own network in, everything out", () => {
    const m = threeTier();
    m.attachableNetworks = ["public"];
    const ports = evaluateExposure(m);
    const app = ports[0]!;
    expect([
      app.unfiltered,
      app.groups,
      app.ingress.map((p) => `${p.family} ${p.remote.kind} ${cidrsOf(p.addresses).join(",")}`),
      app.egress.length,
    ]).toEqual([true, [], ["IPv4 subnet 10.0.0.0/24", "IPv6 subnet "], 2]);
    expect(canReach(ports, { from: "10.0.0.77", toServerId: "s-app", protocol: 6, port: 5432 }).allowed).toBe(true);
    expect(canReach(ports, { from: "8.8.8.8", toServerId: "s-app", protocol: 6, port: 5432 }).allowed).toBe(false);
    expect(ports[2]!.unfiltered).toBe(false);
  });
});
