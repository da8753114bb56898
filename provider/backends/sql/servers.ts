/** Projects, networks and servers in the SQL store: the profile's setup, fixed addresses, launch. */
import { randomUUID } from "node:crypto";
import { addressAt, networkSize } from "../../domain/cidr";
import { defaultGroupRuleOf } from "../../domain/defaultRules";
import type { AttachmentPolicy, NetworkRecord, PortRecord, ProjectSetup, ServerRecord, ServerStatus } from "../../domain/model";
import { decideLaunch, isAttachable } from "../../domain/policy";
import { SecgroupsError } from "../../errors";
import { notFound } from "../refusals";
import { showValue } from "../../text";
import type { NewServer } from "../types";
import type { Tx } from "./driver";
import { groupByIdOrName, groupByName, insertGroup } from "./groups";
import { networkFromRow, nextTimestamp } from "./rows";
import { insertRule } from "./rules";
import { byToken, setToken } from "./tokens";

export async function projectExists(tx: Tx, project: string): Promise<boolean> {
  return (await tx.get("SELECT 1 AS x FROM projects WHERE name = ?", [project])) !== undefined;
}

/** Creates the project's built-in networks and default groups (with their rules) unless it exists. */
export async function ensureProject(tx: Tx, project: string, setup: ProjectSetup): Promise<void> {
  if (await projectExists(tx, project)) return;
  const at = nextTimestamp();
  for (const n of setup.builtinNetworks) {
    await tx.run("INSERT INTO networks (project, id, name, subnets, builtin, created_at) VALUES (?, ?, ?, ?, 1, ?)", [
      project,
      n.id,
      n.name,
      JSON.stringify(n.subnets),
      at,
    ]);
  }
  for (const g of setup.defaultGroups) {
    const id = randomUUID();
    await insertGroup(tx, {
      id,
      project,
      name: g.name,
      description: g.description,
      stateful: true,
      tags: [],
      revisionNumber: g.rules.length,
      createdAt: at,
      updatedAt: at,
    });
    for (const r of g.rules) await insertRule(tx, defaultGroupRuleOf(id, r), project, true, at);
  }
  await tx.run("INSERT INTO projects (name, created_at) VALUES (?, ?)", [project, at]);
}

export async function networkRow(tx: Tx, project: string, idOrName: string): Promise<NetworkRecord | undefined> {
  const row = await tx.get("SELECT * FROM networks WHERE project = ? AND (id = ? OR name = ?)", [project, idOrName, idOrName]);
  return row ? networkFromRow(row) : undefined;
}

export async function createNetwork(tx: Tx, project: string, name: string, subnets: string[], clientToken?: string): Promise<NetworkRecord> {
  const retried = await byToken(tx, "networks", project, clientToken);
  if (retried) return networkFromRow(retried);
  const existing = await networkRow(tx, project, name);
  if (existing && existing.name === name) {
    throw new SecgroupsError("SG_NAME_TAKEN", {
      property: "name",
      problem: `project ${project} already has a network named ${showValue(name)} (id ${existing.id})`,
      value: name,
      fix: "choose another name",
    });
  }
  const record: NetworkRecord = { id: randomUUID(), project, name, subnets, builtin: false, createdAt: nextTimestamp() };
  await tx.run("INSERT INTO networks (project, id, name, subnets, builtin, created_at) VALUES (?, ?, ?, ?, 0, ?)", [
    project,
    record.id,
    name,
    JSON.stringify(subnets),
    record.createdAt,
  ]);
  await setToken(tx, "networks", project, record.id, clientToken);
  return record;
}

export async function listNetworks(tx: Tx, project: string): Promise<NetworkRecord[]> {
  return (await tx.all("SELECT * FROM networks WHERE project = ? ORDER BY name, id", [project])).map(networkFromRow);
}

export async function deleteNetwork(tx: Tx, project: string, id: string): Promise<boolean> {
  const network = await networkRow(tx, project, id);
  if (!network || network.id !== id) return false;
  if (network.builtin) {
    throw new SecgroupsError("SG_IN_USE", {
      property: "id",
      problem: `network ${network.name} (${id}) is a built-in network of every project and cannot be deleted`,
      value: id,
      fix: "remove the Network resource from the program with `pulumi state delete` (it only adopted the network)",
    });
  }
  const users = await tx.all(
    "SELECT p.id AS port, s.name AS server FROM ports p JOIN servers s ON s.id = p.server_id WHERE p.project = ? AND p.network_id = ?",
    [project, id],
  );
  if (users.length) {
    throw new SecgroupsError("SG_IN_USE", {
      property: "id",
      problem: `network ${network.name} (${id}) still has ports: ${users.map((u) => `server ${String(u.server)} port ${String(u.port)}`).join(", ")}`,
      value: id,
      fix: "delete the servers on the network first",
    });
  }
  await tx.run("DELETE FROM networks WHERE project = ? AND id = ?", [project, id]);
  return true;
}

export async function serverRow(tx: Tx, project: string, id: string): Promise<ServerRecord | undefined> {
  const row = await tx.get("SELECT * FROM servers WHERE project = ? AND id = ?", [project, id]);
  if (!row) return undefined;
  const status: ServerStatus = Number(row.error) === 1 ? "ERROR" : Date.now() < Date.parse(String(row.active_at)) ? "BUILD" : "ACTIVE";
  const ports: PortRecord[] = [];
  const portRows = await tx.all(
    `SELECT p.*, n.name AS network_name FROM ports p JOIN networks n ON n.project = p.project AND n.id = p.network_id
     WHERE p.server_id = ? ORDER BY n.name, p.id`,
    [id],
  );
  for (const p of portRows) {
    const groups = await tx.all("SELECT security_group_id FROM port_groups WHERE port_id = ? ORDER BY security_group_id", [String(p.id)]);
    ports.push({
      id: String(p.id),
      serverId: id,
      networkId: String(p.network_id),
      networkName: String(p.network_name),
      fixedIp: String(p.fixed_ip),
      securityGroupIds: groups.map((g) => String(g.security_group_id)),
    });
  }
  return {
    id,
    project,
    name: String(row.name),
    status,
    activeAt: String(row.active_at),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
    ports,
  };
}

