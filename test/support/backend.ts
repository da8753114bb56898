/** Helpers the backend tests (SQLite and PostgreSQL) share. */
import { expect } from "vitest";
import type { NewRule } from "../../provider/backends/types";
import { loadProfile } from "../../provider/profileLoader";
import { checkRule, newRuleOf, type CanonicalRule, type RuleInput } from "../../provider/domain/rules";
import { SecgroupsError } from "../../provider/errors";

const OPENSTACK = loadProfile("openstack", process.cwd());

/** The rule `input` canonicalises to (openstack), as the provider hands it to the backend. */
export function rule(securityGroupId: string, input: RuleInput = {}): NewRule {
  const checked = checkRule({ securityGroupId, ...input }, OPENSTACK);
  if (checked.kind !== "ok") throw new Error(`test rule is invalid: ${JSON.stringify(checked.failures)}`);
  return newRuleOf(checked.rule as unknown as CanonicalRule);
}

/** Awaits a promise that must reject with a SecgroupsError and returns that error. */
export async function rejection(p: Promise<unknown>): Promise<SecgroupsError> {
  let caught: unknown;
  let resolved = false;
  try {
    await p;
    resolved = true;
  } catch (err) {
    caught = err;
  }
  expect(resolved).toBe(false);
  expect(caught).toBeInstanceOf(SecgroupsError);
  return caught as SecgroupsError;
}

/** Waits `ms` milliseconds (node:timers/promises' setTimeout, the provider's own sleep). */
export { setTimeout as sleep } from "node:timers/promises";
