/**
 * The state backend `openstack`: a real Neutron is the cloud. It manages security groups, their
 * rules and networks (with their subnets) through Neutron's API, and attachments of groups to the
 * servers' ports (ports.ts); servers belong to the compute service (creating one is refused with
 * SG_BACKEND_INVALID). The networks a project sees are its own and those the cloud shares (those
 * are its built-in networks: PublicNet on Rackspace).
 *
 * Neutron enforces what Neutron enforces — a duplicate rule (409 SecurityGroupRuleExists, naming
 * the rule), a group in use (409 SecurityGroupInUse), its quotas — and each refusal becomes the
 * code the embedded backend gives (provider/backends/refusals.ts). What the product adds on top is
 * checked here before the request, the same way: one group name per project, the profile's group
 * and rule quotas, and a group's default rules exactly as the profile says (Neutron makes its own;
 * a profile without them, like rackspace, has them removed at create).
 *
 * Ids, names and revision numbers are Neutron's. A group's default rules are the rules equal to the
 * rules the cloud gives a new group (defaultRules.ts): egress, any protocol, no remote. A create's
 * client token is a tag on the group, so a create retried after a crash finds the group it made.
 * Neutron's rules take no tags: a rule's create puts its token on the group while it runs, and
 * which stack manages a rule is a tag on its group while the group has room (a group takes at most
 * 50 tags). Every such tag is hidden from `tags` and written one at a time, never as a whole list.
 */
import { defaultRuleOf } from "../../domain/defaultRules";
import type {
  AttachmentPolicy,
  AttachmentRecord,
  DefaultRuleSpec,
  GroupRecord,
  NetworkRecord,
  NewRule,
  RuleRecord,
  ServerRecord,
} from "../../domain/model";
import { canonicalRuleOf, ruleKey } from "../../domain/rules";
import type { ResourceType } from "../../domain/plan";
import { SecgroupsError } from "../../errors";
import { groupGone, groupInUse, groupQuotaFull, groupRulesFull, nameTaken, projectRulesFull, ruleExists, ruleGone } from "../refusals";
import type { GroupPatch, GroupState, NewGroup, NewServer, RuleLimits, StateBackend } from "../types";
import { Networks } from "./networks";
import { Ports } from "./ports";
import {
  isGroupTokenTag,
  managedByOf,
  managedTag,
  managedTagPrefix,
  mapRefusals,
  NeutronClient,
  query,
  ruleTokenTag,
  timestamp,
  TOKEN_TAG,
  tokenTag,
  type NeutronAuth,
} from "./neutron";

/** A group takes hidden tags (rule tokens, rules' stacks) while it has fewer tags than this (Neutron's limit is 50). */
const HIDDEN_TAGS_UNTIL = 40;

/** A security group as Neutron shows it. */
interface NeutronGroup {
  id: string;
  project_id: string;
  name: string;
  description: string;
  stateful?: boolean;
  tags?: string[];
  revision_number: number;
  created_at: string;
  updated_at: string;
  security_group_rules?: NeutronRule[];
}

/** A security group rule as Neutron shows it. */
interface NeutronRule {
  id: string;
  project_id: string;
  security_group_id: string;
  direction: "ingress" | "egress";
  ethertype: "IPv4" | "IPv6";
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
  description: string | null;
  created_at: string;
  updated_at: string;
}

/** Neutron's own default rules of a new group: egress to anywhere, one per family. */
const NEUTRON_DEFAULTS: readonly DefaultRuleSpec[] = [
  { direction: "egress", ethertype: "IPv4" },
  { direction: "egress", ethertype: "IPv6" },
];

function isDefaultRule(r: NeutronRule): boolean {
  const key = ruleKey(canonicalRuleOf(ruleRecord(r, false)));
  return NEUTRON_DEFAULTS.some((spec) => defaultRuleOf(r.security_group_id, spec).key === key);
}

