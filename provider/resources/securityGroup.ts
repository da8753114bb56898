/** SecurityGroup: check/diff/create/read/update/delete, wiring the domain core to the backend. */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type * as schema from "../domain/schemaTypes";
import { getContext, getProfile, getSettings } from "../context";
import type { GroupState, RuleRecord, StateBackend } from "../backends/types";
import type { Previewed, Props, ResourceImpl } from "../lifecycle";
import { checkDefaultProject, validateInputs, type CheckFailure } from "../schema";
import { UNKNOWN, containsUnknown } from "../domain/unknown";
import { stripProvider, type Fields } from "./common";
import { checkFailure } from "../errors";
import { showValue } from "../text";

/**
 * Inputs after `check`: every field present, canonical (types generated from schema.json). The
 * inline `rules` never reach this implementation: resources/inlineRules.ts handles them.
 */
export type SecurityGroupInputs = Required<Omit<schema.SecurityGroupInputs, "rules">>;

/** Outputs recorded in the stack. */
export type SecurityGroupOutputs = schema.SecurityGroupOutputs;

/** Fields a user sets; all but `project` change in place. */
const INPUT_FIELDS = ["name", "description", "stateful", "tags", "deleteDefaultRules", "project"] as const;
const REPLACE_FIELDS: ReadonlySet<string> = new Set(["project"]);

