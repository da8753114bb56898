/** checkRule, by property: a failure on a value unknown at preview says so, and holds for every value it could take at apply. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkRule } from "../../provider/domain/rules";
import { UNKNOWN } from "../../provider/domain/unknown";
import { PROFILE_NAMES } from "./support/ruleProfiles";
import { check, PROFILE_LIST, typedInputArb } from "./support/ruleInputArbitraries";

// ---------------------------------------------------------------------------------------------
// (d) an UNKNOWN value is never the subject of a failure

describe("a value unknown at preview is present: only checks that need no value fail on it", () => {
  /** Known values an unknown property could take at apply (all schema-valid). */
  const CANDIDATES: Record<string, unknown[]> = {
    securityGroupId: ["sg-a"],
    direction: ["ingress", "egress"],
    ethertype: ["IPv4", "IPv6"],
    protocol: ["tcp", "udp", "icmp", "gre", "any", 6, 58, 200],
    description: ["", "x"],
    portRangeMin: [0, 1, 8, 22, 80, 255, 65535],
    portRangeMax: [0, 1, 8, 22, 80, 255, 65535],
    remoteIpPrefix: ["0.0.0.0/0", "10.0.0.0/24", "2001:db8::/32"],
    remoteGroupId: ["g1"],
    remoteSubnetId: ["s1"],
  };

  it.each(PROFILE_NAMES.map((n, i) => [n, i] as const))("%s: a failure on an unknown value holds for every value it could take", (_name, pi) => {
    const profile = PROFILE_LIST[pi]!;
    let unknownFailures = 0;
    fc.assert(
      fc.property(typedInputArb, (input) => {
        const r = checkRule(input, profile);
        if (r.kind !== "invalid") return;
        for (const f of r.failures.filter((x) => input[x.property] === UNKNOWN)) {
          unknownFailures++;
          check(f.reason.includes("got a value known only after apply"), () => `${f.reason} does not say the value is unknown`);
          for (const v of CANDIDATES[f.property] ?? []) {
            check(
              checkRule({ ...input, [f.property]: v }, profile).kind === "invalid",
              () => `failure on unknown ${f.property} (${f.reason}) but ${JSON.stringify({ ...input, [f.property]: v })} is accepted`,
            );
          }
        }
      }),
      { numRuns: 5_000 },
    );
    // The generator reaches presence failures (two remotes, a remote kind the profile lacks, a missing end, …).
    expect(unknownFailures).toBeGreaterThan(50);
  });
});
