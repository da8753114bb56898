/**
 * The cloud's launch and attachment policy, once: groups at launch (never on rackspace), the launch
 * group, the networks whose ports take groups, the per-port limit, no mix of stateful and stateless
 * groups on a port, the fewest groups a server keeps, and the fallback group a port holds only while
 * it has no other (evroc's default-allow-egress, dropped by the first attachment, restored by the
 * last detach).
 *
 * Pure: each decision is made from records the caller read, and returns every refusal it finds in a
 * stable order, never throws. The callers:
 *   - the SQL store, inside the transaction that applies the decision (`when: "apply"`); it throws
 *     the first refusal;
 *   - the resources' `check`, from the backend's current state at preview (`when: "check"`);
 *   - the preview report's replay of a preview, on its planned model (`when: "plan"`).
 * What differs by `when` is written here too: at preview an attachment waits for its server to boot
 * and a replaced attachment's old half is still on the port, so a check judges only the network and
 * the per-port count (counting a group already on the port once); a plan judges everything but a
 * booting server.
 */
import { SecgroupsError } from "../errors";
import type { AttachmentPolicy, ServerStatus } from "./model";

/** Which caller decides: the store applying a change, a resource's check at preview, or a preview's replay. */
export type PolicyTime = "apply" | "check" | "plan";

/** A group as the policy sees it; `stateful` undefined: not known yet (a group a preview creates). */
export interface PolicyGroup {
  id: string;
  name: string;
  stateful?: boolean;
}

/** A server's port with every group on it, the fallback group included. */
export interface PolicyPort {
  id: string;
  networkId: string;
  networkName: string;
  groups: readonly PolicyGroup[];
}

/** A server as the policy sees it. */
export interface PolicyServer {
  id: string;
  name: string;
  status: ServerStatus;
  ports: readonly PolicyPort[];
}

/** A network named by an attachment, as found. */
export interface PolicyNetwork {
  id: string;
  name: string;
}

/** Whether ports on the network named `networkName` take security groups under the policy. */
export function isAttachable(policy: AttachmentPolicy, networkName: string): boolean {
  return policy.attachableNetworks === undefined || policy.attachableNetworks.includes(networkName);
}

/** The networks whose ports take groups, for messages. */
function attachableNames(policy: AttachmentPolicy): string {
  return policy.attachableNetworks?.join(", ") ?? "every network";
}

/** `1 security group`, `2 security groups`. */
function groups(n: number): string {
  return `${n} security group${n === 1 ? "" : "s"}`;
}

/** SG_STATEFUL_MIX when `onPort` holds both stateful and stateless groups (unknown ones are not judged). */
function statefulMix(onPort: readonly PolicyGroup[], serverName: string, property: string): SecgroupsError | undefined {
  const stateful = onPort.filter((g) => g.stateful === true);
  const stateless = onPort.filter((g) => g.stateful === false);
  if (!stateful.length || !stateless.length) return undefined;
  return new SecgroupsError("SG_STATEFUL_MIX", {
    property,
    problem: `server ${serverName} would carry stateful (${stateful.map((g) => g.name).join(", ")}) and stateless (${stateless.map((g) => g.name).join(", ")}) security groups on one port`,
    value: onPort.map((g) => g.id),
    allowed: "only stateful or only stateless groups on one port",
    fix: "make the groups agree on `stateful`, or put them on different networks",
  });
}

/** What a launch asks for. */
export interface LaunchRequest {
  /** The server's name, for messages. */
  serverName: string;
  /** The groups named at launch, in order (an explicit empty list: none, and no launch group). */
  given: readonly PolicyGroup[];
  /** Whether the program named the groups (false: it left securityGroupIds out). */
  explicit: boolean;
  /** The profile's launch group as found in the project (or as the check presumes it); absent: none. */
  launchGroup?: PolicyGroup;
  /** The value the program gave, for messages. */
  value: unknown;
}

/** What a launch gets: the groups every attachable port starts with, or why it is refused. */
export interface LaunchDecision {
  groups: PolicyGroup[];
  refusals: SecgroupsError[];
}

