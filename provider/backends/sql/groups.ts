/** Security groups in the SQL store: unique names per project, the group quota, default rules, in-use checks. */
import { randomUUID } from "node:crypto";
import { defaultRuleOf } from "../../domain/defaultRules";
import type { DefaultRuleSpec, GroupRecord } from "../../domain/model";
import { SecgroupsError } from "../../errors";
import { groupGone, groupInUse, groupQuotaFull, nameTaken } from "../refusals";
import type { GroupPatch, GroupState, NewGroup } from "../types";
import type { Tx } from "./driver";
import { count, groupFromRow, nextTimestamp } from "./rows";
import { countRules, insertRule } from "./rules";
import { byToken, setToken } from "./tokens";

export async function groupRow(tx: Tx, project: string, id: string): Promise<GroupRecord | undefined> {
  const row = await tx.get("SELECT * FROM security_groups WHERE project = ? AND id = ?", [project, id]);
  return row ? groupFromRow(row) : undefined;
}

export async function groupByName(tx: Tx, project: string, name: string): Promise<GroupRecord | undefined> {
  const row = await tx.get("SELECT * FROM security_groups WHERE project = ? AND name = ?", [project, name]);
  return row ? groupFromRow(row) : undefined;
}

/**
 * The group a server or attachment names: by id, or by name in the project (as the openstack
 * CLI takes either), so a program can use the profile's default groups, whose ids the cloud picks.
 */
export async function groupByIdOrName(tx: Tx, project: string, idOrName: string): Promise<GroupRecord | undefined> {
  return (await groupRow(tx, project, idOrName)) ?? groupByName(tx, project, idOrName);
}

export async function defaultRuleIds(tx: Tx, groupId: string): Promise<string[]> {
  const rows = await tx.all("SELECT id FROM security_group_rules WHERE security_group_id = ? AND is_default = 1 ORDER BY created_at, ethertype", [
    groupId,
  ]);
  return rows.map((r) => String(r.id));
}

async function insertDefaultRules(tx: Tx, group: GroupRecord, rules: readonly DefaultRuleSpec[], at: string): Promise<void> {
  for (const rule of rules) await insertRule(tx, defaultRuleOf(group.id, rule), group.project, true, at);
}

