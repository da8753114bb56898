/**
 * evaluateExposure and decide, by property: small random projects (test/unit/support/exposureArbitraries.ts)
 * checked packet by packet against a brute-force reading of the rules (test/unit/support/exposureBruteForce.ts);
 * monotonicity when a rule is added; independence of the order of everything.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decide, evaluateExposure, type ExposureModel } from "../../provider/domain/exposure";
import { build, DIRECTIONS, modelArb, PACKETS, ruleArb, RUNS, variantArb, worldArb } from "./support/exposureArbitraries";
import { accessOf, dhcpReply, fail, portsOf, ruleMatches, rulesOn, show, sortedIds, trafficMatches } from "./support/exposureBruteForce";

describe("evaluateExposure and decide agree with a brute-force reading of the rules", () => {
  it("allows exactly the packets some rule of some group on the port matches, names exactly those rules, and the closest misses", () => {
    let allowed = 0;
    let blocked = 0;
    fc.assert(
      fc.property(modelArb, (model) => {
        const accesses = evaluateExposure(model);
        const ports = portsOf(model);
        expect(accesses.length).toBe(ports.length);
        for (const { server, port } of ports) {
          const access = accessOf(accesses, port.id);
          expect([access.serverId, access.serverName, access.networkId, access.fixedIp]).toEqual([
            server.id,
            server.name,
            port.networkId,
            port.fixedIp,
          ]);
          const groups = model.groups.filter((g) => port.securityGroupIds.includes(g.id));
          expect(sortedIds(access.groups)).toEqual(sortedIds(groups));
          expect(access.stateful).toBe(groups.every((g) => g.stateful));
          for (const direction of DIRECTIONS) {
            const rules = rulesOn(model, port, direction);
            for (const pkt of PACKETS) {
              const d = decide(access, direction, pkt);
              const where = `${server.name}/${port.networkName} ${direction} ${show(pkt)}`;
              if (direction === "egress" && dhcpReply(pkt)) {
                if (d.allowed || d.reason !== "dhcp" || d.near.length)
                  fail(`${where}: a DHCP reply must be dropped, got ${JSON.stringify({ ...d, by: undefined, near: undefined })}`);
                blocked++;
                continue;
              }
              const matching = rules.filter((r) => ruleMatches(model, r, pkt));
              if (d.allowed !== matching.length > 0)
                fail(`${where}: decide says ${d.allowed}, the rules say ${matching.map((r) => r.id).join(",") || "none"}`);
              if (d.allowed) {
                allowed++;
                if (sortedIds(d.by).join() !== sortedIds(matching).join())
                  fail(`${where}: by ${sortedIds(d.by).join()} but ${sortedIds(matching).join()} match`);
                for (const piece of d.by) {
                  const rule = model.rules.find((r) => r.id === piece.ruleId)!;
                  const group = model.groups.find((g) => g.id === rule.securityGroupId)!;
                  if (!ruleMatches(model, rule, pkt)) fail(`${where}: ${piece.ruleId} does not match`);
                  if (
                    piece.groupId !== rule.securityGroupId ||
                    piece.groupName !== group.name ||
                    piece.direction !== direction ||
                    piece.family !== pkt.family
                  ) {
                    fail(`${where}: piece of ${piece.ruleId} names ${piece.groupId}/${piece.groupName} ${piece.direction} ${piece.family}`);
                  }
                }
              } else {
                blocked++;
                const reason = groups.length ? "no-rule" : "no-groups";
                if (d.reason !== reason) fail(`${where}: reason ${d.reason}, expected ${reason}`);
                const near = rules.filter((r) => trafficMatches(r, pkt));
                if (sortedIds(d.near).join() !== sortedIds(near).join())
                  fail(`${where}: near ${sortedIds(d.near).join()} but ${sortedIds(near).join()} hold the traffic`);
              }
            }
          }
        }
      }),
      { numRuns: RUNS },
    );
    // Both outcomes are common, or the comparison says little.
    expect(allowed).toBeGreaterThan(10_000);
    expect(blocked).toBeGreaterThan(10_000);
  });
});

describe("adding a rule is monotone", () => {
  it("blocks nothing that was allowed, keeps every piece, and opens only what the new rule matches", () => {
    const NEW = "z-new";
    let opened = 0;
    fc.assert(
      fc.property(
        worldArb.chain((w) => fc.tuple(variantArb(w), ruleArb(w)).map(([v, extra]) => ({ model: build(w, v), extra: { id: NEW, ...extra } }))),
        ({ model, extra }) => {
          const after = { ...model, rules: [...model.rules, extra] };
          const a0 = evaluateExposure(model);
          const a1 = evaluateExposure(after);
          for (const { port } of portsOf(model)) {
            const x0 = accessOf(a0, port.id);
            const x1 = accessOf(a1, port.id);
            for (const direction of DIRECTIONS) {
              const p1 = x1[direction];
              expect(p1.filter((p) => p.ruleId !== NEW)).toEqual(x0[direction]);
              expect(p1.filter((p) => p.ruleId === NEW).length).toBe(
                port.securityGroupIds.includes(extra.securityGroupId) && extra.direction === direction ? 1 : 0,
              );
              for (const pkt of PACKETS) {
                const before = decide(x0, direction, pkt).allowed;
                const now = decide(x1, direction, pkt).allowed;
                if (before && !now) fail(`${port.id} ${direction} ${show(pkt)}: allowed before the new rule, blocked after`);
                if (now && !before) {
                  opened++;
                  if (!ruleMatches(after, extra, pkt) || !port.securityGroupIds.includes(extra.securityGroupId) || extra.direction !== direction) {
                    fail(`${port.id} ${direction} ${show(pkt)}: opened by something other than the new rule`);
                  }
                }
              }
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
    expect(opened).toBeGreaterThan(1_000);
  });
});

/** A seeded shuffle (mulberry32), so a failure replays. */
function shuffler(seed: number): <T>(xs: readonly T[]) => T[] {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return <T>(xs: readonly T[]): T[] => {
    const a = [...xs];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
    return a;
  };
}

describe("evaluateExposure does not depend on order", () => {
  it("gives a deep-equal result for shuffled groups, rules, servers, ports, port group lists (with a repeat) and networks", () => {
    let reordered = 0;
    fc.assert(
      fc.property(modelArb, fc.integer(), fc.boolean(), (model, seed, repeat) => {
        const shuffle = shuffler(seed);
        const shuffled: ExposureModel = {
          ...model,
          groups: shuffle(model.groups),
          rules: shuffle(model.rules),
          networks: shuffle(model.networks),
          servers: shuffle(model.servers).map((s) => ({
            ...s,
            ports: shuffle(s.ports).map((p) => {
              const ids = shuffle(p.securityGroupIds);
              return { ...p, securityGroupIds: repeat && ids.length ? [...ids, ids[0]!] : ids };
            }),
          })),
        };
        if (JSON.stringify(shuffled.rules) !== JSON.stringify(model.rules)) reordered++;
        expect(evaluateExposure(shuffled)).toStrictEqual(evaluateExposure(model));
      }),
      { numRuns: RUNS },
    );
    expect(reordered).toBeGreaterThan(RUNS / 4);
  });
});