/** The groups a new server's ports get at launch, and every refusal. */
export function decideLaunch(policy: AttachmentPolicy, req: LaunchRequest): LaunchDecision {
  const property = "securityGroupIds";
  if (req.given.length && !policy.groupsAtLaunch) {
    return {
      groups: [],
      refusals: [
        new SecgroupsError("SG_ATTACH_AT_BOOT", {
          property,
          // No value: any group at all is refused, so the property says it all.
          problem: `profile ${policy.profile} applies security groups only to a server that is ACTIVE, never at launch`,
          fix: "launch the server without securityGroupIds and attach each group with a ServerAttachment",
        }),
      ],
    };
  }
  const launch = !req.explicit && policy.launchGroup !== undefined && req.launchGroup ? [req.launchGroup] : [];
  const chosen = req.given.length ? [...req.given] : launch;
  const refusals: SecgroupsError[] = [];
  if (chosen.length < policy.minGroupsPerServer) {
    refusals.push(
      new SecgroupsError("SG_MIN_GROUPS", {
        property,
        problem: `profile ${policy.profile} requires every server to keep at least ${groups(policy.minGroupsPerServer)}`,
        value: req.value,
        fix: `name a group, or leave securityGroupIds out to get ${policy.launchGroup ?? "the profile's launch group"}`,
      }),
    );
  }
  if (policy.groupsPerPort !== undefined && chosen.length > policy.groupsPerPort) {
    refusals.push(
      new SecgroupsError("SG_LIMIT_GROUPS_PER_PORT", {
        property,
        problem: `server ${req.serverName} would get ${groups(chosen.length)} on each network at launch (limit of profile ${policy.profile}: ${policy.groupsPerPort})`,
        value: req.value,
        allowed: `at most ${policy.groupsPerPort} groups per network per server`,
        fix: "merge groups, or attach fewer",
      }),
    );
  }
  const mix = statefulMix(chosen, req.serverName, property);
  if (mix) refusals.push(mix);
  return { groups: chosen, refusals };
}

/** SG_NETWORK_NOT_ATTACHABLE when an attachment names a network whose ports take no groups. */
export function decideNetwork(policy: AttachmentPolicy, network: PolicyNetwork, value: unknown): SecgroupsError | undefined {
  if (isAttachable(policy, network.name)) return undefined;
  return new SecgroupsError("SG_NETWORK_NOT_ATTACHABLE", {
    property: "network",
    problem: `profile ${policy.profile} applies security groups only to ports on ${attachableNames(policy)}, not on ${network.name}`,
    value,
    allowed: attachableNames(policy),
    fix: "attach on one of those networks",
  });
}

/** What an attachment asks for. */
export interface AttachRequest {
  server: PolicyServer;
  group: PolicyGroup;
  /** The network named (as found), or null: every attachable network of the server. */
  network: PolicyNetwork | null;
  /** The network as the program gave it, for messages. */
  networkValue: unknown;
  /** The group as the program gave it, for messages. */
  groupValue: unknown;
  /** The project's fallback group, if the profile has one and the project holds it. */
  fallbackId?: string;
  /** Other groups this update plans onto a port (a check at preview), by port id. */
  planned?: (portId: string) => readonly string[];
}

/** The ports an attachment puts its group on (dropping the fallback group there), or why it is refused. */
export interface AttachDecision {
  ports: PolicyPort[];
  refusals: SecgroupsError[];
}

