/**
 * What a project of a backend holds, by name instead of id: the form the example tests compare
 * with their expectations and the twin test compares between the embedded backend and Neutron.
 */
import type { StateBackend } from "../../provider/backends/types";
import { openTestBackend } from "./fleet";

/** A project's content with ids and remotes replaced by names. */
export interface Snapshot {
  /** Group name → description, revision number and its rules as `direction ethertype protocol ports remote`, sorted. */
  groups: Record<string, { description: string; revision: number; rules: string[] }>;
  /** Server name → status and, per network name, the port's fixed IP and group names (sorted). */
  servers: Record<string, { status: string; ports: Record<string, { fixedIp: string; groups: string[] }> }>;
  /** Private (non built-in) network name → subnets. */
  networks: Record<string, string[]>;
  /** `server <- group on network (n ports)`, sorted; network `*` = every attachable network. */
  attachments: string[];
  /** Name → id of every group, server and network. */
  ids: Record<string, string>;
}

/**
 * The snapshot of `project`. `serverNames` names servers by id where the backend does not know
 * their names (the openstack backend: a server's name is the compute service's, and it reads
 * servers from their ports, so it names them by id).
 */
export async function snapshot(backend: StateBackend, project: string, serverNames: Record<string, string> = {}): Promise<Snapshot> {
  const groups = await backend.listGroups(project);
  const servers = (await backend.listServers(project)).map((s) => ({ ...s, name: serverNames[s.id] ?? s.name }));
  const networkIds = new Set([...servers.flatMap((s) => s.ports.map((p) => p.networkId))]);
  const rules = await backend.listRules(project);
  for (const r of rules) if (r.remoteSubnetId !== null) networkIds.add(r.remoteSubnetId);
  const networks = (await Promise.all([...networkIds].map((id) => backend.getNetwork(project, id)))).filter((n) => n !== undefined);
  const name = new Map<string, string>([...groups, ...servers, ...networks].map((x) => [x.id, x.name]));
  const rule = (r: (typeof rules)[number]) => {
    const ports = r.portRangeMin === null ? "any" : `${r.portRangeMin}-${r.portRangeMax}`;
    const remote =
      r.remoteIpPrefix ??
      (r.remoteGroupId !== null
        ? `group:${name.get(r.remoteGroupId)}`
        : r.remoteSubnetId !== null
          ? `subnet:${name.get(r.remoteSubnetId) ?? r.remoteSubnetId}`
          : "any");
    return `${r.direction} ${r.ethertype} ${r.protocol ?? "any"} ${ports} ${remote}`;
  };
  const attachments = await backend.listAttachments(project);
  return {
    groups: Object.fromEntries(
      groups.map((g) => [
        g.name,
        {
          description: g.description,
          revision: g.revisionNumber,
          rules: rules
            .filter((r) => r.securityGroupId === g.id)
            .map(rule)
            .sort(),
        },
      ]),
    ),
    servers: Object.fromEntries(
      servers.map((s) => [
        s.name,
        {
          status: s.status,
          ports: Object.fromEntries(
            s.ports.map((p) => [p.networkName, { fixedIp: p.fixedIp, groups: p.securityGroupIds.map((id) => name.get(id)!).sort() }]),
          ),
        },
      ]),
    ),
    networks: Object.fromEntries(networks.filter((n) => !n.builtin).map((n) => [n.name, n.subnets])),
    attachments: attachments
      .map(
        (a) =>
          `${name.get(a.serverId)} <- ${name.get(a.securityGroupId)} on ${a.networkId === null ? "*" : name.get(a.networkId)} (${a.portIds.length} ports)`,
      )
      .sort(),
    ids: Object.fromEntries([...name].map(([id, n]) => [n, id])),
  };
}

/** The snapshot of project `default` of the SQLite or PostgreSQL backend at `url` (opened and closed here). */
export async function snapshotAt(url: string): Promise<Snapshot> {
  const backend = openTestBackend(url);
  try {
    return await snapshot(backend, "default");
  } finally {
    await backend.close();
  }
}
