/**
 * A security group's inline rules (the group's `rules` input: what YAML and Python programs write
 * where TypeScript calls `group.allowIngress`): each is a SecurityGroupRule of that group without
 * `securityGroupId`. Which recorded rules an update keeps, deletes and creates is decided here, once,
 * for the provider and for the preview report's replay.
 */
import { ruleKey, type CanonicalRule } from "./rules";

/** One inline rule as checked: a canonical rule without its group. */
export type InlineRule = Omit<CanonicalRule, "securityGroupId">;

/**
 * The identity of an inline rule: its traffic as Neutron compares rules (ruleKey) and its
 * description. Two rules with the same key are one rule; a changed description is another rule.
 */
export function inlineRuleKey(rule: InlineRule): string {
  return `${ruleKey({ ...rule, securityGroupId: "" } as CanonicalRule)}|${JSON.stringify(rule.description ?? "")}`;
}

/** The traffic key alone (the description ignored): two inline rules of one group must differ in it. */
export function inlineTrafficKey(rule: InlineRule): string {
  return ruleKey({ ...rule, securityGroupId: "" } as CanonicalRule);
}

/** What an update does to a group's inline rules. */
export interface InlineRuleChanges {
  /** For each new rule (by index), the id of the recorded rule it keeps, or undefined: create it. */
  kept: (string | undefined)[];
  /** Ids of recorded rules no new rule keeps: delete them. */
  removed: string[];
}

/**
 * Matches the new inline rules with the recorded ones (`oldRules[i]` has id `oldIds[i]`) by
 * identity, so reordering the list changes nothing and each recorded rule is kept at most once.
 */
export function inlineRuleChanges(oldRules: readonly InlineRule[], oldIds: readonly string[], newRules: readonly InlineRule[]): InlineRuleChanges {
  const available = new Map<string, string[]>();
  oldRules.forEach((r, i) => {
    const id = oldIds[i];
    if (id === undefined) return;
    const key = inlineRuleKey(r);
    available.set(key, [...(available.get(key) ?? []), id]);
  });
  const kept = newRules.map((r) => available.get(inlineRuleKey(r))?.shift());
  const keptIds = new Set(kept.filter((id): id is string => id !== undefined));
  return { kept, removed: oldIds.filter((id) => !keptIds.has(id)) };
}