/** Where a group attaches and every refusal, as the cloud decides it at `when`. */
export function decideAttach(policy: AttachmentPolicy, req: AttachRequest, when: PolicyTime): AttachDecision {
  const { server, group } = req;
  const refusals: SecgroupsError[] = [];
  const waits = when !== "apply" && server.status === "BUILD";
  if (server.status !== "ACTIVE" && !waits && when !== "check") {
    refusals.push(
      new SecgroupsError("SG_SERVER_NOT_ACTIVE", {
        property: "serverId",
        problem: `server ${server.name} (${server.id}) is ${server.status}; security groups attach only to an ACTIVE server`,
        value: server.id,
        fix: server.status === "ERROR" ? "rebuild or replace the server" : "wait for the server to boot (raise waitForActiveSeconds)",
      }),
    );
    return { ports: [], refusals };
  }
  let ports: PolicyPort[];
  if (req.network !== null) {
    const net = req.network;
    const closed = decideNetwork(policy, net, req.networkValue);
    if (closed) return { ports: [], refusals: [closed] };
    ports = server.ports.filter((p) => p.networkId === net.id);
    if (!ports.length && when !== "check") {
      refusals.push(
        new SecgroupsError("SG_NETWORK_NOT_FOUND", {
          property: "network",
          problem: `server ${server.name} has no port on network ${net.name}`,
          value: req.networkValue,
          allowed: server.ports.map((p) => p.networkName).join(", "),
          fix: "attach on a network the server is on",
        }),
      );
      return { ports: [], refusals };
    }
  } else {
    ports = server.ports.filter((p) => isAttachable(policy, p.networkName));
    if (!ports.length && when !== "check") {
      refusals.push(
        new SecgroupsError("SG_NETWORK_NOT_ATTACHABLE", {
          property: "network",
          problem: `server ${server.name} has no port on a network that takes security groups under profile ${policy.profile}`,
          value: null,
          allowed: attachableNames(policy),
          fix: "launch the server on one of those networks",
        }),
      );
      return { ports: [], refusals };
    }
  }
  for (const port of ports) {
    const current = port.groups.filter((g) => g.id !== req.fallbackId);
    const onPort = current.some((g) => g.id === group.id);
    if (onPort && when !== "check") {
      refusals.push(
        new SecgroupsError("SG_ALREADY_ATTACHED", {
          property: "securityGroupId",
          problem: `group ${group.name} is already on server ${server.name}'s port on network ${port.networkName}`,
          value: group.id,
          fix: "remove the duplicate attachment from the program",
        }),
      );
      continue;
    }
    if (policy.groupsPerPort !== undefined) {
      const total = new Set([...current.map((g) => g.id), ...(req.planned?.(port.id) ?? []), group.id]).size;
      if (total > policy.groupsPerPort) {
        const already = current.length;
        refusals.push(
          new SecgroupsError("SG_LIMIT_GROUPS_PER_PORT", {
            property: "securityGroupId",
            problem: `server ${server.name} ${already >= policy.groupsPerPort ? `already has ${groups(already)}` : `would get ${groups(total)} (${already} now, the rest planned in this update)`} on network ${port.networkName} (limit of profile ${policy.profile}: ${policy.groupsPerPort})`,
            value: req.groupValue,
            allowed: `at most ${policy.groupsPerPort} groups per network per server`,
            fix: "detach one first or attach fewer",
          }),
        );
        continue;
      }
    }
    if (when !== "check") {
      const mix = statefulMix([...current, group], server.name, "securityGroupId");
      if (mix) refusals.push(mix);
    }
  }
  return { ports: refusals.length ? [] : ports, refusals };
}

/**
 * At preview, an attachment to a server the program creates (its id unknown): the program's
 * attachments to that server on the same network (`names`, resource names) take the new port's
 * places in name order, so the same attachments are refused whatever order the engine checks them
 * in; SG_LIMIT_GROUPS_PER_PORT when `name`'s place is beyond the limit. `network` null: every
 * attachable network.
 */
export function decidePlannedPlace(
  policy: AttachmentPolicy,
  req: { names: readonly string[]; name: string; network: string | null },
): SecgroupsError | undefined {
  if (policy.groupsPerPort === undefined) return undefined;
  const names = [...req.names].sort();
  if (names.indexOf(req.name) < policy.groupsPerPort) return undefined;
  const where = req.network === null ? "every attachable network" : `network ${req.network}`;
  // The message names the places; the check reports it on securityGroupId.
  return new SecgroupsError("SG_LIMIT_GROUPS_PER_PORT", {
    property: "",
    problem:
      `the server this program creates would get ${groups(names.length)} on ${where}; ` +
      `the program's attachments take its ${policy.groupsPerPort} places by name (${names.slice(0, policy.groupsPerPort).join(", ")}) and this one, ${req.name}, comes after them ` +
      `(limit of profile ${policy.profile}: ${policy.groupsPerPort})`,
    fix: "attach fewer groups to it, or merge groups",
  });
}