function ruleRecord(r: NeutronRule, isDefault: boolean, managedBy?: string): RuleRecord {
  return {
    ...(managedBy !== undefined ? { managedBy } : {}),
    id: r.id,
    project: r.project_id,
    securityGroupId: r.security_group_id,
    direction: r.direction,
    ethertype: r.ethertype,
    protocol: r.protocol,
    portRangeMin: r.port_range_min,
    portRangeMax: r.port_range_max,
    remoteIpPrefix: r.remote_ip_prefix,
    remoteGroupId: r.remote_group_id,
    remoteSubnetId: null,
    description: r.description ?? "",
    isDefault,
    createdAt: timestamp(r.created_at),
    updatedAt: timestamp(r.updated_at),
  };
}

function groupRecord(g: NeutronGroup): GroupRecord {
  return {
    id: g.id,
    project: g.project_id,
    name: g.name,
    description: g.description ?? "",
    stateful: g.stateful ?? true,
    tags: (g.tags ?? []).filter((t) => !t.startsWith(TOKEN_TAG)).sort(),
    revisionNumber: g.revision_number,
    createdAt: timestamp(g.created_at),
    updatedAt: timestamp(g.updated_at),
  };
}

const byName = (a: GroupRecord, b: GroupRecord) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1);
const oldestFirst = (a: RuleRecord, b: RuleRecord) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1);

/** The rule id Neutron names in a SecurityGroupRuleExists message (`… Rule id is 5c1f….`). */
function existingRuleId(message: string): string | undefined {
  return /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i.exec(message)?.[1];
}

/** The state backend over a real Neutron. */
export class OpenstackBackend implements StateBackend {
  readonly kind = "openstack";
  readonly location: string;
  /** Neutron's rules are immutable (ML2 has no rule update): a new description replaces the rule. */
  readonly mutableRuleDescription = false;
  private readonly neutron: NeutronClient;

  private readonly networks: Networks;
  private readonly ports: Ports;

  constructor(private readonly auth: NeutronAuth) {
    this.neutron = new NeutronClient(auth);
    this.networks = new Networks(this.neutron);
    this.ports = new Ports(this.neutron, this.networks, {
      groupsById: (ids) => this.groupsById(ids),
      groupByIdOrName: (project, idOrName) => this.groupByIdOrName(project, idOrName),
    });
    this.location = auth.describe;
  }

  /**
   * The Neutron project of a request for `project`: behind Keystone, the token's project (the
   * credentials choose it; `secgroups:project` only names it in messages); without auth, `project`.
   */
  private async pid(project: string): Promise<string> {
    return (await this.auth.scopedProject()) ?? project;
  }

  projectOf(given: string): Promise<string> {
    return this.pid(given);
  }

  private async groupsWhere(params: Record<string, string>): Promise<NeutronGroup[]> {
    const r = await this.neutron.request<{ security_groups: NeutronGroup[] }>("GET", `/security-groups${query(params)}`);
    return r?.security_groups ?? [];
  }

  private async neutronGroup(id: string): Promise<NeutronGroup | undefined> {
    const r = await this.neutron.request<{ security_group: NeutronGroup }>("GET", `/security-groups/${encodeURIComponent(id)}`, { missingOk: true });
    return r?.security_group;
  }

  /**
   * How many groups or rules `project` has, as Neutron's quota details count them (one cheap call,
   * whatever the project's size); by listing their ids where the cloud has no quota details or its
   * policy keeps them from the user.
   */
  private async used(project: string, resource: "security_group" | "security_group_rule"): Promise<number> {
    type Details = { quota: Record<string, { used: number }> };
    const details = await this.neutron.request<Details>("GET", `/quotas/${encodeURIComponent(project)}/details`, {
      missingOk: true,
      forbiddenOk: true,
    });
    const used = details?.quota[resource]?.used;
    if (typeof used === "number") return used;
    const collection = resource === "security_group" ? "security_groups" : "security_group_rules";
    const listed = await this.neutron.request<Record<string, unknown[]>>(
      "GET",
      `/${collection.replaceAll("_", "-")}${query({ project_id: project, fields: "id" })}`,
    );
    return listed?.[collection]?.length ?? 0;
  }

  private async rulesWhere(params: Record<string, string>): Promise<NeutronRule[]> {
    const r = await this.neutron.request<{ security_group_rules: NeutronRule[] }>("GET", `/security-group-rules${query(params)}`);
    return r?.security_group_rules ?? [];
  }

