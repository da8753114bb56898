/** SecurityGroupRule: check/diff/create/read/update/delete, wiring the rule core to the backend. */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type * as schema from "../domain/schemaTypes";
import { getContext, getProfile } from "../context";
import { importMismatch, type ImportTarget } from "./adoption";
import type { CheckResult, Previewed, Props, ResourceImpl } from "../lifecycle";
import type { RuleRecord } from "../backends/types";
import { canonicalRuleOf, checkRule, newRuleOf, ruleKey, type CanonicalRule } from "../domain/rules";
import { UNKNOWN, containsUnknown } from "../domain/unknown";
import { stripProvider, type Fields } from "./common";
import { maskRefused, mergeFailures, validateInputs } from "../schema";

/** Every field of a rule that is an input; all but `description` replace the rule. */
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

/** Outputs recorded in the stack: the canonical inputs plus project and timestamps. */
export type SecurityGroupRuleOutputs = schema.SecurityGroupRuleOutputs;

function outputsOf(r: RuleRecord): SecurityGroupRuleOutputs {
  return { ...canonicalRuleOf(r), project: r.project, createdAt: r.createdAt, updatedAt: r.updatedAt };
}

/**
 * Schema check and the domain core together: every failure at once (the domain core runs on the
 * properties the schema accepted, the refused ones standing as present but unusable), or the
 * canonical inputs.
 */
export function checkSecurityGroupRule(news: Props): CheckResult<CanonicalRule> {
  const given = stripProvider(news);
  const refused = validateInputs("SecurityGroupRuleInputs", given);
  const result = checkRule(maskRefused(given, refused), getProfile());
  const failures = mergeFailures(refused, result.kind === "invalid" ? result.failures : []);
  if (failures.length || result.kind === "invalid") return { inputs: given, failures };
  // checkRule's rule is the canonical rule, values unknown at preview passed through.
  return { inputs: result.rule as Previewed<CanonicalRule> };
}

/** Only a description change is in place; every other change replaces (create, then delete). */
export function diffSecurityGroupRule(
  olds: Fields<keyof SecurityGroupRuleOutputs>,
  news: Fields<keyof CanonicalRule>,
  mutableDescription = true,
): dynamic.DiffResult {
  const changed = RULE_FIELDS.filter((f) => news[f] === UNKNOWN || JSON.stringify(olds[f]) !== JSON.stringify(news[f]));
  // A description changes in place where the backend can (not on Neutron, whose rules are immutable).
  const replaces = changed.filter((f) => f !== "description" || !mutableDescription);
  // Create-before-delete, unless the new rule is a duplicate of the old one in Neutron's sense
  // (e.g. remote 0.0.0.0/0 → no remote, protocol ip → 0): then the old one must go first.
  const sameKey =
    replaces.length > 0 && !containsUnknown(news) && ruleKey(olds as unknown as CanonicalRule) === ruleKey(news as unknown as CanonicalRule);
  return { changes: changed.length > 0, replaces, deleteBeforeReplace: sameKey };
}

/** The provider implementation of SecurityGroupRule (the lifecycle wraps it: provider/lifecycle.ts). */
export const securityGroupRuleProvider: ResourceImpl<CanonicalRule, SecurityGroupRuleOutputs> = {
  async check(_olds, news) {
    return checkSecurityGroupRule(news);
  },

  async diff(_id, olds, news) {
    return diffSecurityGroupRule(olds, news, getContext().backend.mutableRuleDescription);
  },

  async create(inputs, token, managedBy) {
    const { backend, profile } = getContext();
    const record = await backend.createRule(
      { ...newRuleOf(inputs), ...(token ? { clientToken: token } : {}), ...(managedBy ? { managedBy } : {}) },
      {
        profile: profile.name,
        ...(profile.quotas.rules !== undefined ? { rulesPerProject: profile.quotas.rules } : {}),
        ...(profile.quotas.rulesPerGroup !== undefined ? { rulesPerGroup: profile.quotas.rulesPerGroup } : {}),
      },
    );
    return { id: record.id, outs: outputsOf(record) };
  },

  async read(id, props) {
    const { backend, settings } = getContext();
    const record = await backend.getRule(props.project ?? settings.project, id);
    if (!record) return { id: "", props: {} };
    return { id, props: outputsOf(record), inputs: canonicalRuleOf(record) };
  },

  async update(id, olds, news) {
    const { backend } = getContext();
    const record = await backend.updateRuleDescription(olds.project, id, news.description);
    return { outs: outputsOf(record) };
  },

  async delete(id, props) {
    const { backend } = getContext();
    await backend.deleteRule(props.project, id);
  },

  /** An import id is the rule's id; a group's default rules belong to the group and are refused. */
  async resolveImport(importId, inputs) {
    const { backend, settings } = getContext();
    const groupId = inputs.securityGroupId;
    const project = (typeof groupId === "string" ? await backend.groupProject(groupId) : undefined) ?? settings.project;
    const rule = await backend.getRule(project, importId);
    if (!rule) return undefined;
    const target: ImportTarget = { project, id: rule.id, label: `rule ${rule.id} of group ${rule.securityGroupId}` };
    if (rule.isDefault) {
      target.problems = [
        importMismatch({
          property: "import",
          problem: `rule ${rule.id} is a default rule of group ${rule.securityGroupId}, which the group manages`,
          value: importId,
          fix: "leave default rules to the group (deleteDefaultRules: true removes them), and declare your own rule instead",
        }),
      ];
    }
    return target;
  },

  /** Records the adopting resource as the rule's manager (its group no longer lists it as unmanaged). */
  async adopted(target, managedBy) {
    if (managedBy) await getContext().backend.setRuleManagedBy(target.project, target.id, managedBy);
  },
};