/** What a swap of an attachment's group asks for. */
export interface SwapRequest {
  server: PolicyServer;
  /** The ports the attachment holds. */
  portIds: readonly string[];
  /** The group the attachment holds now. */
  oldGroupId: string;
  group: PolicyGroup;
  fallbackId?: string;
}

/** Every refusal of swapping an attachment's group (one port update per port: the count never rises). */
export function decideSwap(req: SwapRequest): SecgroupsError[] {
  const refusals: SecgroupsError[] = [];
  for (const port of req.server.ports.filter((p) => req.portIds.includes(p.id))) {
    const others = port.groups.filter((g) => g.id !== req.fallbackId && g.id !== req.oldGroupId);
    if (others.some((g) => g.id === req.group.id)) {
      refusals.push(
        new SecgroupsError("SG_ALREADY_ATTACHED", {
          property: "securityGroupId",
          problem: `group ${req.group.name} is already on server ${req.server.name}'s port on network ${port.networkName}`,
          value: req.group.id,
          fix: "remove the duplicate attachment from the program",
        }),
      );
      continue;
    }
    const mix = statefulMix([...others, req.group], req.server.name, "securityGroupId");
    if (mix) refusals.push(mix);
  }
  return refusals;
}

/** What a detach asks for. */
export interface DetachRequest {
  server: PolicyServer;
  /** The ports the attachment holds. */
  portIds: readonly string[];
  groupId: string;
  fallbackId?: string;
}

/** The ports that get the fallback group back (left without any group), or why the detach is refused. */
export interface DetachDecision {
  restoreFallbackOn: string[];
  refusals: SecgroupsError[];
}

/** What detaching `groupId` from its ports leaves, and every refusal. */
export function decideDetach(policy: AttachmentPolicy, req: DetachRequest): DetachDecision {
  const after = req.server.ports.map((p) => ({
    id: p.id,
    groupIds: req.portIds.includes(p.id) ? p.groups.map((g) => g.id).filter((g) => g !== req.groupId) : p.groups.map((g) => g.id),
  }));
  const remaining = new Set(after.flatMap((p) => p.groupIds)).size;
  if (remaining < policy.minGroupsPerServer) {
    return {
      restoreFallbackOn: [],
      refusals: [
        new SecgroupsError("SG_MIN_GROUPS", {
          property: "securityGroupId",
          problem: `detaching would leave server ${req.server.name} with ${groups(remaining)}; profile ${policy.profile} requires every server to keep at least ${groups(policy.minGroupsPerServer)}`,
          value: req.groupId,
          fix: "attach another group to the server before detaching this one",
        }),
      ],
    };
  }
  const restoreFallbackOn =
    req.fallbackId === undefined ? [] : after.filter((p) => req.portIds.includes(p.id) && !p.groupIds.length).map((p) => p.id);
  return { restoreFallbackOn, refusals: [] };
}

/** A port's group ids after an attachment put `groupId` on it: the fallback group leaves. */
export function groupsAfterAttach(groupIds: readonly string[], groupId: string, fallbackId: string | undefined): string[] {
  const next = groupIds.filter((g) => g !== fallbackId || g === groupId);
  return next.includes(groupId) ? next : [...next, groupId];
}

/** A port's group ids after a detach took `groupId` off it: the fallback group returns to an empty port. */
export function groupsAfterDetach(groupIds: readonly string[], groupId: string, fallbackId: string | undefined): string[] {
  const next = groupIds.filter((g) => g !== groupId);
  return !next.length && fallbackId !== undefined ? [fallbackId] : next;
}