  private async state(g: NeutronGroup): Promise<GroupState> {
    const rules = (await this.rulesWhere({ security_group_id: g.id })).filter(isDefaultRule).map((r) => ruleRecord(r, true));
    return { group: groupRecord(g), defaultRuleIds: rules.sort(oldestFirst).map((r) => r.id) };
  }

  private async setTags(id: string, tags: readonly string[]): Promise<void> {
    await this.neutron.request("PUT", `/security-groups/${encodeURIComponent(id)}/tags`, { body: { tags } });
  }

  /** Adds one tag to a group (one at a time, never the whole list: others may add tags meanwhile). */
  private async addTag(groupId: string, tag: string): Promise<void> {
    await this.neutron.request("PUT", `/security-groups/${encodeURIComponent(groupId)}/tags/${encodeURIComponent(tag)}`);
  }

  /** Removes one tag from a group, if it is there. */
  private async dropTag(groupId: string, tag: string): Promise<void> {
    await this.neutron.request("DELETE", `/security-groups/${encodeURIComponent(groupId)}/tags/${encodeURIComponent(tag)}`, { missingOk: true });
  }

  /**
   * Adds a hidden tag where the group has room for it (Neutron takes 50 tags per object: the user's
   * own come first); best effort, false when skipped or refused.
   */
  private async addHiddenTag(group: NeutronGroup, tag: string): Promise<boolean> {
    if ((group.tags ?? []).length >= HIDDEN_TAGS_UNTIL) return false;
    try {
      await this.addTag(group.id, tag);
      return true;
    } catch {
      return false;
    }
  }

  /** Makes the group's default rules exactly `wanted` (Neutron made its own at create). */
  private async alignDefaultRules(groupId: string, projectId: string, wanted: readonly DefaultRuleSpec[]): Promise<void> {
    const current = (await this.rulesWhere({ security_group_id: groupId })).filter(isDefaultRule);
    const keys = new Set(wanted.map((spec) => defaultRuleOf(groupId, spec).key));
    for (const r of current) {
      if (!keys.has(ruleKey(canonicalRuleOf(ruleRecord(r, true)))))
        await this.neutron.request("DELETE", `/security-group-rules/${r.id}`, { missingOk: true });
    }
    const have = new Set(current.map((r) => ruleKey(canonicalRuleOf(ruleRecord(r, true)))));
    for (const spec of wanted) {
      if (have.has(defaultRuleOf(groupId, spec).key)) continue;
      await this.neutron.request("POST", "/security-group-rules", {
        body: { security_group_rule: { security_group_id: groupId, direction: spec.direction, ethertype: spec.ethertype, project_id: projectId } },
      });
    }
  }

  async createGroup(given: NewGroup): Promise<GroupState> {
    const input = { ...given, project: await this.pid(given.project) };
    if (input.clientToken) {
      const [retried] = await this.groupsWhere({ project_id: input.project, tags: tokenTag(input.clientToken) });
      if (retried) {
        // The first attempt may have died before it made the default rules what the profile says.
        await this.alignDefaultRules(retried.id, input.project, input.defaultRules);
        return this.state(retried);
      }
    }
    const [existing] = await this.groupsWhere({ project_id: input.project, name: input.name });
    if (existing) throw nameTaken(input.project, input.name, existing);
    if (input.groupQuota !== undefined) {
      const groups = await this.used(input.project, "security_group");
      if (groups >= input.groupQuota) {
        throw groupQuotaFull(input.project, groups, input.groupQuota);
      }
    }
    const created = await mapRefusals(() =>
      this.neutron.request<{ security_group: NeutronGroup }>("POST", "/security-groups", {
        body: { security_group: { name: input.name, description: input.description, stateful: input.stateful, project_id: input.project } },
      }),
    );
    const id = created!.security_group.id;
    const tags = [...input.tags, ...(input.clientToken ? [tokenTag(input.clientToken)] : [])];
    if (tags.length) await this.setTags(id, tags);
    await this.alignDefaultRules(id, input.project, input.defaultRules);
    return this.state((await this.neutronGroup(id))!);
  }

  async getGroup(given: string, id: string): Promise<GroupState | undefined> {
    const project = await this.pid(given);
    const g = await this.neutronGroup(id);
    return g && g.project_id === project ? this.state(g) : undefined;
  }

