/** Rules in the SQL store: duplicates by key, remote groups, per-group and per-project quotas, the project's rule count. */
import { randomUUID } from "node:crypto";
import type { NewRule, RuleRecord } from "../../domain/model";
import { SecgroupsError } from "../../errors";
import { groupRulesFull, projectRulesFull, ruleExists, ruleGone } from "../refusals";
import type { RuleLimits } from "../types";
import type { Row, Tx } from "./driver";
import { count, groupFromRow, nextTimestamp, ruleFromRow } from "./rows";
import { byToken, setToken } from "./tokens";

/** Adds `delta` to the project's rule count; every insert and delete of rules calls it in its transaction. */
export async function countRules(tx: Tx, project: string, delta: number): Promise<void> {
  if (delta === 0) return;
  await tx.run(
    `INSERT INTO project_rule_counts (project, rules) VALUES (?, ?)
     ON CONFLICT (project) DO UPDATE SET rules = project_rule_counts.rules + excluded.rules`,
    [project, delta],
  );
}

/** Inserts a rule row (and counts it) as given; the caller checked it. */
export async function insertRule(tx: Tx, rule: NewRule, project: string, isDefault: boolean, at: string): Promise<RuleRecord> {
  const record: RuleRecord = {
    id: randomUUID(),
    project,
    securityGroupId: rule.securityGroupId,
    direction: rule.direction,
    ethertype: rule.ethertype,
    protocol: rule.protocol,
    portRangeMin: rule.portRangeMin,
    portRangeMax: rule.portRangeMax,
    remoteIpPrefix: rule.remoteIpPrefix,
    remoteGroupId: rule.remoteGroupId,
    remoteSubnetId: rule.remoteSubnetId,
    description: rule.description,
    isDefault,
    createdAt: at,
    updatedAt: at,
    ...(rule.managedBy ? { managedBy: rule.managedBy } : {}),
  };
  await tx.run(
    `INSERT INTO security_group_rules (id, project, security_group_id, direction, ethertype, protocol,
       port_range_min, port_range_max, remote_ip_prefix, remote_group_id, remote_subnet_id, description,
       is_default, created_at, updated_at, rule_key, managed_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      record.id,
      project,
      record.securityGroupId,
      record.direction,
      record.ethertype,
      record.protocol,
      record.portRangeMin,
      record.portRangeMax,
      record.remoteIpPrefix,
      record.remoteGroupId,
      record.remoteSubnetId,
      record.description,
      isDefault ? 1 : 0,
      at,
      at,
      rule.key,
      rule.managedBy ?? null,
    ],
  );
  await countRules(tx, project, 1);
  return record;
}

/** Bumps a group's revision (and updatedAt) after one of its rules changed, inside the caller's transaction. */
async function bumpRevision(tx: Tx, groupId: string): Promise<void> {
  const row = await tx.get("SELECT updated_at FROM security_groups WHERE id = ?", [groupId]);
  if (!row) return;
  await tx.run("UPDATE security_groups SET revision_number = revision_number + 1, updated_at = ? WHERE id = ?", [
    nextTimestamp(String(row.updated_at)),
    groupId,
  ]);
}

export async function createRule(tx: Tx, rule: NewRule, limits: RuleLimits): Promise<RuleRecord> {
  const groupRow = await tx.get("SELECT * FROM security_groups WHERE id = ?", [rule.securityGroupId]);
  if (!groupRow) {
    throw new SecgroupsError("SG_GROUP_NOT_FOUND", {
      property: "securityGroupId",
      problem: `security group ${rule.securityGroupId} does not exist`,
      value: rule.securityGroupId,
      fix: "pass the id of an existing group (e.g. group.id of a SecurityGroup in the program)",
    });
  }
  const group = groupFromRow(groupRow);
  const retried = await byToken(tx, "security_group_rules", group.project, rule.clientToken);
  if (retried) return ruleFromRow(retried);
  if (
    rule.remoteGroupId !== null &&
    !(await tx.get("SELECT id FROM security_groups WHERE project = ? AND id = ?", [group.project, rule.remoteGroupId]))
  ) {
    throw new SecgroupsError("SG_GROUP_NOT_FOUND", {
      property: "remoteGroupId",
      problem: `remote security group ${rule.remoteGroupId} does not exist in project ${group.project}`,
      value: rule.remoteGroupId,
      fix: "pass the id of an existing group of the same project",
    });
  }
  const dup = await tx.get("SELECT * FROM security_group_rules WHERE security_group_id = ? AND rule_key = ?", [rule.securityGroupId, rule.key]);
  if (dup) {
    throw ruleExists(group, ruleFromRow(dup));
  }
  if (limits.rulesPerGroup !== undefined) {
    const n = await count(tx, "SELECT COUNT(*) AS n FROM security_group_rules WHERE security_group_id = ?", [group.id]);
    if (n >= limits.rulesPerGroup) {
      throw groupRulesFull(group, n, limits.profile, limits.rulesPerGroup);
    }
  }
  if (limits.rulesPerProject !== undefined) {
    const n = await count(tx, "SELECT rules AS n FROM project_rule_counts WHERE project = ?", [group.project]);
    if (n >= limits.rulesPerProject) {
      throw projectRulesFull(group.project, group.id, n, limits.profile, limits.rulesPerProject);
    }
  }
  const record = await insertRule(tx, rule, group.project, false, nextTimestamp());
  await setToken(tx, "security_group_rules", group.project, record.id, rule.clientToken);
  await bumpRevision(tx, group.id);
  return record;
}

export async function getRule(tx: Tx, project: string, id: string): Promise<RuleRecord | undefined> {
  const row = await tx.get("SELECT * FROM security_group_rules WHERE project = ? AND id = ?", [project, id]);
  return row ? ruleFromRow(row) : undefined;
}

export async function updateRuleDescription(tx: Tx, project: string, id: string, description: string): Promise<RuleRecord> {
  const current = await getRule(tx, project, id);
  if (!current) throw ruleGone(project, id);
  const at = nextTimestamp(current.updatedAt);
  await tx.run("UPDATE security_group_rules SET description = ?, updated_at = ? WHERE id = ?", [description, at, id]);
  return { ...current, description, updatedAt: at };
}

export async function deleteRule(tx: Tx, project: string, id: string): Promise<boolean> {
  const row = await tx.get("SELECT security_group_id FROM security_group_rules WHERE project = ? AND id = ?", [project, id]);
  if (!row) return false;
  await tx.run("DELETE FROM security_group_rules WHERE id = ?", [id]);
  await countRules(tx, project, -1);
  await bumpRevision(tx, String(row.security_group_id));
  return true;
}

/**
 * Rules oldest first. Rules made in one transaction share a timestamp (a group's default rules);
 * they come in the order of what they match, not of their random ids, so a listing reads the same
 * in every deployment. NULLs count as '' and -1: SQLite sorts NULL first, PostgreSQL last.
 */
const RULE_ORDER =
  "ORDER BY created_at, direction, ethertype, COALESCE(protocol, ''), COALESCE(port_range_min, -1), COALESCE(port_range_max, -1), COALESCE(remote_ip_prefix, ''), id";

export async function listRules(tx: Tx, project: string, securityGroupId?: string): Promise<RuleRecord[]> {
  const rows: Row[] =
    securityGroupId === undefined
      ? await tx.all(`SELECT * FROM security_group_rules WHERE project = ? ${RULE_ORDER}`, [project])
      : await tx.all(`SELECT * FROM security_group_rules WHERE project = ? AND security_group_id = ? ${RULE_ORDER}`, [project, securityGroupId]);
  return rows.map(ruleFromRow);
}

export async function setRuleManagedBy(tx: Tx, project: string, id: string, managedBy: string): Promise<void> {
  await tx.run("UPDATE security_group_rules SET managed_by = ? WHERE project = ? AND id = ?", [managedBy, project, id]);
}