/** Inserts a group row as given (the caller decided its fields). */
export async function insertGroup(tx: Tx, group: GroupRecord): Promise<void> {
  await tx.run(
    `INSERT INTO security_groups (id, project, name, description, stateful, tags, revision_number, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      group.id,
      group.project,
      group.name,
      group.description,
      group.stateful ? 1 : 0,
      JSON.stringify(group.tags),
      group.revisionNumber,
      group.createdAt,
      group.updatedAt,
    ],
  );
}

export async function createGroup(tx: Tx, input: NewGroup): Promise<GroupState> {
  const retried = await byToken(tx, "security_groups", input.project, input.clientToken);
  if (retried) return { group: groupFromRow(retried), defaultRuleIds: await defaultRuleIds(tx, String(retried.id)) };
  const existing = await groupByName(tx, input.project, input.name);
  if (existing) throw nameTaken(input.project, input.name, existing);
  if (input.groupQuota !== undefined) {
    const groups = await count(tx, "SELECT COUNT(*) AS n FROM security_groups WHERE project = ?", [input.project]);
    if (groups >= input.groupQuota) {
      throw groupQuotaFull(input.project, groups, input.groupQuota);
    }
  }
  const at = nextTimestamp();
  const group: GroupRecord = {
    id: randomUUID(),
    project: input.project,
    name: input.name,
    description: input.description,
    stateful: input.stateful,
    tags: [...input.tags].sort(),
    // Neutron: a new group starts at 0 and each of its default rules bumps it (seed 001 shows 2).
    revisionNumber: input.defaultRules.length,
    createdAt: at,
    updatedAt: at,
  };
  await insertGroup(tx, group);
  await insertDefaultRules(tx, group, input.defaultRules, at);
  await setToken(tx, "security_groups", group.project, group.id, input.clientToken);
  return { group, defaultRuleIds: await defaultRuleIds(tx, group.id) };
}

export async function getGroup(tx: Tx, project: string, id: string): Promise<GroupState | undefined> {
  const group = await groupRow(tx, project, id);
  return group ? { group, defaultRuleIds: await defaultRuleIds(tx, id) } : undefined;
}

export async function listGroups(tx: Tx, project: string): Promise<GroupRecord[]> {
  return (await tx.all("SELECT * FROM security_groups WHERE project = ? ORDER BY name", [project])).map(groupFromRow);
}

export async function updateGroup(tx: Tx, project: string, id: string, patch: GroupPatch): Promise<GroupState> {
  const current = await groupRow(tx, project, id);
  if (!current) throw groupGone(project, id);
  if (patch.name !== undefined && patch.name !== current.name) {
    const clash = await tx.get("SELECT * FROM security_groups WHERE project = ? AND name = ? AND id <> ?", [project, patch.name, id]);
    if (clash) throw nameTaken(project, patch.name, groupFromRow(clash));
  }
  if (patch.stateful !== undefined && patch.stateful !== current.stateful) {
    const ports = await count(tx, "SELECT COUNT(*) AS n FROM port_groups WHERE security_group_id = ?", [id]);
    if (ports > 0) {
      throw new SecgroupsError("SG_IN_USE", {
        property: "stateful",
        problem: `security group ${current.name} (${id}) is on ${ports} port(s); stateful can only change while no port uses the group (Neutron)`,
        value: patch.stateful,
        fix: "detach the group from its servers, change stateful, and attach it again",
      });
    }
  }
  let revision = current.revisionNumber + 1;
  const at = nextTimestamp(current.updatedAt);
  if (patch.deleteDefaultRules === true) {
    const removed = await tx.run("DELETE FROM security_group_rules WHERE security_group_id = ? AND is_default = 1", [id]);
    await countRules(tx, project, -removed);
    revision += removed;
  } else if (patch.deleteDefaultRules === false && (await defaultRuleIds(tx, id)).length === 0) {
    const rules = patch.defaultRules ?? [];
    for (const rule of rules) {
      const clash = await tx.get("SELECT id FROM security_group_rules WHERE security_group_id = ? AND rule_key = ?", [
        id,
        defaultRuleOf(id, rule).key,
      ]);
      if (clash) {
        throw new SecgroupsError("SG_RULE_EXISTS", {
          property: "deleteDefaultRules",
          problem: `group ${current.name} already has rule ${String(clash.id)}, which equals its default ${rule.direction} ${rule.ethertype} rule`,
          value: false,
          fix: `keep deleteDefaultRules: true, or delete rule ${String(clash.id)} first`,
        });
      }
    }
    await insertDefaultRules(tx, current, rules, at);
    revision += rules.length;
  }
  const next: GroupRecord = {
    ...current,
    name: patch.name ?? current.name,
    description: patch.description ?? current.description,
    stateful: patch.stateful ?? current.stateful,
    tags: patch.tags ? [...patch.tags].sort() : current.tags,
    revisionNumber: revision,
    updatedAt: at,
  };
  await tx.run(
    `UPDATE security_groups SET name = ?, description = ?, stateful = ?, tags = ?, revision_number = ?, updated_at = ?
       WHERE id = ?`,
    [next.name, next.description, next.stateful ? 1 : 0, JSON.stringify(next.tags), next.revisionNumber, next.updatedAt, id],
  );
  return { group: next, defaultRuleIds: await defaultRuleIds(tx, id) };
}

export async function deleteGroup(tx: Tx, project: string, id: string): Promise<boolean> {
  const group = await groupRow(tx, project, id);
  if (!group) return false;
  // Refuse while anything holds the group (Neutron's 409 SecurityGroupInUse; nothing cascades).
  const ports = await tx.all(
    `SELECT s.name AS server, p.id AS port, n.name AS network FROM port_groups pg
       JOIN ports p ON p.id = pg.port_id JOIN servers s ON s.id = p.server_id
       JOIN networks n ON n.project = p.project AND n.id = p.network_id
     WHERE pg.security_group_id = ? ORDER BY s.name, n.name`,
    [id],
  );
  const rules = await tx.all(
    `SELECT r.id AS rule, g.name AS grp FROM security_group_rules r JOIN security_groups g ON g.id = r.security_group_id
     WHERE r.remote_group_id = ? AND r.security_group_id <> ? ORDER BY g.name, r.id`,
    [id, id],
  );
  if (ports.length || rules.length) {
    const holders = [
      ...ports.map((p) => `server ${String(p.server)} port ${String(p.port)} on network ${String(p.network)}`),
      ...rules.map((r) => `rule ${String(r.rule)} of group ${String(r.grp)}`),
    ];
    throw groupInUse(group, holders);
  }
  await countRules(tx, project, -(await tx.run("DELETE FROM security_group_rules WHERE security_group_id = ?", [id])));
  await tx.run("DELETE FROM security_groups WHERE id = ?", [id]);
  return true;
}

export async function groupProject(tx: Tx, id: string): Promise<string | undefined> {
  const row = await tx.get("SELECT project FROM security_groups WHERE id = ?", [id]);
  return row ? String(row.project) : undefined;
}