  async findGroupByName(given: string, name: string): Promise<GroupRecord | undefined> {
    const project = await this.pid(given);
    const [g] = await this.groupsWhere({ project_id: project, name });
    return g ? groupRecord(g) : undefined;
  }

  async listGroups(given: string): Promise<GroupRecord[]> {
    const project = await this.pid(given);
    return (await this.groupsWhere({ project_id: project })).map(groupRecord).sort(byName);
  }

  async updateGroup(given: string, id: string, patch: GroupPatch): Promise<GroupState> {
    const project = await this.pid(given);
    const current = await this.neutronGroup(id);
    if (!current || current.project_id !== project) throw groupGone(project, id);
    if (patch.name !== undefined && patch.name !== current.name) {
      const clash = (await this.groupsWhere({ project_id: project, name: patch.name })).find((g) => g.id !== id);
      if (clash) throw nameTaken(project, patch.name, clash);
    }
    const fields: Record<string, unknown> = {};
    if (patch.name !== undefined) fields.name = patch.name;
    if (patch.description !== undefined) fields.description = patch.description;
    if (patch.stateful !== undefined && patch.stateful !== (current.stateful ?? true)) fields.stateful = patch.stateful;
    if (Object.keys(fields).length) {
      await mapRefusals(() => this.neutron.request("PUT", `/security-groups/${encodeURIComponent(id)}`, { body: { security_group: fields } }), {
        inUse: () =>
          new SecgroupsError("SG_IN_USE", {
            property: "stateful",
            problem: `security group ${current.name} (${id}) is on a port; stateful can only change while no port uses the group (Neutron)`,
            value: patch.stateful,
            fix: "detach the group from its servers, change stateful, and attach it again",
          }),
      });
    }
    if (patch.tags !== undefined) {
      // One tag at a time, so the hidden ones (and any a concurrent create adds) stay.
      const wanted = patch.tags;
      const shown = (current.tags ?? []).filter((t) => !t.startsWith(TOKEN_TAG));
      for (const t of shown.filter((x) => !wanted.includes(x))) await this.dropTag(id, t);
      for (const t of wanted.filter((x) => !shown.includes(x))) await mapRefusals(() => this.addTag(id, t));
    }
    if (patch.deleteDefaultRules === true) await this.alignDefaultRules(id, project, []);
    else if (patch.deleteDefaultRules === false) await this.alignDefaultRules(id, project, patch.defaultRules ?? []);
    return this.state((await this.neutronGroup(id))!);
  }

  async deleteGroup(given: string, id: string): Promise<boolean> {
    const project = await this.pid(given);
    const g = await this.neutronGroup(id);
    if (!g || g.project_id !== project) return false;
    // Neutron would delete the other groups' rules that name this group with it; nothing cascades here.
    const holders = await this.holders(g);
    if (holders.length) throw groupInUse(groupRecord(g), holders);
    await mapRefusals(() => this.neutron.request("DELETE", `/security-groups/${encodeURIComponent(id)}`, { missingOk: true }), {
      inUse: async () => groupInUse(groupRecord(g), await this.holders(g)),
    });
    return true;
  }

  /** What holds a group: the ports that carry it and the other groups' rules that name it. */
  private async holders(g: NeutronGroup): Promise<string[]> {
    const ports = await this.neutron.request<{ ports: Array<{ id: string; device_id: string; network_id: string; security_groups: string[] }> }>(
      "GET",
      `/ports${query({ project_id: g.project_id })}`,
    );
    const rules = await this.rulesWhere({ remote_group_id: g.id });
    return [
      ...(ports?.ports ?? [])
        .filter((p) => p.security_groups.includes(g.id))
        .map((p) => `server ${p.device_id} port ${p.id} on network ${p.network_id}`),
      ...rules.filter((r) => r.security_group_id !== g.id).map((r) => `rule ${r.id} of group ${r.security_group_id}`),
    ];
  }

  async groupProject(id: string): Promise<string | undefined> {
    return (await this.neutronGroup(id))?.project_id;
  }

