/**
 * diffExposure, by property: on pairs of small random projects (test/unit/support/exposureArbitraries.ts),
 * unrelated or one an edit of the other, its opened and closed changes against the difference of two
 * brute-force evaluations (test/unit/support/exposureBruteForce.ts); plus a regression example.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isEmpty } from "../../provider/domain/addressSet";
import { evaluateExposure, icmpPort, type ExposureModel, type ModelRule, type Packet } from "../../provider/domain/exposure";
import { diffExposure, type Change } from "../../provider/domain/exposureDiff";
import {
  build,
  DIRECTIONS,
  PACKETS,
  portGroupsArb,
  rulesArb,
  RUNS,
  variantArb,
  worldArb,
  type Direction,
  type Variant,
} from "./support/exposureArbitraries";
import { fail, pendingOf, portsOf, rawHas, ruleBox, ruleMatches, rulesAllow, rulesOn, show } from "./support/exposureBruteForce";

/** A change's box: its own protocol and port ranges. */
function parseTraffic(c: Change): { protocols: readonly [number, number]; ports: readonly [number, number] } {
  return { protocols: c.protocols, ports: c.ports };
}

function changeHolds(c: Change, direction: Direction, pkt: Packet): boolean {
  const t = parseTraffic(c);
  return (
    c.direction === direction &&
    c.family === pkt.family &&
    c.addresses.family === pkt.family &&
    t.protocols[0] <= pkt.protocol &&
    pkt.protocol <= t.protocols[1] &&
    t.ports[0] <= pkt.port &&
    pkt.port <= t.ports[1] &&
    rawHas(c.addresses, pkt.address)
  );
}

/** Corner packets of a change's box: each end of each address range, protocol and port. */
function corners(c: Change): Packet[] {
  const t = parseTraffic(c);
  const out: Packet[] = [];
  for (const [lo, hi] of c.addresses.ranges)
    for (const address of [lo, hi])
      for (const protocol of t.protocols)
        for (const port of t.ports) {
          out.push({ family: c.family, protocol, port, address });
        }
  return out;
}

const diffArb = worldArb.chain((w) =>
  variantArb(w).chain((before) =>
    fc
      .oneof(
        // Unrelated rules and groups.
        variantArb(w),
        // An edit: keep some rules, add a few, maybe move groups between ports.
        fc
          .record({
            kept: fc.subarray(before.rules),
            added: rulesArb(w, "q", 3),
            portGroups: fc.oneof(fc.constant(before.portGroups), portGroupsArb(w)),
          })
          .map((x): Variant => ({ rules: [...x.kept, ...x.added], portGroups: x.portGroups })),
      )
      .map((after) => ({ before: build(w, before), after: build(w, after) })),
  ),
);

