/**
 * canReach, by property: on small random projects (test/unit/support/exposureArbitraries.ts), the
 * verdict for a flow from an address to a server port against the flow worked out by hand from a
 * brute-force reading of the rules (test/unit/support/exposureBruteForce.ts).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAddress } from "../../provider/domain/cidr";
import { canReach, evaluateExposure, icmpPort, type ExposureModel, type ModelPort, type Packet } from "../../provider/domain/exposure";
import { modelArb, PACKET_ADDRESSES, RUNS } from "./support/exposureArbitraries";
import { dhcpReply, fail, ICMP_PROTOCOLS, PORT_PROTOCOLS, portsOf, rulesAllow } from "./support/exposureBruteForce";

describe("canReach agrees with a brute-force reading of a flow", () => {
  /** The flow by hand: request out of the source port (if the source is a port) and into the target; replies back unless stateful (DHCP replies never). */
  function flowByHand(model: ExposureModel, target: ModelPort, from: string, protocol: number, port: number): { allowed: boolean; oneWay: boolean } {
    const src = parseAddress(from)!;
    const sources = portsOf(model)
      .map((x) => x.port)
      .filter((x) => x.fixedIp !== null && parseAddress(x.fixedIp)!.family === src.family && parseAddress(x.fixedIp)!.value === src.value);
    const source = sources.find((x) => x.networkId === target.networkId) ?? sources[0];
    const dst = target.fixedIp === null ? undefined : parseAddress(target.fixedIp);
    const no = { allowed: false, oneWay: false };
    if (dst && dst.family !== src.family) return no;
    const clientPort =
      protocol === 17 && src.family === "IPv4" && port === 67 ? 68 : protocol === 17 && src.family === "IPv6" && port === 547 ? 546 : 50000;
    const withGroups = (x: ModelPort) => model.groups.filter((g) => x.securityGroupIds.includes(g.id));
    const statefulPort = (x: ModelPort) => withGroups(x).length > 0 && withGroups(x).every((g) => g.stateful);
    const portValue = PORT_PROTOCOLS.has(protocol) ? port : ICMP_PROTOCOLS.has(protocol) ? icmpPort(port, 0) : 0;
    const request: Packet = { family: src.family, protocol, port: portValue, address: src.value, sourcePort: clientPort };
    let ok = rulesAllow(model, target, "ingress", request);
    if (source && dst)
      ok = ok && !dhcpReply({ ...request, address: dst.value }) && rulesAllow(model, source, "egress", { ...request, address: dst.value });
    if (!ok) return no;
    if (!dst || !(PORT_PROTOCOLS.has(protocol) || protocol === 47 || protocol === 200)) return { allowed: true, oneWay: false }; // ICMP types 0-2 have no reply type here
    const reply: Packet = { family: src.family, protocol, port: PORT_PROTOCOLS.has(protocol) ? clientPort : 0, address: src.value, sourcePort: port };
    let back = !dhcpReply(reply) && (statefulPort(target) || rulesAllow(model, target, "egress", reply));
    if (back && source) back = statefulPort(source) || rulesAllow(model, source, "ingress", { ...reply, address: dst.value });
    const connection = [6, 33, 132].includes(protocol);
    return { allowed: back || !connection, oneWay: !back && !connection };
  }

  it("allowed exactly when the request passes both ends and, for tcp, the replies come back", () => {
    let allowed = 0;
    let blocked = 0;
    let oneWay = 0;
    fc.assert(
      fc.property(modelArb, (model) => {
        const accesses = evaluateExposure(model);
        const sources = [...PACKET_ADDRESSES.IPv4.slice(0, 9), "2001:db8::1", "2001:db8::3"];
        for (const server of model.servers) {
          for (const target of server.ports) {
            for (const from of sources) {
              for (const [protocol, port] of [
                [6, 3],
                [6, 5],
                [17, 67],
                [17, 547],
                [17, 2],
                [1, 1],
                [47, 0],
                [200, 0],
              ] as const) {
                const result = canReach(accesses, { from, toServerId: server.id, network: target.networkName, protocol, port });
                const expected = flowByHand(model, target, from, protocol, port);
                const got = { allowed: result.allowed, oneWay: result.ports[0]!.oneWay };
                if (got.allowed !== expected.allowed || got.oneWay !== expected.oneWay) {
                  fail(
                    `${server.name}/${target.networkName} from ${from} proto ${protocol} port ${port}: canReach ${JSON.stringify(got)}, by hand ${JSON.stringify(expected)}`,
                  );
                }
                if (expected.oneWay) oneWay++;
                if (expected.allowed) allowed++;
                else blocked++;
              }
            }
          }
        }
      }),
      { numRuns: RUNS },
    );
    expect(allowed).toBeGreaterThan(500);
    expect(blocked).toBeGreaterThan(2_000);
    expect(oneWay).toBeGreaterThan(50);
  });
});
