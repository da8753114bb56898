/**
 * Client tokens: a client token names one create request (the resource's URN and its inputs; see
 * provider/resources/common.ts). When the process dies after the backend committed but before the
 * engine recorded the result, the retried create finds its object by the token and returns it
 * instead of making a second one.
 */
import type { ResourceType } from "../../domain/plan";
import type { Row, Tx } from "./driver";
import type { TokenTable } from "./rows";

/** The table of each resource type's objects, every one with a client_token column. */
const TABLE_OF: Readonly<Record<ResourceType, TokenTable>> = {
  SecurityGroup: "security_groups",
  SecurityGroupRule: "security_group_rules",
  Network: "networks",
  Server: "servers",
  ServerAttachment: "attachments",
};

/** The row that an earlier create with the same client token made, or undefined. */
export async function byToken(tx: Tx, table: TokenTable, project: string, token: string | undefined): Promise<Row | undefined> {
  if (!token) return undefined;
  return tx.get(`SELECT * FROM ${table} WHERE project = ? AND client_token = ?`, [project, token]);
}

/** Records the client token of the create that made row `id` (same transaction). */
export async function setToken(tx: Tx, table: TokenTable, project: string, id: string, token: string | undefined): Promise<void> {
  if (token) await tx.run(`UPDATE ${table} SET client_token = ? WHERE project = ? AND id = ?`, [token, project, id]);
}

/** The table of `type` if its row `id` still carries a client token (a read): [] or [that table]. */
export async function tokenHolders(tx: Tx, project: string, id: string, type: ResourceType): Promise<TokenTable[]> {
  const t = TABLE_OF[type];
  return (await tx.get(`SELECT 1 AS x FROM ${t} WHERE project = ? AND id = ? AND client_token IS NOT NULL`, [project, id])) ? [t] : [];
}

/** Forgets the client token of row `id` in `tables`. */
export async function clearTokens(tx: Tx, project: string, id: string, tables: readonly TokenTable[]): Promise<void> {
  for (const t of tables) await tx.run(`UPDATE ${t} SET client_token = NULL WHERE project = ? AND id = ?`, [project, id]);
}
