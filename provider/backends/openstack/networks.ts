/**
 * Networks on the openstack backend: a project sees its own networks and those the cloud shares
 * (its built-in networks, e.g. PublicNet on Rackspace), each with its subnets' CIDRs. Names are
 * unique per project, counting the shared ones; a create's client token is a tag on the network.
 */
import type { NetworkRecord } from "../../domain/model";
import { SecgroupsError } from "../../errors";
import { showValue } from "../../text";
import { mapRefusals, query, timestamp, TOKEN_TAG, tokenTag, type NeutronClient } from "./neutron";

/** A network as Neutron shows it. */
export interface NeutronNetwork {
  id: string;
  project_id: string;
  name: string;
  shared?: boolean;
  tags?: string[];
  created_at: string;
}

/** The networks of the openstack backend. */
export class Networks {
  constructor(private readonly neutron: NeutronClient) {}

  async neutronNetwork(id: string): Promise<NeutronNetwork | undefined> {
    const r = await this.neutron.request<{ network: NeutronNetwork }>("GET", `/networks/${encodeURIComponent(id)}`, { missingOk: true });
    return r?.network;
  }

  private async networksWhere(params: Record<string, string>): Promise<NeutronNetwork[]> {
    const r = await this.neutron.request<{ networks: NeutronNetwork[] }>("GET", `/networks${query(params)}`);
    return r?.networks ?? [];
  }

  /** A network as the records keep it: its subnets' CIDRs; built-in when the cloud shares it (not the project's own). */
  async networkRecord(n: NeutronNetwork, project: string): Promise<NetworkRecord> {
    const subnets = await this.neutron.request<{ subnets: Array<{ cidr: string; created_at: string; ip_version: number }> }>(
      "GET",
      `/subnets${query({ network_id: n.id })}`,
    );
    return {
      id: n.id,
      project: n.project_id,
      name: n.name,
      // Oldest first; Neutron's timestamps are to the second, so subnets made together come IPv4 first, then by CIDR.
      subnets: (subnets?.subnets ?? [])
        .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.ip_version - b.ip_version || a.cidr.localeCompare(b.cidr))
        .map((x) => x.cidr),
      builtin: n.project_id !== project,
      createdAt: timestamp(n.created_at),
    };
  }

  /** Forgets the client token of network `id` of `project` (its token tags go). */
  async forgetToken(project: string, id: string): Promise<void> {
    const n = await this.neutronNetwork(id);
    if (!n || n.project_id !== project) return;
    for (const t of (n.tags ?? []).filter((x) => x.startsWith(TOKEN_TAG)))
      await this.neutron.request("DELETE", `/networks/${encodeURIComponent(id)}/tags/${encodeURIComponent(t)}`, { missingOk: true });
  }

  /** The networks a project may use: its own and the ones the cloud shares. */
  async usableNetworks(project: string): Promise<NeutronNetwork[]> {
    const own = await this.networksWhere({ project_id: project });
    const shared = await this.networksWhere({ shared: "true" });
    const seen = new Set(own.map((n) => n.id));
    return [...own, ...shared.filter((n) => !seen.has(n.id))];
  }

  async create(project: string, given: string, name: string, subnets: string[], clientToken?: string): Promise<NetworkRecord> {
    if (clientToken) {
      const [retried] = await this.networksWhere({ project_id: project, tags: tokenTag(clientToken) });
      if (retried) return this.networkRecord(retried, project);
    }
    const existing = (await this.usableNetworks(project)).find((n) => n.name === name);
    if (existing) {
      throw new SecgroupsError("SG_NAME_TAKEN", {
        property: "name",
        problem: `project ${given} already has a network named ${showValue(name)} (id ${existing.id})`,
        value: name,
        fix: "choose another name",
      });
    }
    const created = await mapRefusals(() =>
      this.neutron.request<{ network: NeutronNetwork }>("POST", "/networks", { body: { network: { name, project_id: project } } }),
    );
    const id = created!.network.id;
    if (clientToken) await this.neutron.request("PUT", `/networks/${id}/tags`, { body: { tags: [tokenTag(clientToken)] } });
    for (const cidr of subnets) {
      await mapRefusals(() =>
        this.neutron.request("POST", "/subnets", {
          body: { subnet: { network_id: id, cidr, ip_version: cidr.includes(":") ? 6 : 4, project_id: project } },
        }),
      );
    }
    return this.networkRecord((await this.neutronNetwork(id))!, project);
  }

  async get(project: string, idOrName: string): Promise<NetworkRecord | undefined> {
    const usable = await this.usableNetworks(project);
    const n = usable.find((x) => x.id === idOrName) ?? usable.find((x) => x.name === idOrName);
    return n ? this.networkRecord(n, project) : undefined;
  }

  async list(project: string): Promise<NetworkRecord[]> {
    const records = await Promise.all((await this.usableNetworks(project)).map((n) => this.networkRecord(n, project)));
    return records.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1));
  }

  async delete(project: string, given: string, id: string): Promise<boolean> {
    const n = await this.neutronNetwork(id);
    if (!n) return false;
    if (n.project_id !== project) {
      throw new SecgroupsError("SG_IN_USE", {
        property: "id",
        problem: `network ${n.name} (${id}) belongs to the cloud, not to project ${given}, and cannot be deleted`,
        value: id,
        fix: "remove the Network resource from the program with `pulumi state delete` (it only adopted the network)",
      });
    }
    const ports = await this.neutron.request<{ ports: Array<{ id: string; device_id: string; device_owner: string }> }>(
      "GET",
      `/ports${query({ network_id: id })}`,
    );
    const users = (ports?.ports ?? []).filter((p) => p.device_owner.startsWith("compute:"));
    if (users.length) {
      throw new SecgroupsError("SG_IN_USE", {
        property: "id",
        problem: `network ${n.name} (${id}) still has ports: ${users.map((p) => `server ${p.device_id} port ${p.id}`).join(", ")}`,
        value: id,
        fix: "delete the servers on the network first",
      });
    }
    await this.neutron.request("DELETE", `/networks/${encodeURIComponent(id)}`, { missingOk: true });
    return true;
  }
}
