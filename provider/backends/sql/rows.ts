/** Rows to records, and the small helpers every part of the SQL store shares. */
import type { GroupRecord, NetworkRecord, RuleRecord } from "../../domain/model";
import type { Row, SqlValue, Tx } from "./driver";

/** Tables whose rows a create makes, and so may carry a client token. */
export type TokenTable = "security_groups" | "security_group_rules" | "networks" | "servers" | "attachments";

/** The last timestamp this process handed out (ms since the epoch). */
let lastIssued = 0;

/**
 * A timestamp strictly after `previous` and after every one this process handed out before (ISO
 * 8601 UTC, milliseconds), so that objects one process creates list in creation order.
 */
export function nextTimestamp(previous?: string): string {
  const floor = previous ? Date.parse(previous) + 1 : 0;
  lastIssued = Math.max(Date.now(), floor, lastIssued + 1);
  return new Date(lastIssued).toISOString();
}

function flag(v: unknown): boolean {
  return Number(v) === 1;
}

function nullableString(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

function nullableNumber(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

export function groupFromRow(r: Row): GroupRecord {
  return {
    id: String(r.id),
    project: String(r.project),
    name: String(r.name),
    description: String(r.description),
    stateful: flag(r.stateful),
    tags: JSON.parse(String(r.tags)) as string[],
    revisionNumber: Number(r.revision_number),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
}

export function ruleFromRow(r: Row): RuleRecord {
  return {
    id: String(r.id),
    project: String(r.project),
    securityGroupId: String(r.security_group_id),
    direction: String(r.direction) as RuleRecord["direction"],
    ethertype: String(r.ethertype) as RuleRecord["ethertype"],
    protocol: nullableString(r.protocol),
    portRangeMin: nullableNumber(r.port_range_min),
    portRangeMax: nullableNumber(r.port_range_max),
    remoteIpPrefix: nullableString(r.remote_ip_prefix),
    remoteGroupId: nullableString(r.remote_group_id),
    remoteSubnetId: nullableString(r.remote_subnet_id),
    description: String(r.description),
    isDefault: flag(r.is_default),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
    ...(r.managed_by !== null && r.managed_by !== undefined ? { managedBy: String(r.managed_by) } : {}),
  };
}

export function networkFromRow(row: Row): NetworkRecord {
  return {
    id: String(row.id),
    project: String(row.project),
    name: String(row.name),
    subnets: JSON.parse(String(row.subnets)) as string[],
    builtin: flag(row.builtin),
    createdAt: String(row.created_at),
  };
}

/** The first column `n` of a COUNT query (PostgreSQL returns bigint as a string). */
export async function count(tx: Tx, sql: string, params: SqlValue[]): Promise<number> {
  return Number((await tx.get(sql, params))?.n ?? 0);
}
