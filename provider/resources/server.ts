/** Server: a port per network with a fixed IP; BUILD for bootSeconds, then ACTIVE. */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type * as schema from "../../sdk/generated/types";
import type { AttachmentPolicy, ServerRecord } from "../backends/types";
import { getContext, getProfile, getSettings } from "../context";
import { attachmentPolicy, projectSetup, type Profile } from "../domain/profiles";
import { SecgroupsError } from "../errors";
import { checkDefaultProject, validateInputs } from "../schema";
import { changedFields, sleep, stripProvider } from "./common";

/** Inputs whose change replaces the server (all but waitForActive). */
const REPLACE_FIELDS = ["name", "networks", "securityGroupIds", "bootSeconds", "project"] as const;

/** Checked inputs: everything present but securityGroupIds (absent = the profile's launch group). */
type ServerInputs = Required<Omit<schema.ServerInputs, "securityGroupIds">> & Pick<schema.ServerInputs, "securityGroupIds">;

function outputsOf(s: ServerRecord, inputs: ServerInputs): schema.ServerOutputs {
  return {
    name: s.name,
    networks: inputs.networks,
    ...(inputs.securityGroupIds !== undefined ? { securityGroupIds: inputs.securityGroupIds } : {}),
    bootSeconds: inputs.bootSeconds,
    waitForActive: inputs.waitForActive,
    project: s.project,
    status: s.status,
    ports: s.ports.map((p) => ({ id: p.id, networkId: p.networkId, fixedIp: p.fixedIp })),
    createdAt: s.createdAt,
  };
}

/** The attachment policy for a launch: an explicit empty list of groups means no launch group. */
function launchPolicy(profile: Profile, securityGroupIds: string[] | undefined): AttachmentPolicy {
  const { launchGroup: _none, ...withoutLaunchGroup } = attachmentPolicy(profile);
  return securityGroupIds !== undefined && securityGroupIds.length === 0 ? withoutLaunchGroup : attachmentPolicy(profile);
}

/** The dynamic provider for Server. */
export const serverProvider = {
  async check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.CheckResult> {
    const given = stripProvider(news);
    const failures = validateInputs("ServerInputs", given);
    failures.push(...checkDefaultProject(getSettings().project, given.project));
    const profile = getProfile();
    const groups = given.securityGroupIds;
    if (!profile.groupsAtLaunch && Array.isArray(groups) && groups.length > 0) {
      failures.push({
        property: "securityGroupIds",
        reason: `SG_ATTACH_AT_BOOT: profile ${profile.name} applies security groups only to a server that is ACTIVE, never at launch (property securityGroupIds); fix: launch the server without securityGroupIds and attach each group with a ServerAttachment`,
      });
    } else if (profile.groupsPerPort !== undefined && Array.isArray(groups) && groups.length > profile.groupsPerPort) {
      failures.push({
        property: "securityGroupIds",
        reason: `SG_LIMIT_GROUPS_PER_PORT: ${groups.length} security groups at launch exceed the limit of profile ${profile.name} (property securityGroupIds); allowed: at most ${profile.groupsPerPort} per network per server; fix: merge groups or attach fewer`,
      });
    }
    if (Array.isArray(groups) && groups.length === 0 && profile.minGroupsPerServer > 0) {
      failures.push({
        property: "securityGroupIds",
        reason: `SG_MIN_GROUPS: profile ${profile.name} requires every server to keep at least ${profile.minGroupsPerServer} security group (property securityGroupIds, got []); fix: name a group, or leave securityGroupIds out to get ${profile.launchGroup ?? "the default group"}`,
      });
    }
    if (failures.length) return { inputs: given, failures };
    return {
      inputs: {
        name: given.name,
        networks: given.networks,
        ...(groups !== undefined ? { securityGroupIds: groups } : {}),
        bootSeconds: given.bootSeconds ?? 0,
        waitForActive: given.waitForActive ?? true,
        project: given.project ?? getSettings().project,
      },
    };
  },

  async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.DiffResult> {
    const changed = changedFields([...REPLACE_FIELDS, "waitForActive"], olds, news);
    return { changes: changed.length > 0, replaces: changed.filter((f) => f !== "waitForActive"), deleteBeforeReplace: false };
  },

  async create(inputs: ServerInputs, token?: string): Promise<dynamic.CreateResult> {
    const { backend, profile } = getContext();
    await backend.ensureProject(inputs.project, projectSetup(profile));
    let server = await backend.createServer({
      project: inputs.project,
      name: inputs.name,
      networks: inputs.networks,
      securityGroupIds: inputs.securityGroupIds ?? [],
      bootSeconds: inputs.bootSeconds,
      ...(token ? { clientToken: token } : {}),
    }, launchPolicy(profile, inputs.securityGroupIds));
    if (inputs.waitForActive) {
      while (server.status === "BUILD") {
        await sleep(Math.min(250, Math.max(10, Date.parse(server.activeAt) - Date.now())));
        server = (await backend.getServer(inputs.project, server.id))!;
      }
      if (server.status === "ERROR") {
        throw Object.assign(new SecgroupsError("SG_SERVER_NOT_ACTIVE", {
          property: "", problem: `server ${server.name} (${server.id}) went to ERROR while booting`, fix: "replace the server",
        }), { id: server.id, properties: outputsOf(server, inputs) });
      }
    }
    return { id: server.id, outs: outputsOf(server, inputs) };
  },

  async read(id: string, props: Partial<schema.ServerOutputs>): Promise<dynamic.ReadResult> {
    const { backend, settings } = getContext();
    const server = await backend.getServer(props.project ?? settings.project, id);
    if (!server) return { id: "", props: {} };
    const inputs: ServerInputs = {
      name: server.name,
      networks: props.networks ?? server.ports.map((p) => p.networkName),
      ...(props.securityGroupIds !== undefined ? { securityGroupIds: props.securityGroupIds } : {}),
      bootSeconds: props.bootSeconds ?? 0,
      waitForActive: props.waitForActive ?? true,
      project: server.project,
    };
    return { id, props: outputsOf(server, inputs), inputs };
  },

  async update(_id: string, olds: schema.ServerOutputs, news: ServerInputs): Promise<dynamic.UpdateResult> {
    // Only waitForActive changes in place; it affects nothing after create.
    return { outs: { ...olds, waitForActive: news.waitForActive } };
  },

  async delete(id: string, props: schema.ServerOutputs): Promise<void> {
    const { backend } = getContext();
    await backend.deleteServer(props.project, id);
  },
};
