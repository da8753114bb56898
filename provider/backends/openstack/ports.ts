/**
 * Servers and attachments on the openstack backend. Servers belong to the compute service: a server
 * is what its ports say (`device_owner` `compute:…`, `device_id` = the server's id); the backend
 * cannot see the compute service's status, so a server with ports counts as ACTIVE. An attachment
 * is a group on the server's ports (on one network, or on every attachable one); its id is
 * `SERVER_ID/GROUP_ID` or `SERVER_ID/GROUP_ID/NETWORK_ID`.
 *
 * Attaching, swapping and detaching change each port's `security_groups` with Neutron's
 * conditional update (`If-Match: revision_number=N`): the profile's policy (domain/policy.ts)
 * decides from the ports as read, and when another change came in between (412) the ports are read
 * again and the policy decides again. So concurrent attachments to one port never overfill it.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { AttachmentPolicy, AttachmentRecord, GroupRecord, PortRecord, ServerRecord } from "../../domain/model";
import { decideAttach, decideDetach, decideSwap, groupsAfterAttach, groupsAfterDetach, type PolicyServer } from "../../domain/policy";
import { SecgroupsError } from "../../errors";
import { notFound } from "../refusals";
import type { Networks } from "./networks";
import { RevisionConflict, query, timestamp, type NeutronClient } from "./neutron";

/** A port as Neutron shows it. */
interface NeutronPort {
  id: string;
  project_id: string;
  network_id: string;
  device_id: string;
  device_owner: string;
  fixed_ips?: Array<{ ip_address: string }>;
  security_groups: string[];
  revision_number: number;
  created_at: string;
  updated_at: string;
}

/** How often a conditional update is tried again after losing to a concurrent change. */
const MAX_ATTEMPTS = 200;

/** What the ports part needs from the groups part. */
export interface GroupLookup {
  /** The groups with these ids (any project), as records. */
  groupsById(ids: readonly string[]): Promise<GroupRecord[]>;
  /** The group with this id, or with this name in the project. */
  groupByIdOrName(project: string, idOrName: string): Promise<GroupRecord | undefined>;
}

/** Servers (read only) and attachments of the openstack backend. */
export class Ports {
  constructor(
    private readonly neutron: NeutronClient,
    private readonly networks: Networks,
    private readonly groups: GroupLookup,
  ) {}

  private async portsOf(serverId: string): Promise<NeutronPort[]> {
    const r = await this.neutron.request<{ ports: NeutronPort[] }>("GET", `/ports${query({ device_id: serverId })}`);
    return (r?.ports ?? []).filter((p) => p.device_owner.startsWith("compute:"));
  }

  /**
   * Network id → name for the project, read once per process and again when a port is on a
   * network not seen yet: an attachment's conditional updates re-read the ports many times under
   * contention, and the networks do not change meanwhile.
   */
  private readonly networkNames = new Map<string, Map<string, string>>();

  private async networkNamesFor(project: string, ports: readonly NeutronPort[]): Promise<Map<string, string>> {
    const known = this.networkNames.get(project);
    if (known && ports.every((p) => known.has(p.network_id))) return known;
    const names = new Map((await this.networks.list(project)).map((n) => [n.id, n.name]));
    this.networkNames.set(project, names);
    return names;
  }

  private async serverRecord(serverId: string, ports: NeutronPort[], project: string): Promise<ServerRecord> {
    const names = await this.networkNamesFor(project, ports);
    const records: PortRecord[] = ports.map((p) => ({
      id: p.id,
      serverId,
      networkId: p.network_id,
      networkName: names.get(p.network_id) ?? p.network_id,
      fixedIp: p.fixed_ips?.[0]?.ip_address ?? "",
      securityGroupIds: [...p.security_groups].sort(),
    }));
    records.sort((a, b) => a.networkName.localeCompare(b.networkName) || a.id.localeCompare(b.id));
    const created = ports.map((p) => timestamp(p.created_at)).sort()[0]!;
    const updated = ports
      .map((p) => timestamp(p.updated_at))
      .sort()
      .at(-1)!;
    return {
      id: serverId,
      project: ports[0]!.project_id,
      name: serverId,
      status: "ACTIVE",
      activeAt: created,
      createdAt: created,
      updatedAt: updated,
      ports: records,
    };
  }

  async getServer(project: string, id: string): Promise<ServerRecord | undefined> {
    const ports = (await this.portsOf(id)).filter((p) => p.project_id === project);
    return ports.length ? this.serverRecord(id, ports, project) : undefined;
  }

  async serverProject(id: string): Promise<string | undefined> {
    return (await this.portsOf(id))[0]?.project_id;
  }