  async createRule(rule: NewRule, limits: RuleLimits): Promise<RuleRecord> {
    const g = await this.neutronGroup(rule.securityGroupId);
    if (!g) {
      throw new SecgroupsError("SG_GROUP_NOT_FOUND", {
        property: "securityGroupId",
        problem: `security group ${rule.securityGroupId} does not exist`,
        value: rule.securityGroupId,
        fix: "pass the id of an existing group (e.g. group.id of a SecurityGroup in the program)",
      });
    }
    if (rule.remoteGroupId !== null) {
      const remote = await this.neutronGroup(rule.remoteGroupId);
      if (!remote || remote.project_id !== g.project_id) {
        throw new SecgroupsError("SG_GROUP_NOT_FOUND", {
          property: "remoteGroupId",
          problem: `remote security group ${rule.remoteGroupId} does not exist in project ${g.project_id}`,
          value: rule.remoteGroupId,
          fix: "pass the id of an existing group of the same project",
        });
      }
    }
    const inGroup = await this.rulesWhere({ security_group_id: g.id });
    const duplicate = inGroup.find((r) => ruleKey(canonicalRuleOf(ruleRecord(r, false))) === rule.key);
    const tag = rule.clientToken ? ruleTokenTag(rule.clientToken) : undefined;
    const retried = tag !== undefined && (g.tags ?? []).includes(tag);
    // A create retried after a crash: the rule its first attempt made is there, with the attempt's
    // token on the group (it died before Neutron answered) or the resource's own managedTag (after).
    const ours = (d: NeutronRule) => {
      const own = rule.managedBy ? managedTag(d.id, rule.managedBy) : undefined;
      return retried || (own !== undefined && (g.tags ?? []).includes(own));
    };
    if (duplicate && ours(duplicate) && (duplicate.description ?? "") === rule.description) {
      if (rule.managedBy) await this.tagManaged(g, duplicate.id, rule.managedBy);
      if (retried) await this.dropTag(g.id, tag!);
      return ruleRecord(duplicate, false, rule.managedBy);
    }
    if (duplicate) throw ruleExists(g, ruleRecord(duplicate, isDefaultRule(duplicate)));
    if (limits.rulesPerGroup !== undefined && inGroup.length >= limits.rulesPerGroup) {
      throw groupRulesFull(g, inGroup.length, limits.profile, limits.rulesPerGroup);
    }
    if (limits.rulesPerProject !== undefined) {
      const n = await this.used(g.project_id, "security_group_rule");
      if (n >= limits.rulesPerProject) {
        throw projectRulesFull(g.project_id, g.id, n, limits.profile, limits.rulesPerProject);
      }
    }
    const body = {
      security_group_rule: {
        security_group_id: rule.securityGroupId,
        direction: rule.direction,
        ethertype: rule.ethertype,
        protocol: rule.protocol,
        port_range_min: rule.portRangeMin,
        port_range_max: rule.portRangeMax,
        remote_ip_prefix: rule.remoteIpPrefix,
        remote_group_id: rule.remoteGroupId,
        description: rule.description,
        project_id: g.project_id,
      },
    };
    // The token stays on the group while the create runs: a retry after a crash in between finds it.
    const tokenOn = tag !== undefined && (retried || (await this.addHiddenTag(g, tag)));
    const created = await mapRefusals(() => this.neutron.request<{ security_group_rule: NeutronRule }>("POST", "/security-group-rules", { body }), {
      exists: async (message) => {
        // Made by someone else between our read and our create: Neutron names it.
        const id = existingRuleId(message);
        const r = id ? (await this.rulesWhere({ id }))[0] : undefined;
        return ruleExists(
          g,
          r ? ruleRecord(r, isDefaultRule(r)) : { id: id ?? "(unknown)", isDefault: false, direction: rule.direction, ethertype: rule.ethertype },
        );
      },
    }).catch(async (err: unknown) => {
      if (tokenOn) await this.dropTag(g.id, tag!).catch(() => undefined);
      throw err;
    });
    // The rule's managedTag first, then the token off: a crash at any point leaves one of them.
    const managed = rule.managedBy && (await this.tagManaged(g, created!.security_group_rule.id, rule.managedBy)) ? rule.managedBy : undefined;
    if (tokenOn) await this.dropTag(g.id, tag!).catch(() => undefined);
    return ruleRecord(created!.security_group_rule, false, managed);
  }

