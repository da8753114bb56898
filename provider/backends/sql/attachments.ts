/**
 * Attachments in the SQL store: the policy (provider/domain/policy.ts) decides from the rows this
 * transaction read; this file only reads those rows and writes what the decision says.
 */
import { randomUUID } from "node:crypto";
import type { AttachmentPolicy, AttachmentRecord, GroupRecord, ServerRecord } from "../../domain/model";
import { decideAttach, decideDetach, decideSwap, type PolicyServer } from "../../domain/policy";
import { SecgroupsError } from "../../errors";
import type { Tx } from "./driver";
import { groupByIdOrName, groupByName } from "./groups";
import { groupFromRow, nextTimestamp } from "./rows";
import { notFound } from "../refusals";
import { networkRow, serverRow } from "./servers";
import { byToken, setToken } from "./tokens";

export async function attachmentRow(tx: Tx, project: string, id: string): Promise<AttachmentRecord | undefined> {
  const row = await tx.get("SELECT * FROM attachments WHERE project = ? AND id = ?", [project, id]);
  if (!row) return undefined;
  const portIds = (await tx.all("SELECT DISTINCT port_id FROM port_groups WHERE attachment_id = ? ORDER BY port_id", [id])).map((r) =>
    String(r.port_id),
  );
  return {
    id,
    project,
    serverId: String(row.server_id),
    securityGroupId: String(row.security_group_id),
    networkId: row.network_id === null ? null : String(row.network_id),
    portIds,
    createdAt: String(row.created_at),
  };
}

/** The server as the policy sees it: every port with the groups on it (read in this transaction). */
async function policyServer(tx: Tx, server: ServerRecord): Promise<PolicyServer> {
  const rows = await tx.all(
    `SELECT pg.port_id, g.* FROM port_groups pg JOIN ports p ON p.id = pg.port_id
       JOIN security_groups g ON g.id = pg.security_group_id WHERE p.server_id = ? ORDER BY g.id`,
    [server.id],
  );
  const onPort = new Map<string, GroupRecord[]>();
  for (const r of rows) onPort.set(String(r.port_id), [...(onPort.get(String(r.port_id)) ?? []), groupFromRow(r)]);
  return {
    id: server.id,
    name: server.name,
    status: server.status,
    ports: server.ports.map((p) => ({ id: p.id, networkId: p.networkId, networkName: p.networkName, groups: onPort.get(p.id) ?? [] })),
  };
}

async function fallbackGroup(tx: Tx, project: string, policy: AttachmentPolicy): Promise<GroupRecord | undefined> {
  return policy.fallbackGroup ? groupByName(tx, project, policy.fallbackGroup) : undefined;
}

export async function createAttachment(
  tx: Tx,
  project: string,
  serverId: string,
  securityGroupId: string,
  network: string | null,
  policy: AttachmentPolicy,
  clientToken?: string,
): Promise<AttachmentRecord> {
  const retried = await byToken(tx, "attachments", project, clientToken);
  if (retried) return (await attachmentRow(tx, project, String(retried.id)))!;
  const server = await serverRow(tx, project, serverId);
  if (!server) throw notFound("SG_SERVER_NOT_FOUND", "serverId", "server", serverId, project);
  const state = await policyServer(tx, server);
  if (server.status !== "ACTIVE") {
    // The server's state decides before anything it names is looked up.
    const early = decideAttach(
      policy,
      { server: state, group: { id: securityGroupId, name: securityGroupId }, network: null, networkValue: network, groupValue: securityGroupId },
      "apply",
    );
    throw early.refusals[0]!;
  }
  const group = await groupByIdOrName(tx, project, securityGroupId);
  if (!group) throw notFound("SG_GROUP_NOT_FOUND", "securityGroupId", "security group", securityGroupId, project);
  const net = network === null ? null : await networkRow(tx, project, network);
  if (net === undefined) throw notFound("SG_NETWORK_NOT_FOUND", "network", "network", network!, project);
  const fallback = await fallbackGroup(tx, project, policy);
  const decision = decideAttach(
    policy,
    {
      server: state,
      group,
      network: net,
      networkValue: network,
      groupValue: securityGroupId,
      ...(fallback ? { fallbackId: fallback.id } : {}),
    },
    "apply",
  );
  if (decision.refusals.length) throw decision.refusals[0]!;
  const id = randomUUID();
  for (const port of decision.ports) {
    if (fallback) await tx.run("DELETE FROM port_groups WHERE port_id = ? AND security_group_id = ?", [port.id, fallback.id]);
    await tx.run("INSERT INTO port_groups (port_id, security_group_id, attachment_id) VALUES (?, ?, ?)", [port.id, group.id, id]);
  }
  await tx.run("INSERT INTO attachments (id, project, server_id, security_group_id, network_id, created_at) VALUES (?, ?, ?, ?, ?, ?)", [
    id,
    project,
    serverId,
    group.id,
    net?.id ?? null,
    nextTimestamp(),
  ]);
  await setToken(tx, "attachments", project, id, clientToken);
  return (await attachmentRow(tx, project, id))!;
}