  async listServers(project: string): Promise<ServerRecord[]> {
    const r = await this.neutron.request<{ ports: NeutronPort[] }>("GET", `/ports${query({ project_id: project })}`);
    const byServer = new Map<string, NeutronPort[]>();
    for (const p of (r?.ports ?? []).filter((x) => x.device_owner.startsWith("compute:") && x.device_id)) {
      byServer.set(p.device_id, [...(byServer.get(p.device_id) ?? []), p]);
    }
    const servers = await Promise.all([...byServer].map(([id, ports]) => this.serverRecord(id, ports, project)));
    return servers.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  /** The server's ports as the policy sees them, with every group on them. */
  private async policyServer(serverId: string, ports: NeutronPort[], project: string): Promise<PolicyServer> {
    const server = await this.serverRecord(serverId, ports, project);
    const groups = new Map((await this.groups.groupsById([...new Set(ports.flatMap((p) => p.security_groups))])).map((g) => [g.id, g]));
    return {
      id: server.id,
      name: server.name,
      status: server.status,
      ports: server.ports.map((p) => ({ ...p, groups: p.securityGroupIds.map((id) => groups.get(id) ?? { id, name: id }) })),
    };
  }

  /** Sets a port's groups if it is still at `revision`; false when a concurrent change came first. */
  private async setGroups(port: NeutronPort, groups: readonly string[]): Promise<boolean> {
    try {
      await this.neutron.request("PUT", `/ports/${port.id}`, { body: { port: { security_groups: groups } }, ifRevision: port.revision_number });
      return true;
    } catch (err) {
      if (err instanceof RevisionConflict) return false;
      throw err;
    }
  }

  private attachment(project: string, serverId: string, groupId: string, networkId: string | null, portIds: string[]): AttachmentRecord {
    return {
      id: [serverId, groupId, ...(networkId ? [networkId] : [])].join("/"),
      project,
      serverId,
      securityGroupId: groupId,
      networkId,
      portIds: [...portIds].sort(),
      createdAt: new Date().toISOString(),
    };
  }

  async createAttachment(
    project: string,
    serverId: string,
    groupIdOrName: string,
    network: string | null,
    policy: AttachmentPolicy,
    clientToken?: string,
  ): Promise<AttachmentRecord> {
    const group = await this.groups.groupByIdOrName(project, groupIdOrName);
    const net = network === null ? null : await this.networks.get(project, network);
    const fallback = policy.fallbackGroup ? await this.groups.groupByIdOrName(project, policy.fallbackGroup) : undefined;
    const done: string[] = [];
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const ports = (await this.portsOf(serverId)).filter((p) => p.project_id === project);
      if (!ports.length) throw notFound("SG_SERVER_NOT_FOUND", "serverId", "server", serverId, project);
      if (!group) throw notFound("SG_GROUP_NOT_FOUND", "securityGroupId", "security group", groupIdOrName, project);
      if (net === undefined) throw notFound("SG_NETWORK_NOT_FOUND", "network", "network", network!, project);
      // Ports this attachment already changed (an earlier round, or the create it retries) are its own.
      const state = await this.policyServer(serverId, ports, project);
      const pending = { ...state, ports: state.ports.filter((p) => !done.includes(p.id)) };
      const decision = decideAttach(
        policy,
        { server: pending, group, network: net, networkValue: network, groupValue: groupIdOrName, ...(fallback ? { fallbackId: fallback.id } : {}) },
        "apply",
      );
      const retried = clientToken && decision.refusals.length && decision.refusals.every((r) => r.code === "SG_ALREADY_ATTACHED");
      if (retried) {
        const holding = state.ports.filter((p) => p.groups.some((g) => g.id === group.id) && (net === null || p.networkId === net.id));
        return this.attachment(
          project,
          serverId,
          group.id,
          net?.id ?? null,
          holding.map((p) => p.id),
        );
      }
      if (decision.refusals.length) {
        // Refused after an earlier round put the group on some ports: take it off them again.
        await this.undo(serverId, project, group.id, fallback?.id, done);
        throw decision.refusals[0]!;
      }
      let lost = false;
      for (const port of decision.ports) {
        const raw = ports.find((p) => p.id === port.id)!;
        if (await this.setGroups(raw, groupsAfterAttach(raw.security_groups, group.id, fallback?.id))) done.push(port.id);
        else lost = true;
      }
      if (!lost) return this.attachment(project, serverId, group.id, net?.id ?? null, done);
      await sleep(Math.random() * 20);
    }
    throw this.busy(serverId);
  }

  /** The attachment `id` names, if its group is on the server's ports (on its network). */
  async getAttachment(project: string, id: string): Promise<AttachmentRecord | undefined> {
    const [serverId, groupId, networkId] = id.split("/");
    if (!serverId || !groupId) return undefined;
    const ports = (await this.portsOf(serverId)).filter((p) => p.project_id === project);
    const holding = ports.filter((p) => p.security_groups.includes(groupId) && (networkId === undefined || p.network_id === networkId));
    return holding.length
      ? this.attachment(
          project,
          serverId,
          groupId,
          networkId ?? null,
          holding.map((p) => p.id),
        )
      : undefined;
  }

