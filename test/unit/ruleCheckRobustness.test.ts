/**
 * The rule resource's check (schema, then checkRule), by property over arbitrary inputs: it never
 * throws; an accepted input gives a sane canonical rule; a refused one names input properties, each
 * reason with the error code.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { checkRule } from "../../provider/domain/rules";
import { UNKNOWN } from "../../provider/domain/unknown";
import { configure } from "../../provider/context";
import { checkSecurityGroupRule } from "../../provider/resources/securityGroupRule";
import { PREFIX, PROFILE_NAMES } from "./support/ruleProfiles";
import { arbitraryInputArb, check, PROFILE_LIST } from "./support/ruleInputArbitraries";

const RULE_FIELDS = [
  "securityGroupId",
  "direction",
  "ethertype",
  "protocol",
  "portRangeMin",
  "portRangeMax",
  "remoteIpPrefix",
  "remoteGroupId",
  "remoteSubnetId",
  "description",
] as const;

/**
 * Whether schema.json's SecurityGroupRuleInputs accepts `input` (written out independently here),
 * counting UNKNOWN as acceptable for every field, securityGroupId included.
 */
function schemaTyped(input: Record<string, unknown>): boolean {
  const isInt = (v: unknown) => typeof v === "number" && Number.isInteger(v);
  const checks: Record<string, (v: unknown) => boolean> = {
    securityGroupId: (v) => typeof v === "string" && v.length > 0,
    direction: (v) => v === "ingress" || v === "egress",
    ethertype: (v) => v === "IPv4" || v === "IPv6",
    protocol: (v) => typeof v === "string" || isInt(v),
    portRangeMin: (v) => isInt(v) && (v as number) >= 0 && (v as number) <= 65535,
    portRangeMax: (v) => isInt(v) && (v as number) >= 0 && (v as number) <= 65535,
    remoteIpPrefix: (v) => typeof v === "string",
    remoteGroupId: (v) => typeof v === "string" && v.length > 0,
    remoteSubnetId: (v) => typeof v === "string" && v.length > 0,
    description: (v) => typeof v === "string" && v.length <= 255,
  };
  if (input.securityGroupId === undefined) return false;
  for (const [k, v] of Object.entries(input)) {
    const check = checks[k];
    if (!check) return false;
    if (v !== UNKNOWN && !check(v)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// (c) 100 000 random inputs: never throw; ok → sane canonical rule; invalid → named properties

describe("robustness over arbitrary inputs", () => {
  afterEach(() => configure({}));

  it.each(PROFILE_NAMES.map((n, i) => [n, i] as const))("%s: 25 000 inputs through check (schema + domain)", (name, pi) => {
    configure({ "secgroups:profile": name });
    const profile = PROFILE_LIST[pi]!;
    let domainOk = 0;
    let domainInvalid = 0;
    let schemaRefused = 0;
    fc.assert(
      fc.property(arbitraryInputArb, (input) => {
        const result = checkSecurityGroupRule(input);
        // checkRule never throws, even on inputs the schema would refuse.
        const r = checkRule(input, profile);
        const fails = result.failures ?? [];
        const show = () => `${JSON.stringify(input)} → ${JSON.stringify(result)}`;
        for (const f of fails) {
          check(typeof f.property === "string" && f.property.length > 0, () => `failure without a property: ${show()}`);
          check((RULE_FIELDS as readonly string[]).includes(f.property), () => `failure on a property that is not an input: ${show()}`);
          check(f.reason.startsWith(PREFIX), () => `reason without ${PREFIX}: ${show()}`);
        }
        if (!schemaTyped(input)) {
          schemaRefused++;
          check(fails.length > 0, () => `schema-invalid input accepted: ${show()}`);
          check(JSON.stringify(result.inputs) === JSON.stringify(input), () => `failed inputs not returned as given: ${show()}`);
          return;
        }
        if (r.kind === "ok") {
          domainOk++;
          const rule = r.rule;
          check(typeof rule.protocol === "string", () => `protocol not a string: ${show()}`);
          const ethertypeMayBeUnknown = input.ethertype === UNKNOWN || (input.ethertype === undefined && input.remoteIpPrefix === UNKNOWN);
          const ethertypes: unknown[] = ethertypeMayBeUnknown ? ["IPv4", "IPv6", UNKNOWN] : ["IPv4", "IPv6"];
          check(ethertypes.includes(rule.ethertype), () => `bad ethertype: ${show()}`);
          check(["ingress", "egress", UNKNOWN].includes(rule.direction as string), () => `bad direction: ${show()}`);
          check(typeof rule.description === "string", () => `bad description: ${show()}`);
          check(rule.securityGroupId === input.securityGroupId, () => `securityGroupId changed: ${show()}`);
          check(fails.length === 0 && JSON.stringify(result.inputs) === JSON.stringify(rule), () => `check differs from checkRule ok: ${show()}`);
        } else {
          domainInvalid++;
          check(r.failures.length > 0, () => `invalid without failures: ${show()}`);
          for (const f of r.failures) {
            check(f.property.length > 0 && (RULE_FIELDS as readonly string[]).includes(f.property), () => `bad failure property: ${show()}`);
            check(f.reason.startsWith(PREFIX), () => `reason without ${PREFIX}: ${show()}`);
          }
          check(
            JSON.stringify(result) === JSON.stringify({ inputs: input, failures: r.failures }),
            () => `check differs from checkRule invalid: ${show()}`,
          );
        }
      }),
      { numRuns: 25_000 },
    );
    expect(domainOk).toBeGreaterThan(500);
    expect(domainInvalid).toBeGreaterThan(1_000);
    expect(schemaRefused).toBeGreaterThan(1_000);
  });
});
