/** checkRule, by property: feeding a canonical rule back through it gives it back unchanged, with the same ruleKey. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkRule, ruleKey, type CanonicalRule } from "../../provider/domain/rules";
import { UNKNOWN } from "../../provider/domain/unknown";
import { PROFILE_LIST, typedInputArb } from "./support/ruleInputArbitraries";

// ---------------------------------------------------------------------------------------------
// (a) canonicalising twice equals once

describe("canonical form is a fixed point", () => {
  it("feeding the canonical rule back through checkRule gives it back unchanged", () => {
    let oks = 0;
    fc.assert(
      fc.property(typedInputArb, fc.integer({ min: 0, max: PROFILE_LIST.length - 1 }), (input, pi) => {
        const profile = PROFILE_LIST[pi]!;
        const once = checkRule(input, profile);
        if (once.kind !== "ok") return;
        oks++;
        const twice = checkRule(once.rule, profile);
        expect(twice).toEqual(once);
        expect(ruleKeyOrNull(twice)).toBe(ruleKeyOrNull(once));
      }),
      { numRuns: 20_000 },
    );
    // The generator must reach the interesting path often.
    expect(oks).toBeGreaterThan(1_000);
  });
});

function ruleKeyOrNull(r: ReturnType<typeof checkRule>): string | null {
  if (r.kind !== "ok" || Object.values(r.rule).includes(UNKNOWN)) return null;
  return ruleKey(r.rule as unknown as CanonicalRule);
}