async function freeAddress(tx: Tx, project: string, network: NetworkRecord): Promise<string> {
  const used = new Set(
    (await tx.all("SELECT fixed_ip FROM ports WHERE project = ? AND network_id = ?", [project, network.id])).map((r) => String(r.fixed_ip)),
  );
  for (const subnet of network.subnets) {
    // Skip the network address and the gateway (.1); leave out the IPv4 broadcast address.
    const last = networkSize(subnet) - (subnet.includes(":") ? 1 : 2);
    for (let n = 2; n <= last; n++) {
      const ip = addressAt(subnet, n);
      if (ip === undefined) break;
      if (!used.has(ip)) return ip;
    }
  }
  throw new SecgroupsError("SG_NO_ADDRESSES", {
    property: "networks",
    problem: `network ${network.name} has no free address left in ${network.subnets.join(", ")}`,
    value: network.name,
    fix: "add a subnet to the network or delete servers on it",
  });
}

export async function createServer(tx: Tx, server: NewServer, policy: AttachmentPolicy): Promise<ServerRecord> {
  const retried = await byToken(tx, "servers", server.project, server.clientToken);
  if (retried) return (await serverRow(tx, server.project, String(retried.id)))!;
  const atBoot = decideLaunch(policy, {
    serverName: server.name,
    given: server.securityGroupIds.map((id) => ({ id, name: id })),
    explicit: true,
    value: server.securityGroupIds,
  });
  if (atBoot.refusals[0]?.code === "SG_ATTACH_AT_BOOT") throw atBoot.refusals[0];
  const networks: NetworkRecord[] = [];
  for (const [i, n] of server.networks.entries()) {
    const network = await networkRow(tx, server.project, n);
    if (!network) throw notFound("SG_NETWORK_NOT_FOUND", `networks[${i}]`, "network", n, server.project);
    networks.push(network);
  }
  const given = [];
  for (const [i, g] of server.securityGroupIds.entries()) {
    const group = await groupByIdOrName(tx, server.project, g);
    if (!group) throw notFound("SG_GROUP_NOT_FOUND", `securityGroupIds[${i}]`, "security group", g, server.project);
    given.push(group);
  }
  const launchGroup = !given.length && policy.launchGroup ? await groupByName(tx, server.project, policy.launchGroup) : undefined;
  const launch = decideLaunch(policy, {
    serverName: server.name,
    given,
    explicit: false,
    value: server.securityGroupIds,
    ...(launchGroup ? { launchGroup } : {}),
  });
  if (launch.refusals.length) throw launch.refusals[0]!;
  const at = nextTimestamp();
  const id = randomUUID();
  const activeAt = new Date(Date.now() + server.bootSeconds * 1000).toISOString();
  await tx.run("INSERT INTO servers (id, project, name, active_at, error, created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?)", [
    id,
    server.project,
    server.name,
    activeAt,
    at,
    at,
  ]);
  await setToken(tx, "servers", server.project, id, server.clientToken);
  for (const network of networks) {
    const portId = randomUUID();
    await tx.run("INSERT INTO ports (id, project, server_id, network_id, fixed_ip) VALUES (?, ?, ?, ?, ?)", [
      portId,
      server.project,
      id,
      network.id,
      await freeAddress(tx, server.project, network),
    ]);
    if (!isAttachable(policy, network.name)) continue;
    for (const g of launch.groups)
      await tx.run("INSERT INTO port_groups (port_id, security_group_id, attachment_id) VALUES (?, ?, NULL)", [portId, g.id]);
  }
  return (await serverRow(tx, server.project, id))!;
}

export async function listServers(tx: Tx, project: string): Promise<ServerRecord[]> {
  const servers: ServerRecord[] = [];
  for (const row of await tx.all("SELECT id FROM servers WHERE project = ? ORDER BY name, id", [project])) {
    servers.push((await serverRow(tx, project, String(row.id)))!);
  }
  return servers;
}

export async function serverProject(tx: Tx, id: string): Promise<string | undefined> {
  const row = await tx.get("SELECT project FROM servers WHERE id = ?", [id]);
  return row ? String(row.project) : undefined;
}

export async function setServerError(tx: Tx, project: string, id: string): Promise<void> {
  const current = await serverRow(tx, project, id);
  if (!current) throw notFound("SG_SERVER_NOT_FOUND", "id", "server", id, project);
  await tx.run("UPDATE servers SET error = 1, updated_at = ? WHERE id = ?", [nextTimestamp(current.updatedAt), id]);
}

export async function deleteServer(tx: Tx, project: string, id: string): Promise<boolean> {
  if (!(await serverRow(tx, project, id))) return false;
  await tx.run("DELETE FROM port_groups WHERE port_id IN (SELECT id FROM ports WHERE server_id = ?)", [id]);
  await tx.run("DELETE FROM ports WHERE server_id = ?", [id]);
  await tx.run("DELETE FROM attachments WHERE server_id = ?", [id]);
  await tx.run("DELETE FROM servers WHERE id = ?", [id]);
  return true;
}