/** Validates and canonicalises inputs; unknown (preview) values pass through unchecked. */
export function checkSecurityGroup(
  news: Props,
  defaultProject: string,
  reservedNames: readonly string[] = [],
): { inputs: Previewed<SecurityGroupInputs>; failures: never[] } | { inputs: Props; failures: CheckFailure[] } {
  const given = stripProvider(news);
  const failures = validateInputs("SecurityGroupInputs", given);
  failures.push(...checkDefaultProject(defaultProject, given.project));
  if (typeof given.name === "string" && reservedNames.includes(given.name)) {
    failures.push(
      checkFailure("SG_NAME_TAKEN", {
        property: "name",
        problem: `${showValue(given.name)} is the name of a default group every project of this profile has`,
        value: given.name,
        allowed: "any other name",
        fix: "choose another name (default groups are managed by the cloud)",
      }),
    );
  }
  if (given.name === undefined) {
    failures.push(
      checkFailure("SG_INVALID_INPUT", {
        property: "name",
        subject: true,
        problem: "is required",
        fix: "set name (the SDK's SecurityGroup defaults it to the resource name)",
      }),
    );
  }
  if (failures.length) return { inputs: given, failures };
  // The schema accepted every property (unknown ones aside), and name is there.
  const valid = given as Previewed<schema.SecurityGroupInputs> & { name: string };
  const tags = valid.tags;
  const inputs: Previewed<SecurityGroupInputs> = {
    name: valid.name,
    description: valid.description ?? "",
    stateful: valid.stateful ?? true,
    // A list holding a value unknown at preview is passed through as it is: its order means nothing yet.
    tags: Array.isArray(tags) && !containsUnknown(tags) ? [...tags].sort() : (tags ?? []),
    deleteDefaultRules: valid.deleteDefaultRules ?? false,
    project: valid.project ?? defaultProject,
  };
  return { inputs, failures: [] };
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Which fields differ between the recorded outputs and the checked inputs, and which of them replace. */
export function diffSecurityGroup(olds: Fields<keyof SecurityGroupOutputs>, news: Fields<keyof SecurityGroupInputs>): dynamic.DiffResult {
  const changed = INPUT_FIELDS.filter((f) => news[f] === UNKNOWN || !sameValue(olds[f], news[f]));
  const replaces = changed.filter((f) => REPLACE_FIELDS.has(f));
  return { changes: changed.length > 0, replaces, deleteBeforeReplace: false };
}

/** `urn:pulumi:STACK::PROJECT::` of a URN: what every resource of one stack shares. */
function stackOf(urn: string | undefined): string | undefined {
  const parts = urn?.split("::");
  return parts && parts.length >= 3 ? `${parts[0]}::${parts[1]}::` : undefined;
}

/**
 * The group's rules that no resource of the group's own stack manages and that are not its
 * default rules: added by another stack, the CLI or by hand. They are an output, so `pulumi
 * refresh` (and `preview --refresh`) shows a rule added or removed outside the program.
 */
export function unmanagedRulesOf(rules: RuleRecord[], managedBy: string | undefined): schema.UnmanagedRule[] {
  const stack = stackOf(managedBy);
  return rules
    .filter((r) => !r.isDefault && !(stack && r.managedBy?.startsWith(stack)))
    .map((r) => {
      const shown: schema.UnmanagedRule = { id: r.id, direction: r.direction, ethertype: r.ethertype, protocol: r.protocol ?? "any" };
      if (r.portRangeMin !== null) shown.portRangeMin = r.portRangeMin;
      if (r.portRangeMax !== null) shown.portRangeMax = r.portRangeMax;
      if (r.remoteIpPrefix !== null) shown.remoteIpPrefix = r.remoteIpPrefix;
      if (r.remoteGroupId !== null) shown.remoteGroupId = r.remoteGroupId;
      if (r.remoteSubnetId !== null) shown.remoteSubnetId = r.remoteSubnetId;
      if (r.description !== "") shown.description = r.description;
      if (r.managedBy) shown.managedBy = r.managedBy;
      return shown;
    });
}

async function unmanagedRules(backend: StateBackend, g: GroupState["group"], managedBy: unknown): Promise<schema.UnmanagedRule[]> {
  return unmanagedRulesOf(await backend.listRules(g.project, g.id), typeof managedBy === "string" ? managedBy : undefined);
}

function outputsOf(state: GroupState, deleteDefaultRules: boolean, unmanaged: schema.UnmanagedRule[]): SecurityGroupOutputs {
  const g = state.group;
  return {
    name: g.name,
    description: g.description,
    stateful: g.stateful,
    tags: g.tags,
    deleteDefaultRules,
    project: g.project,
    revisionNumber: g.revisionNumber,
    createdAt: g.createdAt,
    updatedAt: g.updatedAt,
    defaultRuleIds: state.defaultRuleIds,
    unmanagedRules: unmanaged,
  };
}

function inputsOf(o: SecurityGroupOutputs): SecurityGroupInputs {
  const { name, description, stateful, tags, deleteDefaultRules, project } = o;
  return { name, description, stateful, tags, deleteDefaultRules, project };
}

/** The provider implementation of SecurityGroup (the lifecycle wraps it: provider/lifecycle.ts). */
export const securityGroupProvider: ResourceImpl<SecurityGroupInputs, SecurityGroupOutputs> = {
  async check(_olds, news) {
    return checkSecurityGroup(
      news,
      getSettings().project,
      getProfile().defaultGroups.map((g) => g.name),
    );
  },

  async diff(_id, olds, news) {
    return diffSecurityGroup(olds, news);
  },

  async create(inputs, token, managedBy) {
    const { backend, profile } = getContext();
    const state = await backend.createGroup({
      project: inputs.project,
      name: inputs.name,
      description: inputs.description,
      stateful: inputs.stateful,
      tags: inputs.tags,
      defaultRules: inputs.deleteDefaultRules ? [] : profile.newGroupRules,
      ...(profile.quotas.groups !== undefined ? { groupQuota: profile.quotas.groups } : {}),
      ...(token ? { clientToken: token } : {}),
    });
    // A new group has only its default rules; a retried create may find rules added since.
    return {
      id: state.group.id,
      outs: outputsOf(state, inputs.deleteDefaultRules, token ? await unmanagedRules(backend, state.group, managedBy) : []),
    };
  },

  async read(id, props) {
    const { backend, profile, settings } = getContext();
    const state = await backend.getGroup(props.project ?? settings.project, id);
    if (!state) return { id: "", props: {} };
    // With a profile that gives new groups rules, "no default rules left" is what deleteDefaultRules means.
    const deleteDefaultRules = profile.newGroupRules.length > 0 ? state.defaultRuleIds.length === 0 : (props.deleteDefaultRules ?? false);
    const outs = outputsOf(state, deleteDefaultRules, await unmanagedRules(backend, state.group, props.managedBy));
    return { id, props: outs, inputs: inputsOf(outs) };
  },

  async update(id, olds, news) {
    const { backend, profile } = getContext();
    const state = await backend.updateGroup(olds.project, id, {
      name: news.name,
      description: news.description,
      stateful: news.stateful,
      tags: news.tags,
      ...(news.deleteDefaultRules !== olds.deleteDefaultRules
        ? { deleteDefaultRules: news.deleteDefaultRules, defaultRules: profile.newGroupRules }
        : {}),
    });
    return { outs: outputsOf(state, news.deleteDefaultRules, await unmanagedRules(backend, state.group, olds.managedBy)) };
  },

  async delete(id, props) {
    const { backend } = getContext();
    await backend.deleteGroup(props.project, id);
  },

  /** An import id is the group's id or its name in the program's project. */
  async resolveImport(importId, inputs) {
    const { backend } = getContext();
    const project = String(inputs.project);
    const group = (await backend.getGroup(project, importId))?.group ?? (await backend.findGroupByName(project, importId));
    return group && { project, id: group.id, label: `security group ${group.name} (${group.id}) of project ${project}` };
  },
};