export async function swapAttachment(
  tx: Tx,
  project: string,
  id: string,
  securityGroupId: string,
  policy: AttachmentPolicy,
): Promise<AttachmentRecord> {
  const attachment = await attachmentRow(tx, project, id);
  if (!attachment) {
    throw new SecgroupsError("SG_NOT_FOUND", {
      property: "id",
      problem: `attachment ${id} does not exist in project ${project}`,
      value: id,
      fix: "run `pulumi refresh`, then `pulumi up`",
    });
  }
  const server = (await serverRow(tx, project, attachment.serverId))!;
  const group = await groupByIdOrName(tx, project, securityGroupId);
  if (!group) throw notFound("SG_GROUP_NOT_FOUND", "securityGroupId", "security group", securityGroupId, project);
  const fallback = await fallbackGroup(tx, project, policy);
  const refusals = decideSwap({
    server: await policyServer(tx, server),
    portIds: attachment.portIds,
    oldGroupId: attachment.securityGroupId,
    group,
    ...(fallback ? { fallbackId: fallback.id } : {}),
  });
  if (refusals.length) throw refusals[0]!;
  // One port update per port: the old group out and the new one in, so the count never rises.
  for (const portId of attachment.portIds) {
    await tx.run("DELETE FROM port_groups WHERE port_id = ? AND attachment_id = ?", [portId, id]);
    await tx.run("INSERT INTO port_groups (port_id, security_group_id, attachment_id) VALUES (?, ?, ?)", [portId, group.id, id]);
  }
  await tx.run("UPDATE attachments SET security_group_id = ? WHERE id = ?", [group.id, id]);
  return (await attachmentRow(tx, project, id))!;
}

export async function deleteAttachment(tx: Tx, project: string, id: string, policy: AttachmentPolicy): Promise<boolean> {
  const attachment = await attachmentRow(tx, project, id);
  if (!attachment) return false;
  const server = await serverRow(tx, project, attachment.serverId);
  if (server) {
    const fallback = await fallbackGroup(tx, project, policy);
    const decision = decideDetach(policy, {
      server: await policyServer(tx, server),
      portIds: attachment.portIds,
      groupId: attachment.securityGroupId,
      ...(fallback ? { fallbackId: fallback.id } : {}),
    });
    if (decision.refusals.length) throw decision.refusals[0]!;
    await tx.run("DELETE FROM port_groups WHERE attachment_id = ?", [id]);
    for (const portId of decision.restoreFallbackOn) {
      await tx.run("INSERT INTO port_groups (port_id, security_group_id, attachment_id) VALUES (?, ?, NULL)", [portId, fallback!.id]);
    }
  } else {
    await tx.run("DELETE FROM port_groups WHERE attachment_id = ?", [id]);
  }
  await tx.run("DELETE FROM attachments WHERE id = ?", [id]);
  return true;
}

export async function listAttachments(tx: Tx, project: string): Promise<AttachmentRecord[]> {
  const attachments: AttachmentRecord[] = [];
  for (const row of await tx.all("SELECT id FROM attachments WHERE project = ? ORDER BY created_at, id", [project])) {
    attachments.push((await attachmentRow(tx, project, String(row.id)))!);
  }
  return attachments;
}