  async getRule(given: string, id: string): Promise<RuleRecord | undefined> {
    const project = await this.pid(given);
    const r = await this.neutron.request<{ security_group_rule: NeutronRule }>("GET", `/security-group-rules/${encodeURIComponent(id)}`, {
      missingOk: true,
    });
    const rule = r?.security_group_rule;
    return rule && rule.project_id === project ? ruleRecord(rule, isDefaultRule(rule)) : undefined;
  }

  async updateRuleDescription(project: string, id: string, description: string): Promise<RuleRecord> {
    if (!(await this.getRule(project, id))) throw ruleGone(project, id);
    // Neutron's rules are immutable: ML2 has no update of a rule (a PUT fails with a 500).
    throw new SecgroupsError("SG_INVALID_INPUT", {
      property: "description",
      problem: `Neutron cannot change the description of rule ${id} in place: its security group rules are immutable`,
      value: description,
      fix: "replace the rule (pulumi up --replace with the rule's URN), or keep its description",
    });
  }

  async deleteRule(project: string, id: string): Promise<boolean> {
    const rule = await this.getRule(project, id);
    if (!rule) return false;
    // The stack's tag first: a crash in between leaves a rule that shows as unmanaged, never a tag without its rule.
    await this.dropManagedTags(rule.securityGroupId, id);
    await this.neutron.request("DELETE", `/security-group-rules/${encodeURIComponent(id)}`, { missingOk: true });
    return true;
  }

  async listRules(given: string, securityGroupId?: string): Promise<RuleRecord[]> {
    const project = await this.pid(given);
    const rules = await this.rulesWhere({ project_id: project, ...(securityGroupId !== undefined ? { security_group_id: securityGroupId } : {}) });
    // Which stack manages each rule: tags on the groups (managedTag).
    const groups = securityGroupId !== undefined ? [await this.neutronGroup(securityGroupId)] : await this.groupsWhere({ project_id: project });
    const managed = managedByOf(groups.flatMap((g) => g?.tags ?? []));
    if (securityGroupId !== undefined) {
      // Tags of rules deleted by hand use up the group's room: take them off (best effort).
      const ids = new Set(rules.map((r) => r.id));
      for (const gone of [...managed.keys()].filter((id) => !ids.has(id))) await this.dropManagedTags(securityGroupId, gone).catch(() => undefined);
    }
    return rules.map((r) => ruleRecord(r, isDefaultRule(r), managed.get(r.id))).sort(oldestFirst);
  }

  async setRuleManagedBy(given: string, id: string, managedBy: string): Promise<void> {
    const rule = await this.getRule(given, id);
    if (!rule) throw ruleGone(given, id);
    await this.dropManagedTags(rule.securityGroupId, id);
    const g = await this.neutronGroup(rule.securityGroupId);
    if (g) await this.tagManaged(g, id, managedBy);
  }

  /**
   * Records on the rule's group which stack manages it (managedTag), where the group has room;
   * best effort: without it the rule shows as unmanaged. Whether it was recorded.
   */
  private async tagManaged(group: NeutronGroup, ruleId: string, managedBy: string): Promise<boolean> {
    const tag = managedTag(ruleId, managedBy);
    return tag !== undefined && (await this.addHiddenTag(group, tag));
  }

  /** Removes the rule's managedTag from its group. */
  private async dropManagedTags(groupId: string, ruleId: string): Promise<void> {
    const g = await this.neutronGroup(groupId);
    for (const t of (g?.tags ?? []).filter((x) => x.startsWith(managedTagPrefix(ruleId)))) await this.dropTag(groupId, t);
  }

  async ensureProject(): Promise<void> {
    // Neutron makes a project's default group itself, on the project's first request.
  }

  async forgetClientToken(given: string, id: string, type: ResourceType): Promise<void> {
    // Only groups and networks keep a token (a rule's goes when its create ends); reading any other
    // object as a group would cost a request per diff and read, and find nothing.
    if (type !== "SecurityGroup" && type !== "Network") return;
    const project = await this.pid(given);
    if (type === "Network") return this.networks.forgetToken(project, id);
    const g = await this.neutronGroup(id);
    if (!g || g.project_id !== project) return;
    // The group's own token (its rules' tokens go when their creates end, their stacks with them).
    for (const t of (g.tags ?? []).filter(isGroupTokenTag)) await this.dropTag(id, t);
  }