  async swapAttachment(project: string, id: string, groupIdOrName: string, policy: AttachmentPolicy): Promise<AttachmentRecord> {
    const group = await this.groups.groupByIdOrName(project, groupIdOrName);
    if (!group) throw notFound("SG_GROUP_NOT_FOUND", "securityGroupId", "security group", groupIdOrName, project);
    const fallback = policy.fallbackGroup ? await this.groups.groupByIdOrName(project, policy.fallbackGroup) : undefined;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.getAttachment(project, id);
      if (!current) {
        throw new SecgroupsError("SG_NOT_FOUND", {
          property: "id",
          problem: `attachment ${id} does not exist in project ${project}`,
          value: id,
          fix: "run `pulumi refresh`, then `pulumi up`",
        });
      }
      const ports = (await this.portsOf(current.serverId)).filter((p) => p.project_id === project);
      const state = await this.policyServer(current.serverId, ports, project);
      const refusals = decideSwap({
        server: state,
        portIds: current.portIds,
        oldGroupId: current.securityGroupId,
        group,
        ...(fallback ? { fallbackId: fallback.id } : {}),
      });
      if (refusals.length) throw refusals[0]!;
      let lost = false;
      for (const raw of ports.filter((p) => current.portIds.includes(p.id))) {
        const next = [...raw.security_groups.filter((g) => g !== current.securityGroupId), group.id];
        if (!(await this.setGroups(raw, next))) lost = true;
      }
      if (!lost) return this.attachment(project, current.serverId, group.id, current.networkId, current.portIds);
      await sleep(Math.random() * 20);
    }
    throw this.busy(id);
  }

  async deleteAttachment(project: string, id: string, policy: AttachmentPolicy): Promise<boolean> {
    const fallback = policy.fallbackGroup ? await this.groups.groupByIdOrName(project, policy.fallbackGroup) : undefined;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.getAttachment(project, id);
      if (!current) return false;
      const ports = (await this.portsOf(current.serverId)).filter((p) => p.project_id === project);
      const decision = decideDetach(policy, {
        server: await this.policyServer(current.serverId, ports, project),
        portIds: current.portIds,
        groupId: current.securityGroupId,
        ...(fallback ? { fallbackId: fallback.id } : {}),
      });
      if (decision.refusals.length) throw decision.refusals[0]!;
      let lost = false;
      for (const raw of ports.filter((p) => current.portIds.includes(p.id))) {
        if (!(await this.setGroups(raw, groupsAfterDetach(raw.security_groups, current.securityGroupId, fallback?.id)))) lost = true;
      }
      if (!lost) return true;
      await sleep(Math.random() * 20);
    }
    throw this.busy(id);
  }

  /**
   * Neutron records which groups a port has, not how they came there: a group on every port of a
   * server is one attachment to the server (network `*`), a group on some of its ports one
   * attachment per network. Groups the server was launched with are listed too.
   */
  async listAttachments(project: string): Promise<AttachmentRecord[]> {
    const out: AttachmentRecord[] = [];
    for (const s of await this.listServers(project)) {
      for (const groupId of [...new Set(s.ports.flatMap((p) => p.securityGroupIds))].sort()) {
        const holding = s.ports.filter((p) => p.securityGroupIds.includes(groupId));
        if (holding.length === s.ports.length)
          out.push(
            this.attachment(
              project,
              s.id,
              groupId,
              null,
              holding.map((p) => p.id),
            ),
          );
        else for (const p of holding) out.push(this.attachment(project, s.id, groupId, p.networkId, [p.id]));
      }
    }
    return out;
  }

  /** Takes `groupId` off `portIds` again (conditional updates, retried), restoring the fallback group. */
  private async undo(serverId: string, project: string, groupId: string, fallbackId: string | undefined, portIds: string[]): Promise<void> {
    let left = [...portIds];
    for (let attempt = 0; left.length && attempt < MAX_ATTEMPTS; attempt++) {
      const ports = (await this.portsOf(serverId)).filter((p) => p.project_id === project && left.includes(p.id));
      const next: string[] = [];
      for (const raw of ports) if (!(await this.setGroups(raw, groupsAfterDetach(raw.security_groups, groupId, fallbackId)))) next.push(raw.id);
      left = next;
    }
  }

  private busy(what: string): SecgroupsError {
    return new SecgroupsError("SG_BACKEND_BUSY", {
      property: "",
      problem: `${what}: the ports kept changing under ${MAX_ATTEMPTS} conditional updates in a row`,
      value: what,
      fix: "run `pulumi up` again",
    });
  }
}
