/**
 * ServerAttachment: one group on a server's port(s). The backend checks every invariant inside the
 * transaction; `check` also fails the preview when it can already know the port would overflow:
 * the backend shows it full, or the attachments planned in this provider process (this one preview
 * or up) would overfill it.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type * as schema from "../domain/schemaTypes";
import { getContext } from "../context";
import { attachmentPolicy } from "../domain/profiles";
import { decideAttach, decideNetwork, decidePlannedPlace, isAttachable, type PolicyNetwork, type PolicyServer } from "../domain/policy";
import { failureOf } from "../errors";
import { UNKNOWN, containsUnknown } from "../domain/unknown";
import { maskRefused, mergeFailures, validateInputs, type CheckFailure } from "../schema";
import { changedFields, stripProvider } from "./common";
import { importMismatch, type ImportTarget } from "./adoption";
import type { Previewed, ResourceImpl } from "../lifecycle";
import { showValue } from "../text";

/** Checked inputs: everything present but network (absent = every attachable network of the server). */
export type AttachmentInputs = Omit<schema.ServerAttachmentInputs, "waitForActiveSeconds"> &
  Required<Pick<schema.ServerAttachmentInputs, "waitForActiveSeconds">>;

/**
 * Groups planned onto each port by the attachments checked in this process: port id → attachment
 * (its URN, so that a second check of the same attachment replaces its entry) → group id.
 */
const planned = new Map<string, Map<string, string>>();

/** The resource name at the end of a URN (`…::ServerAttachment::a5` → `a5`). */
function nameOf(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** The program's attachments to the same new server on `network` (the SDK's `plannedAttachments`), by name. */
function plannedNames(plannedAttachments: unknown, network: unknown): string[] {
  if (!Array.isArray(plannedAttachments)) return [];
  return plannedAttachments
    .filter((a): a is { name: string; network: unknown } => typeof a === "object" && a !== null && typeof (a as { name?: unknown }).name === "string")
    .filter((a) => (a.network ?? null) === network)
    .map((a) => a.name);
}

/**
 * What the policy can already refuse at preview (provider/domain/policy.ts, `when: "check"`): a
 * network whose ports take no groups, and a port the backend shows full or that the attachments
 * planned in this process would overfill; for a server the program creates, the program's
 * attachments to it by name.
 */
async function previewFailures(
  news: Record<string, unknown>,
  olds: Record<string, unknown>,
  urn?: string,
  plannedAttachments?: unknown,
): Promise<CheckFailure[]> {
  const { backend, profile, settings } = getContext();
  const policy = attachmentPolicy(profile);
  const network = news.network as string | undefined;
  let named: PolicyNetwork | null = null;
  if (network !== undefined && network !== UNKNOWN) {
    const net = await backend.getNetwork(settings.project, network);
    named = net ? { id: net.id, name: net.name } : { id: network, name: network };
    const closed = net ? decideNetwork(policy, named, network) : undefined;
    if (closed) return [failureOf(closed)];
  }
  const serverId = news.serverId;
  const groupId = news.securityGroupId;
  if (serverId === UNKNOWN) {
    if (urn === undefined || network === UNKNOWN || !Array.isArray(plannedAttachments)) return [];
    const full = decidePlannedPlace(policy, {
      names: plannedNames(plannedAttachments, news.network ?? null),
      name: nameOf(urn),
      network: network ?? null,
    });
    return full ? [failureOf(full, "securityGroupId")] : [];
  }
  if (policy.groupsPerPort === undefined || typeof serverId !== "string" || containsUnknown(news.network)) return [];
  // An attachment that already exists (same server, network and group) is counted by the backend already.
  const existing = olds.serverId === serverId && olds.network === news.network && olds.securityGroupId !== undefined;
  if (existing) return [];
  const project = (await backend.serverProject(serverId)) ?? settings.project;
  const server = await backend.getServer(project, serverId);
  if (!server) return [];
  const fallback = policy.fallbackGroup ? (await backend.findGroupByName(project, policy.fallbackGroup))?.id : undefined;
  // A group named by name counts as the group it names.
  const byName =
    typeof groupId === "string" && groupId !== UNKNOWN && !(await backend.getGroup(project, groupId))
      ? (await backend.findGroupByName(project, groupId))?.id
      : undefined;
  const group = typeof groupId === "string" && groupId !== UNKNOWN ? (byName ?? groupId) : `unknown group of ${urn ?? Math.random()}`;
  const state: PolicyServer = {
    id: server.id,
    name: server.name,
    status: server.status,
    ports: server.ports.map((p) => ({
      id: p.id,
      networkId: p.networkId,
      networkName: p.networkName,
      groups: p.securityGroupIds.map((id) => ({ id, name: id })),
    })),
  };
  // This attachment's group joins the plan of every port it would land on, before it is judged.
  for (const port of state.ports) {
    if (named !== null ? port.networkId !== named.id && port.networkName !== named.name : !isAttachable(policy, port.networkName)) continue;
    const plan = planned.get(port.id) ?? new Map<string, string>();
    planned.set(port.id, plan);
    plan.set(urn ?? `attachment ${Math.random()}`, group);
  }
  const decision = decideAttach(
    policy,
    {
      server: state,
      group: { id: group, name: group },
      network: named,
      networkValue: network ?? null,
      groupValue: groupId,
      ...(fallback ? { fallbackId: fallback } : {}),
      planned: (portId) => [...(planned.get(portId)?.values() ?? [])],
    },
    "check",
  );
  return decision.refusals.map((r) => failureOf(r));
}

