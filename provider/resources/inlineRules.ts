/**
 * A security group's inline rules (its `rules` input), on top of the SecurityGroup and
 * SecurityGroupRule providers: every inline rule is checked, created, read and deleted by the rule
 * provider exactly as a SecurityGroupRule resource of the group would be, so the same checks,
 * errors, quotas, client tokens (crash safety) and backends apply. The group's outputs add the
 * checked `rules` and their `ruleIds` (in the same order).
 *
 * Each inline rule is managed by the group's URN with `#rule:` and a digest of its identity, so the
 * group's stack manages it (it is not among the group's unmanagedRules) and a create retried after
 * a crash finds it. A change of the list creates the new rules, then deletes the ones no longer
 * listed, then creates those whose traffic a deleted one had (a changed description is a new
 * rule), then reads the group again; a create that fails part way deletes what it made, so no
 * half-made group stays behind. The group's delete takes its rules with it.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { checkFailure, type CheckFailure } from "../errors";
import type { EngineProvider, Props } from "../lifecycle";
import { inlineRuleChanges, inlineRuleKey, inlineTrafficKey, type InlineRule } from "../domain/inlineRules";
import { UNKNOWN, containsUnknown } from "../domain/unknown";
import { digestOf } from "./common";

const isObject = (v: unknown): v is Props => v !== null && typeof v === "object" && !Array.isArray(v);

/** The group's own properties: its inputs or outputs without the inline rules. */
function groupPart(props: Props | undefined): Props {
  const { rules: _rules, ruleIds: _ids, ...rest } = props ?? {};
  return rest;
}

/** The inline rules recorded in a group's outputs, with their ids (empty when it has none). */
function recorded(olds: Props): { rules: InlineRule[]; ids: string[] } {
  const rules = Array.isArray(olds.rules) ? (olds.rules as InlineRule[]) : [];
  const ids = Array.isArray(olds.ruleIds) ? olds.ruleIds.map(String) : [];
  return { rules, ids };
}

/** What manages inline rule `rule` of the group managed by `groupManagedBy` (undefined without one). */
export function inlineRuleManagedBy(groupManagedBy: unknown, rule: InlineRule): string | undefined {
  return typeof groupManagedBy === "string" && groupManagedBy !== UNKNOWN ? `${groupManagedBy}#rule:${digestOf(inlineRuleKey(rule))}` : undefined;
}