describe("diffExposure agrees with two brute-force evaluations", () => {
  it("a packet is opened (closed) exactly when it lies in an opened (closed) change of its port and direction", () => {
    let opened = 0;
    let closed = 0;
    let pendingSeen = 0;
    fc.assert(
      fc.property(diffArb, ({ before, after }) => {
        const report = (m: ExposureModel) => ({ ports: evaluateExposure(m), findings: [] });
        const d = diffExposure(report(before), report(after));
        const keys = d.ports.map((p) => `${p.serverName}/${p.networkName}`);
        expect(new Set(keys).size).toBe(keys.length);
        expect(d.ports.every((p) => p.status === "changed")).toBe(true);
        const portsA = portsOf(after);
        for (const [i, { server, port: pb }] of portsOf(before).entries()) {
          const pa = portsA[i]!.port;
          const change = d.ports.find((p) => p.serverName === server.name && p.networkName === pb.networkName);
          for (const [kind, list, from, to, portFrom, portTo] of [
            ["opened", change?.opened ?? [], before, after, pb, pa],
            ["closed", change?.closed ?? [], after, before, pa, pb],
          ] as const) {
            // Every change names a rule of its side, of a group on the port, of its direction.
            for (const c of list) {
              const rule = to.rules.find((r) => r.id === c.ruleId);
              const group = to.groups.find((g) => g.id === rule?.securityGroupId);
              if (
                !rule ||
                !group ||
                group.name !== c.groupName ||
                rule.direction !== c.direction ||
                !portTo.securityGroupIds.includes(group.id) ||
                rule.ethertype !== c.family
              ) {
                fail(`${server.name}/${pb.networkName}: ${kind} ${c.traffic} names rule ${c.ruleId} of ${c.groupName}, not one on the port`);
              }
              if (isEmpty(c.addresses)) {
                // A group remote with members whose addresses are known after apply, named as such.
                const pending = pendingOf(to, rule);
                const remoteGroup = to.groups.find((g) => g.id === rule.remoteGroupId);
                const same = rulesOn(from, portFrom).some((r) => r.id === rule.id && pendingOf(from, r).join() === pending.join());
                if (
                  !pending.length ||
                  !remoteGroup ||
                  same ||
                  c.remote !== `the members of group ${remoteGroup.name} whose addresses are known after apply (${pending.join(", ")})`
                ) {
                  fail(`${server.name}/${pb.networkName}: ${kind} ${c.traffic} (${c.ruleId}) has no address: ${c.remote}`);
                }
                expect(parseTraffic(c)).toEqual(ruleBox(rule));
                pendingSeen++;
                continue;
              }
              for (const pkt of corners(c)) {
                if (!rulesAllow(to, portTo, c.direction, pkt) || rulesAllow(from, portFrom, c.direction, pkt)) {
                  fail(
                    `${server.name}/${pb.networkName}: ${kind} ${c.direction} ${c.traffic} from ${c.remote} (${c.ruleId}) holds ${show(pkt)}, which is not ${kind}`,
                  );
                }
              }
            }
            // Every rule on the port with pending members, unless the other side has it with the same ones, has its pending change.
            for (const rule of rulesOn(to, portTo)) {
              const pending = pendingOf(to, rule);
              if (!pending.length || rulesOn(from, portFrom).some((r) => r.id === rule.id && pendingOf(from, r).join() === pending.join())) continue;
              if (list.filter((c) => c.ruleId === rule.id && isEmpty(c.addresses)).length !== 1)
                fail(`${server.name}/${pb.networkName}: no pending ${kind} change for ${rule.id}`);
            }
            for (const direction of DIRECTIONS) {
              for (const pkt of PACKETS) {
                const changed = rulesAllow(to, portTo, direction, pkt) && !rulesAllow(from, portFrom, direction, pkt);
                const holding = list.filter((c) => changeHolds(c, direction, pkt));
                if (changed) {
                  if (kind === "opened") opened++;
                  else closed++;
                  if (!holding.length) fail(`${server.name}/${pb.networkName} ${direction} ${show(pkt)}: ${kind} but in no ${kind} change`);
                  // The rule a change names matches the packet.
                  for (const c of holding) {
                    if (
                      !ruleMatches(
                        to,
                        to.rules.find((r) => r.id === c.ruleId)!,
                        pkt,
                      )
                    )
                      fail(`${kind} ${c.traffic} (${c.ruleId}) does not match ${show(pkt)}`);
                  }
                } else {
                  if (holding.length)
                    fail(
                      `${server.name}/${pb.networkName} ${direction} ${show(pkt)}: not ${kind} but in ${kind} ${holding[0]!.traffic} from ${holding[0]!.remote} (${holding[0]!.ruleId})`,
                    );
                }
              }
            }
          }
        }
      }),
      // A fixed seed: the counts below check that the generator reaches pending (known after apply)
      // ports at all, and on a random seed about one run in ten fell just short (10 of 200).
      { numRuns: RUNS, seed: 20261204 },
    );
    expect(opened).toBeGreaterThan(5_000);
    expect(closed).toBeGreaterThan(5_000);
    expect(pendingSeen).toBeGreaterThan(10);
  });

  it("regression: a change cut inside an ICMP type keeps its codes, in its text and its numbers (was 'icmp types 0-1')", () => {
    const rule = (id: string, f: Partial<ModelRule>): ModelRule => ({
      id,
      securityGroupId: "g",
      direction: "ingress",
      ethertype: "IPv4",
      protocol: "icmp",
      portRangeMin: null,
      portRangeMax: null,
      remoteIpPrefix: null,
      remoteGroupId: null,
      remoteSubnetId: null,
      description: "",
      ...f,
    });
    const model = (rules: ModelRule[]): ExposureModel => ({
      profile: "openstack",
      project: "p",
      groups: [{ id: "g", name: "g", stateful: true }],
      rules,
      networks: [],
      servers: [
        {
          id: "s",
          name: "s",
          status: "ACTIVE",
          ports: [{ id: "p", networkId: "n", networkName: "n", fixedIp: "10.0.0.1", securityGroupIds: ["g"] }],
        },
      ],
    });
    const type1code3 = rule("r1", { portRangeMin: 1, portRangeMax: 3 });
    const d = diffExposure(
      { ports: evaluateExposure(model([type1code3])), findings: [] },
      { ports: evaluateExposure(model([type1code3, rule("r2", {})])), findings: [] },
    );
    expect(d.ports[0]!.opened.map((c) => [c.traffic, c.protocols, c.ports, c.ruleId])).toEqual([
      ["icmp type 0 code 0 to type 1 code 2", [1, 1], [0, icmpPort(1, 2)], "r2"],
      ["icmp type 1 code 4 to type 255 code 255", [1, 1], [icmpPort(1, 4), 65535], "r2"],
    ]);
    expect(d.ports[0]!.closed).toEqual([]);
  });
});
