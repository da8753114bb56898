/** Server: a port per network with a fixed IP; BUILD for bootSeconds, then ACTIVE. */
import { setTimeout as sleep } from "node:timers/promises";
import type * as schema from "../domain/schemaTypes";
import type { AttachmentPolicy, ServerRecord } from "../backends/types";
import { getContext, getProfile, getSettings } from "../context";
import { attachmentPolicy, projectSetup, type Profile } from "../domain/profiles";
import { decideLaunch } from "../domain/policy";
import { UNKNOWN } from "../domain/unknown";
import { SecgroupsError, checkFailure, failureOf } from "../errors";
import { isOpenstackBackend } from "../backends/openstack/config";
import type { Previewed, ResourceImpl } from "../lifecycle";
import { checkDefaultProject, validateInputs } from "../schema";
import { changedFields, stripProvider } from "./common";

/** Inputs whose change replaces the server (all but waitForActive). */
const REPLACE_FIELDS = ["name", "networks", "securityGroupIds", "bootSeconds", "project"] as const;

/**
 * Checked inputs: everything present but securityGroupIds (absent = the profile's launch group).
 * (The name is not checked for: the SDK's Server always sets it, to the resource name by default.)
 */
export type ServerInputs = Required<Omit<schema.ServerInputs, "securityGroupIds">> & Pick<schema.ServerInputs, "securityGroupIds">;

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

/** The provider implementation of Server (the lifecycle wraps it: provider/lifecycle.ts). */
export const serverProvider: ResourceImpl<ServerInputs, schema.ServerOutputs> = {
  async check(_olds, news) {
    const given = stripProvider(news);
    const failures = validateInputs("ServerInputs", given);
    failures.push(...checkDefaultProject(getSettings().project, given.project));
    if (isOpenstackBackend(getSettings().backend)) {
      // Servers belong to the compute service, which this provider does not drive.
      failures.push(
        checkFailure(
          "SG_BACKEND_INVALID",
          {
            property: "",
            problem: "a Server cannot be created on the openstack backend: servers belong to the cloud's compute service (Nova), not to Neutron",
            value: getSettings().backend,
            fix: "create the server with the cloud's own tools (or its Pulumi provider) and pass its id to ServerAttachment.serverId",
          },
          "name",
        ),
      );
    }
    const profile = getProfile();
    const groups = given.securityGroupIds;
    if (groups === undefined || Array.isArray(groups)) {
      // The launch as the cloud will decide it. At preview the groups' state is not known (not
      // judged), and the profile's launch group is presumed to be there (every project gets it).
      const policy = attachmentPolicy(profile);
      const name = typeof given.name === "string" && given.name !== UNKNOWN ? given.name : "(known after apply)";
      const launch = decideLaunch(policy, {
        serverName: name,
        given: (groups ?? []).map((g) => ({ id: String(g), name: String(g) })),
        explicit: groups !== undefined,
        value: groups ?? [],
        ...(policy.launchGroup !== undefined ? { launchGroup: { id: policy.launchGroup, name: policy.launchGroup } } : {}),
      });
      failures.push(...launch.refusals.map((r) => failureOf(r)));
    }
    if (failures.length) return { inputs: given, failures };
    // The schema accepted every property (unknown ones aside).
    const valid = given as Previewed<ServerInputs>;
    return {
      inputs: {
        name: valid.name,
        networks: valid.networks,
        ...(valid.securityGroupIds !== undefined ? { securityGroupIds: valid.securityGroupIds } : {}),
        bootSeconds: valid.bootSeconds ?? 0,
        waitForActive: valid.waitForActive ?? true,
        project: valid.project ?? getSettings().project,
      },
    };
  },

  async diff(_id, olds, news) {
    const changed = changedFields([...REPLACE_FIELDS, "waitForActive"], olds, news);
    return { changes: changed.length > 0, replaces: changed.filter((f) => f !== "waitForActive"), deleteBeforeReplace: false };
  },

  async create(inputs, token) {
    const { backend, profile } = getContext();
    await backend.ensureProject(inputs.project, projectSetup(profile));
    let server = await backend.createServer(
      {
        project: inputs.project,
        name: inputs.name,
        networks: inputs.networks,
        securityGroupIds: inputs.securityGroupIds ?? [],
        bootSeconds: inputs.bootSeconds,
        ...(token ? { clientToken: token } : {}),
      },
      launchPolicy(profile, inputs.securityGroupIds),
    );
    if (inputs.waitForActive) {
      while (server.status === "BUILD") {
        await sleep(Math.min(250, Math.max(10, Date.parse(server.activeAt) - Date.now())));
        server = (await backend.getServer(inputs.project, server.id))!;
      }
      if (server.status === "ERROR") {
        throw Object.assign(
          new SecgroupsError("SG_SERVER_NOT_ACTIVE", {
            property: "",
            problem: `server ${server.name} (${server.id}) went to ERROR while booting`,
            fix: "replace the server",
          }),
          { id: server.id, properties: outputsOf(server, inputs) },
        );
      }
    }
    return { id: server.id, outs: outputsOf(server, inputs) };
  },

  async read(id, props) {
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

  async update(_id, olds, news) {
    // Only waitForActive changes in place; it affects nothing after create.
    return { outs: { ...olds, waitForActive: news.waitForActive } };
  },

  async delete(id, props) {
    const { backend } = getContext();
    await backend.deleteServer(props.project, id);
  },
};
