/**
 * Exposure, exactly: effective access per port (group remotes resolved to the members' fixed IPs,
 * subnet remotes to the network's subnets, ICMP type and code as the port dimension); address sets
 * as readers see them.
 */
import { describe, expect, it } from "vitest";
import { coversInternet, describeSet, publicSpace, setOfCidrs, cidrsOf } from "../../provider/domain/addressSet";
import { decide, evaluateExposure, icmpPort } from "../../provider/domain/exposure";
import { parseAddress } from "../../provider/domain/cidr";
import { r, threeTier } from "./support/exposureModel";

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
