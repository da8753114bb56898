/** canReach, exactly: the allowing rule named, the source port's egress, stateful and stateless replies, ICMP and ICMPv6 echo, DHCP replies, unfiltered ports. */
import { describe, expect, it } from "vitest";
import { cidrsOf } from "../../provider/domain/addressSet";
import { canReach, evaluateExposure } from "../../provider/domain/exposure";
import { r, threeTier } from "./support/exposureModel";

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