  async checkIntegrity(): Promise<string[]> {
    // Neutron's database keeps its own references; there is no bookkeeping of ours to check.
    return [];
  }

  async close(): Promise<void> {}

  // ---- networks (openstack/networks.ts) -------------------------------------------------------

  async createNetwork(given: string, name: string, subnets: string[], clientToken?: string): Promise<NetworkRecord> {
    return this.networks.create(await this.pid(given), given, name, subnets, clientToken);
  }

  async getNetwork(given: string, idOrName: string): Promise<NetworkRecord | undefined> {
    return this.networks.get(await this.pid(given), idOrName);
  }

  async listNetworks(given: string): Promise<NetworkRecord[]> {
    return this.networks.list(await this.pid(given));
  }

  async deleteNetwork(given: string, id: string): Promise<boolean> {
    return this.networks.delete(await this.pid(given), given, id);
  }

  // ---- servers and attachments (openstack/ports.ts) -------------------------------------------

  async getServer(given: string, id: string): Promise<ServerRecord | undefined> {
    return this.ports.getServer(await this.pid(given), id);
  }

  serverProject(id: string): Promise<string | undefined> {
    return this.ports.serverProject(id);
  }

  async listServers(given: string): Promise<ServerRecord[]> {
    return this.ports.listServers(await this.pid(given));
  }

  async createAttachment(
    given: string,
    serverId: string,
    securityGroupId: string,
    network: string | null,
    policy: AttachmentPolicy,
    clientToken?: string,
  ): Promise<AttachmentRecord> {
    return this.ports.createAttachment(await this.pid(given), serverId, securityGroupId, network, policy, clientToken);
  }

  async getAttachment(given: string, id: string): Promise<AttachmentRecord | undefined> {
    return this.ports.getAttachment(await this.pid(given), id);
  }

  async swapAttachment(given: string, id: string, securityGroupId: string, policy: AttachmentPolicy): Promise<AttachmentRecord> {
    return this.ports.swapAttachment(await this.pid(given), id, securityGroupId, policy);
  }

  async deleteAttachment(given: string, id: string, policy: AttachmentPolicy): Promise<boolean> {
    return this.ports.deleteAttachment(await this.pid(given), id, policy);
  }

  async listAttachments(given: string): Promise<AttachmentRecord[]> {
    return this.ports.listAttachments(await this.pid(given));
  }

  /** The groups with these ids, as records (for the policy: names and `stateful`). */
  private async groupsById(ids: readonly string[]): Promise<GroupRecord[]> {
    if (!ids.length) return [];
    const params = new URLSearchParams(ids.map((id): [string, string] => ["id", id]));
    const r = await this.neutron.request<{ security_groups: NeutronGroup[] }>("GET", `/security-groups?${params.toString()}`);
    return (r?.security_groups ?? []).map(groupRecord);
  }

  /** The group with this id in the project, or with this name there (as the openstack CLI takes either). */
  private async groupByIdOrName(project: string, idOrName: string): Promise<GroupRecord | undefined> {
    const byId = await this.neutronGroup(idOrName);
    if (byId && byId.project_id === project) return groupRecord(byId);
    const [named] = await this.groupsWhere({ project_id: project, name: idOrName });
    return named ? groupRecord(named) : undefined;
  }

  // ---- what belongs to the compute service --------------------------------------------------

  private notYet(what: string): SecgroupsError {
    return new SecgroupsError("SG_BACKEND_INVALID", {
      property: "secgroups:backend",
      problem: `the openstack backend cannot manage ${what}: they belong to the compute service (Nova)`,
      value: "openstack",
      fix: "create and delete servers with the cloud's own tools, and attach groups to them with ServerAttachment",
    });
  }
  createServer(_server: NewServer, _policy: AttachmentPolicy): Promise<never> {
    return Promise.reject(this.notYet("servers"));
  }
  setServerError(): Promise<never> {
    return Promise.reject(this.notYet("servers"));
  }
  deleteServer(): Promise<never> {
    return Promise.reject(this.notYet("servers"));
  }
}