/** The provider implementation of ServerAttachment (the lifecycle wraps it: provider/lifecycle.ts). */
export const serverAttachmentProvider: ResourceImpl<AttachmentInputs, schema.ServerAttachmentOutputs> = {
  async check(olds, news, urn) {
    // The SDK's list of the program's attachments to the same server: used by the checks, never stored.
    const { plannedAttachments, ...given } = stripProvider(news);
    const refused = validateInputs("ServerAttachmentInputs", given);
    // The preview checks run on the properties the schema accepted: every failure at once.
    const usable = maskRefused(given, refused);
    const inputs: Record<string, unknown> = {
      serverId: usable.serverId,
      securityGroupId: usable.securityGroupId,
      ...(usable.network !== undefined ? { network: usable.network } : {}),
      waitForActiveSeconds: usable.waitForActiveSeconds ?? 300,
    };
    const failures = mergeFailures(refused, await previewFailures(inputs, stripProvider(olds ?? {}), urn, plannedAttachments));
    if (refused.length) return { inputs: given, failures };
    // The schema accepted every property (unknown ones aside).
    const checked = inputs as Previewed<AttachmentInputs>;
    return failures.length ? { inputs: checked, failures } : { inputs: checked };
  },

  async diff(_id, olds, news) {
    const changed = changedFields(["serverId", "securityGroupId", "network", "waitForActiveSeconds"], olds, news);
    return { changes: changed.length > 0, replaces: changed.filter((f) => f === "serverId" || f === "network"), deleteBeforeReplace: true };
  },

  async create(inputs, token) {
    const { backend, profile, settings } = getContext();
    // The server's own project: an attachment needs no project of its own.
    const project = (await backend.serverProject(inputs.serverId)) ?? settings.project;
    const deadline = Date.now() + inputs.waitForActiveSeconds * 1000;
    // Wait while the server boots; the backend re-checks ACTIVE inside the attach transaction.
    for (;;) {
      const server = await backend.getServer(project, inputs.serverId);
      if (!server || server.status !== "BUILD" || Date.now() >= deadline) break;
      await sleep(Math.min(250, Math.max(10, Math.min(deadline, Date.parse(server.activeAt)) - Date.now())));
    }
    const a = await backend.createAttachment(
      project,
      inputs.serverId,
      inputs.securityGroupId,
      inputs.network ?? null,
      attachmentPolicy(profile),
      token,
    );
    const outs: schema.ServerAttachmentOutputs = { ...inputs, project, portIds: a.portIds };
    return { id: a.id, outs };
  },

  async read(id, props) {
    const { backend, settings } = getContext();
    const a = await backend.getAttachment(props.project ?? settings.project, id);
    if (!a) return { id: "", props: {} };
    // A group the program named by name (a profile's default group) stays named so, as long as it is that group.
    const given = props.securityGroupId;
    const sameGroup =
      typeof given === "string" && given !== a.securityGroupId && (await backend.getGroup(a.project, a.securityGroupId))?.group.name === given;
    const inputs = {
      serverId: a.serverId,
      securityGroupId: sameGroup ? given : a.securityGroupId,
      ...(props.network !== undefined ? { network: props.network } : {}),
      waitForActiveSeconds: props.waitForActiveSeconds ?? 300,
    };
    return { id, props: { ...inputs, project: a.project, portIds: a.portIds }, inputs };
  },

  async update(id, olds, news) {
    const { backend, profile } = getContext();
    let portIds = olds.portIds;
    if (news.securityGroupId !== olds.securityGroupId) {
      portIds = (await backend.swapAttachment(olds.project, id, news.securityGroupId, attachmentPolicy(profile))).portIds;
    }
    return { outs: { ...news, project: olds.project, portIds } };
  },

  async delete(id, props) {
    const { backend, profile } = getContext();
    await backend.deleteAttachment(props.project, id, attachmentPolicy(profile));
  },

  /**
   * An import id is the attachment's id or `SERVER_ID/GROUP_ID`. The network is compared here:
   * the program may name it by name or id, the backend keeps the id (or none: every network).
   */
  async resolveImport(importId, inputs) {
    const { backend, settings } = getContext();
    const serverId = typeof inputs.serverId === "string" ? inputs.serverId : importId.split("/")[0]!;
    const project = (await backend.serverProject(serverId)) ?? settings.project;
    const [server, group] = importId.split("/");
    const a =
      (await backend.getAttachment(project, importId)) ??
      (group !== undefined ? (await backend.listAttachments(project)).find((x) => x.serverId === server && x.securityGroupId === group) : undefined);
    if (!a) return undefined;
    const target: ImportTarget = {
      project,
      id: a.id,
      label: `attachment ${a.id} of group ${a.securityGroupId} to server ${a.serverId}`,
      props: {
        securityGroupId: inputs.securityGroupId,
        waitForActiveSeconds: inputs.waitForActiveSeconds,
        ...(inputs.network !== undefined ? { network: inputs.network } : {}),
      },
    };
    const wanted = inputs.network;
    if (wanted !== UNKNOWN) {
      const wantedId = typeof wanted === "string" ? ((await backend.getNetwork(project, wanted))?.id ?? wanted) : null;
      if (wantedId !== a.networkId) {
        const actual = a.networkId === null ? "every attachable network (network absent)" : `network ${a.networkId}`;
        target.problems = [
          importMismatch({
            property: "network",
            problem: `${target.label} is made for ${actual}`,
            value: wanted ?? null,
            fix: `${a.networkId === null ? "leave network out" : `set network to ${showValue(a.networkId)}`} to adopt it as it is`,
          }),
        ];
      }
    }
    return target;
  },
};
