/**
 * What the end-to-end tests on a real Neutron need besides the provider: the cloud's own shared
 * networks (a profile's built-in ones), servers made as the compute service makes them (one port
 * per network, `device_owner` `compute:nova`, `device_id` the server's id), a clouds.yaml that
 * points the `openstack` backend at the Neutron, and Neutron's own listing of a project (for leak
 * and duplicate checks that trust nothing of the provider's).
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Profile } from "../../provider/domain/profiles";

/** A port as Neutron returns it (what these tests read). */
export interface NeutronPortView {
  id: string;
  network_id: string;
  device_id: string;
  device_owner: string;
  security_groups: string[];
  fixed_ips: Array<{ ip_address: string }>;
}

/** A group as Neutron returns it (what these tests read). */
export interface NeutronGroupView {
  id: string;
  name: string;
  description: string;
  revision_number: number;
  security_group_rules: Array<Record<string, unknown>>;
}

/** The project that owns the cloud's shared networks (never a test's project). */
const CLOUD_PROJECT = "c10dc10dc10dc10dc10dc10dc10d0000";

/** A new project id, as Keystone writes them (32 hex digits). */
export function newProject(): string {
  return randomUUID().replaceAll("-", "");
}

/** A Neutron run with `noauth`, driven as its admin. */
export class NeutronCloud {
  /** Shared network name → id, made once per Neutron. */
  private readonly shared = new Map<string, string>();

  constructor(readonly url: string) {}

  async request<T>(method: string, route: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}/v2.0${route}`, {
      method,
      headers: { "Content-Type": "application/json" },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Makes the profile's built-in networks as the cloud's shared networks (once per name); name → id. */
  async builtinNetworks(profile: Profile): Promise<Map<string, string>> {
    for (const n of profile.builtinNetworks) {
      if (this.shared.has(n.name)) continue;
      const { network } = await this.request<{ network: { id: string } }>("POST", "/networks", {
        network: { name: n.name, project_id: CLOUD_PROJECT, shared: true },
      });
      for (const cidr of n.subnets) {
        await this.request("POST", "/subnets", {
          subnet: { network_id: network.id, project_id: CLOUD_PROJECT, cidr, ip_version: cidr.includes(":") ? 6 : 4 },
        });
      }
      this.shared.set(n.name, network.id);
    }
    return new Map(this.shared);
  }

  /** The id of the network named `name` that `project` sees (its own or a shared one). */
  async networkId(project: string, name: string): Promise<string> {
    const own = await this.request<{ networks: Array<{ id: string }> }>("GET", `/networks?name=${encodeURIComponent(name)}&project_id=${project}`);
    const id = own.networks[0]?.id ?? this.shared.get(name);
    if (!id) throw new Error(`no network ${name} for project ${project}`);
    return id;
  }

  /**
   * A server as the compute service boots one in `project`: a port on each network (by name), with
   * the project's `default` group (Nova's launch without groups) or `groups` (ids; [] for none).
   * Returns the server's id.
   */
  async bootServer(project: string, networks: string[], groups?: string[]): Promise<string> {
    const serverId = randomUUID();
    for (const name of networks) {
      await this.request("POST", "/ports", {
        port: {
          network_id: await this.networkId(project, name),
          project_id: project,
          device_owner: "compute:nova",
          device_id: serverId,
          ...(groups !== undefined ? { security_groups: groups } : {}),
        },
      });
    }
    return serverId;
  }

  /** Deletes a server as the compute service does: its ports go. */
  async deleteServer(serverId: string): Promise<void> {
    const { ports } = await this.request<{ ports: NeutronPortView[] }>("GET", `/ports?device_id=${serverId}`);
    for (const p of ports) await this.request("DELETE", `/ports/${p.id}`);
  }

  /** The project's groups, as Neutron lists them. */
  async groups(project: string): Promise<NeutronGroupView[]> {
    return (await this.request<{ security_groups: NeutronGroupView[] }>("GET", `/security-groups?project_id=${project}`)).security_groups;
  }

  /** The project's ports, as Neutron lists them. */
  async ports(project: string): Promise<NeutronPortView[]> {
    return (await this.request<{ ports: NeutronPortView[] }>("GET", `/ports?project_id=${project}`)).ports;
  }

  /** The project's own networks' names. */
  async networkNames(project: string): Promise<string[]> {
    return (await this.request<{ networks: Array<{ name: string }> }>("GET", `/networks?project_id=${project}`)).networks.map((n) => n.name).sort();
  }

  /** Writes `clouds.yaml` into `dir` with the cloud `name` pointing at this Neutron (auth_type none); its path. */
  cloudsYaml(dir: string, name: string): string {
    const file = path.join(dir, "clouds.yaml");
    fs.writeFileSync(file, `clouds:\n  ${name}:\n    auth_type: none\n    auth:\n      endpoint: ${this.url}\n`);
    return file;
  }
}