/** `group` (the SecurityGroup provider) with inline rules made by `rule` (the SecurityGroupRule provider). */
export function withInlineRules(group: EngineProvider, rule: EngineProvider): EngineProvider {
  /** Checks the list: each entry as a rule of an unknown group; failures under `rules[i]`. */
  async function checkRules(rules: unknown): Promise<{ rules: unknown; failures: CheckFailure[] }> {
    if (rules === UNKNOWN) return { rules, failures: [] };
    if (!Array.isArray(rules)) {
      return {
        rules,
        failures: [
          checkFailure("SG_INVALID_INPUT", {
            property: "rules",
            problem: "must be a list of rules",
            value: rules,
            allowed: "a list of rules, each with a SecurityGroupRule's inputs but securityGroupId",
            fix: "write rules as a list, or declare SecurityGroupRule resources",
          }),
        ],
      };
    }
    const failures: CheckFailure[] = [];
    const checked: unknown[] = [];
    const traffic = new Map<string, number>();
    for (const [i, spec] of rules.entries()) {
      if (spec === UNKNOWN) {
        checked.push(spec);
        continue;
      }
      if (!isObject(spec) || "securityGroupId" in spec) {
        failures.push(
          checkFailure("SG_INVALID_INPUT", {
            property: isObject(spec) ? `rules[${i}].securityGroupId` : `rules[${i}]`,
            problem: isObject(spec) ? "an inline rule belongs to its group and names none" : "must be a rule (an object)",
            value: isObject(spec) ? spec.securityGroupId : spec,
            allowed: isObject(spec) ? "no securityGroupId" : "a SecurityGroupRule's inputs but securityGroupId",
            fix: isObject(spec) ? "drop securityGroupId, or declare a SecurityGroupRule resource for another group" : "write the rule as an object",
          }),
        );
        continue;
      }
      const result = await rule.check({}, { ...spec, securityGroupId: UNKNOWN });
      if (result.failures?.length) {
        for (const f of result.failures) failures.push({ property: f.property ? `rules[${i}].${f.property}` : `rules[${i}]`, reason: f.reason });
        continue;
      }
      const { securityGroupId: _group, ...inline } = result.inputs as Props;
      if (!containsUnknown(inline)) {
        const key = inlineTrafficKey(inline as InlineRule);
        const first = traffic.get(key);
        if (first !== undefined) {
          failures.push(
            checkFailure("SG_RULE_EXISTS", {
              property: `rules[${i}]`,
              problem: `allows the same traffic as rules[${first}] (a group holds one rule per traffic, whatever the descriptions)`,
              fix: `drop one of rules[${first}] and rules[${i}]`,
            }),
          );
        }
        traffic.set(key, i);
      }
      checked.push(inline);
    }
    return { rules: checked, failures };
  }

  /** Creates `rules` in group `id` (project `project`); on a failure deletes those it made and rethrows. */
  async function createRules(id: string, project: unknown, managedBy: unknown, rules: readonly InlineRule[]): Promise<string[]> {
    const made: { id: string; outs: Props }[] = [];
    try {
      for (const r of rules) {
        const by = inlineRuleManagedBy(managedBy, r);
        const created = await rule.create({ ...r, securityGroupId: id, ...(by ? { managedBy: by } : {}) });
        made.push({ id: created.id, outs: { ...created.outs, project } });
      }
    } catch (err) {
      for (const m of made.reverse()) await rule.delete(m.id, m.outs).catch(() => undefined);
      throw err;
    }
    return made.map((m) => m.id);
  }

  /** The group's outputs as read now (revision and unmanaged rules change with its rules). */
  async function groupOutputs(id: string, props: Props): Promise<Props> {
    const read = await group.read(id, groupPart(props));
    return read.props ?? groupPart(props);
  }

  return {
    async check(olds: Props, news: Props): Promise<dynamic.CheckResult<Props>> {
      const result = await group.check(groupPart(olds), groupPart(news));
      if (news?.rules === undefined) return result;
      const rules = await checkRules(news.rules);
      const failures = [...(result.failures ?? []), ...rules.failures];
      if (failures.length) return { inputs: news, failures };
      return { ...result, inputs: { ...result.inputs, rules: rules.rules } };
    },

    async diff(id: string, olds: Props, news: Props): Promise<dynamic.DiffResult> {
      const result = await group.diff(id, groupPart(olds), groupPart(news));
      const before = recorded(olds ?? {}).rules;
      const after = news?.rules;
      const changed =
        after === undefined
          ? before.length > 0
          : containsUnknown(after) ||
            !Array.isArray(after) ||
            JSON.stringify(before.map(inlineRuleKey).sort()) !== JSON.stringify((after as InlineRule[]).map(inlineRuleKey).sort());
      return changed ? { ...result, changes: true } : result;
    },

    async create(inputs: Props): Promise<dynamic.CreateResult<Props>> {
      const rules = Array.isArray(inputs.rules) ? (inputs.rules as InlineRule[]) : undefined;
      const created = await group.create(groupPart(inputs));
      if (!rules) return created;
      const outs = created.outs ?? {};
      let ruleIds: string[];
      try {
        ruleIds = await createRules(created.id, outs.project, inputs.managedBy, rules);
      } catch (err) {
        await group.delete(created.id, outs).catch(() => undefined);
        throw err;
      }
      return { id: created.id, outs: { ...(await groupOutputs(created.id, outs)), rules, ruleIds } };
    },

    async read(id: string, props?: Props): Promise<dynamic.ReadResult<Props>> {
      const read = await group.read(id, groupPart(props));
      if (!read.id || props?.rules === undefined) return read;
      // The inline rules still there (one deleted outside the program drops out: refresh shows it).
      const { rules, ids } = recorded(props);
      const found: { rule: InlineRule; id: string }[] = [];
      for (const [i, ruleId] of ids.entries()) {
        const r = await rule.read(ruleId, { project: read.props?.project, managedBy: inlineRuleManagedBy(props.managedBy, rules[i]!) });
        if (!r.id) continue;
        const { securityGroupId: _g, managedBy: _m, ...inline } = (r.inputs ?? {}) as Props;
        found.push({ rule: inline as InlineRule, id: ruleId });
      }
      const inlineRules = found.map((f) => f.rule);
      return {
        ...read,
        props: { ...read.props, rules: inlineRules, ruleIds: found.map((f) => f.id) },
        inputs: { ...read.inputs, rules: inlineRules },
      };
    },

    async update(id: string, olds: Props, news: Props): Promise<dynamic.UpdateResult<Props>> {
      // The group itself only when its own inputs changed (an update bumps its revision).
      const own = await group.diff(id, groupPart(olds), groupPart(news));
      const updated = own.changes ? await group.update(id, groupPart(olds), groupPart(news)) : { outs: { ...groupPart(olds), ...groupPart(news) } };
      const outs = (updated.outs ?? {}) as Props;
      const before = recorded(olds);
      if (news.rules === undefined && before.ids.length === 0) return updated;
      const after = Array.isArray(news.rules) ? (news.rules as InlineRule[]) : [];
      const changes = inlineRuleChanges(before.rules, before.ids, after);
      const project = outs.project ?? olds.project;
      const by = news.managedBy ?? olds.managedBy;
      const removed = changes.removed.map((ruleId) => ({ id: ruleId, rule: before.rules[before.ids.indexOf(ruleId)]! }));
      const removedTraffic = new Set(removed.map((r) => inlineTrafficKey(r.rule)));
      const added = after.flatMap((_, i) => (changes.kept[i] === undefined ? [i] : []));
      // New rules first, so that a refused one (quota, an equal rule elsewhere) changes nothing;
      // then the removed ones go; then the rules whose traffic a removed one had (a new
      // description), which the backend would refuse as duplicates while the old one is there.
      const early = added.filter((i) => !removedTraffic.has(inlineTrafficKey(after[i]!)));
      const late = added.filter((i) => removedTraffic.has(inlineTrafficKey(after[i]!)));
      const made = new Map<number, string>();
      (
        await createRules(
          id,
          project,
          by,
          early.map((i) => after[i]!),
        )
      ).forEach((ruleId, k) => made.set(early[k]!, ruleId));
      try {
        for (const r of removed) await rule.delete(r.id, { project });
        (
          await createRules(
            id,
            project,
            by,
            late.map((i) => after[i]!),
          )
        ).forEach((ruleId, k) => made.set(late[k]!, ruleId));
      } catch (err) {
        // The rules made above go again; the removed ones stay removed (refresh shows them gone).
        for (const i of early) await rule.delete(made.get(i)!, { project }).catch(() => undefined);
        throw err;
      }
      const ruleIds = changes.kept.map((kept, i) => kept ?? made.get(i)!);
      const groupOuts = await groupOutputs(id, outs);
      return { outs: news.rules === undefined ? groupOuts : { ...groupOuts, rules: after, ruleIds } };
    },

    // The group's delete takes its rules with it, in one step, or refuses (in use) and keeps them all.
    async delete(id: string, props: Props): Promise<void> {
      await group.delete(id, groupPart(props));
    },
  };
}
