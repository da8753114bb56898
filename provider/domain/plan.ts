/**
 * A preview's plan applied to the cloud's state: the steps of `pulumi preview --json` (read by
 * provider/cli/preview.ts) applied to the backend's state give the planned state, what changes, what
 * the preview could not know, and what the cloud would refuse. The cloud's rules are the domain's
 * own: launches, attachments, swaps and detaches are decided by the policy (policy.ts, `when:
 * "plan"`), and a new group's default rules and the profile's default groups come from
 * defaultRules.ts, exactly as the store applies them.
 *
 * A value not known until apply is UNKNOWN; a reference to a resource this preview creates is
 * followed through `propertyDependencies` to that resource, and anything else unknown is reported
 * as "known after apply", never guessed.
 */
import { SecgroupsError } from "../errors";
import { showValue } from "../text";
import { parseCidr } from "./cidr";
import { defaultGroupRuleOf, defaultRuleOf, newGroupDefaultRules } from "./defaultRules";
import type { ExposureModel, ModelGroup, ModelPort, ModelRule, ModelServer } from "./exposure";
import { describeTraffic, ruleTraffic, trafficText } from "./exposure";
import type { AttachmentPolicy, NewRule, RuleFields } from "./model";
import {
  decideAttach,
  decideDetach,
  decideLaunch,
  decideSwap,
  groupsAfterAttach,
  groupsAfterDetach,
  isAttachable,
  type LaunchDecision,
  type PolicyGroup,
  type PolicyNetwork,
  type PolicyServer,
} from "./policy";
import { attachmentPolicy, projectSetup, type Profile } from "./profiles";
import { UNKNOWN } from "./unknown";
import { inlineRuleChanges, type InlineRule } from "./inlineRules";

/** Resource types of this package, as the last part of their type token. */
export const RESOURCE_TYPES = ["Network", "SecurityGroup", "SecurityGroupRule", "Server", "ServerAttachment"] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** One step of a preview about a resource of this package (as `pulumi preview --json` gives it). */
export interface PreviewStep {
  op: "create" | "update" | "delete" | "replace" | "same";
  urn: string;
  type: ResourceType;
  /** The resource's name (the URN's last part). */
  name: string;
  /** The id a created resource will have, when known already (else a placeholder `new:<name>`). */
  id?: string;
  oldId?: string;
  oldInputs: Record<string, unknown>;
  oldOutputs: Record<string, unknown>;
  newInputs: Record<string, unknown>;
  /** Property → URNs of the resources its value came from. */
  dependencies: Record<string, string[]>;
}

/**
 * `steps` with a security group's inline rules (its `rules` input) as the SecurityGroupRule steps
 * they amount to: every rule of a created or replacing group is created in it; an update deletes
 * the recorded rules no longer listed and creates the new ones (inlineRuleChanges decides which).
 */
export function withInlineRuleSteps(steps: readonly PreviewStep[]): PreviewStep[] {
  const out: PreviewStep[] = [];
  for (const s of steps) {
    out.push(s);
    if (s.type !== "SecurityGroup" || !["create", "replace", "update"].includes(s.op)) continue;
    const rule = (name: string, fields: Partial<PreviewStep>): PreviewStep => ({
      op: "create",
      urn: `${s.urn}#${name}`,
      type: "SecurityGroupRule",
      name: `${s.name}.${name}`,
      oldInputs: {},
      oldOutputs: {},
      newInputs: {},
      dependencies: {},
      ...fields,
    });
    // A list known only after apply: one rule of unknown traffic, so the replay says so (an update
    // keeps the recorded rules: which of them stay is not known yet). So is a rule of a list.
    const unknownRule = {
      direction: UNKNOWN,
      ethertype: UNKNOWN,
      protocol: UNKNOWN,
      portRangeMin: UNKNOWN,
      portRangeMax: UNKNOWN,
      remoteIpPrefix: UNKNOWN,
    };
    if (s.newInputs.rules === UNKNOWN) {
      const group = s.op === "update" ? (s.oldId ?? UNKNOWN) : UNKNOWN;
      out.push(rule("rules", { newInputs: { ...unknownRule, securityGroupId: group }, dependencies: { securityGroupId: [s.urn] } }));
      continue;
    }
    const listed = Array.isArray(s.newInputs.rules) ? (s.newInputs.rules as unknown[]) : [];
    const rules = listed
      .map((r) => (r === UNKNOWN ? (unknownRule as unknown as InlineRule) : r))
      .filter((r): r is InlineRule => r !== null && typeof r === "object");
    if (s.op !== "update") {
      rules.forEach((r, i) =>
        out.push(rule(`rules[${i}]`, { newInputs: { ...r, securityGroupId: UNKNOWN }, dependencies: { securityGroupId: [s.urn] } })),
      );
      continue;
    }
    const oldRules = Array.isArray(s.oldOutputs.rules) ? (s.oldOutputs.rules as InlineRule[]) : [];
    const oldIds = Array.isArray(s.oldOutputs.ruleIds) ? s.oldOutputs.ruleIds.map(String) : [];
    const changes = inlineRuleChanges(oldRules, oldIds, rules);
    for (const id of changes.removed) out.push(rule(`rule:${id}`, { op: "delete", oldId: id, oldOutputs: { securityGroupId: s.oldId } }));
    rules.forEach((r, i) => {
      if (changes.kept[i] === undefined) out.push(rule(`rules[${i}]`, { newInputs: { ...r, securityGroupId: s.oldId ?? UNKNOWN } }));
    });
  }
  return out;
}

/** The type tokens' prefix of the dynamic provider's resources (TypeScript programs). */
export const DYNAMIC_TYPE_PREFIX = "pulumi-nodejs:dynamic/secgroups:";
/** The type tokens' prefix of the provider plugin's resources (programs in other languages): package `secgroups`, module `index`. */
export const PLUGIN_TYPE_PREFIX = "secgroups:index:";
const TYPE_PREFIXES = [DYNAMIC_TYPE_PREFIX, PLUGIN_TYPE_PREFIX];

/** The resource type a type token names (`pulumi-nodejs:dynamic/secgroups:Server`, `secgroups:index:Server`), or undefined. */
export function resourceTypeOf(token: string): ResourceType | undefined {
  const prefix = TYPE_PREFIXES.find((p) => token.startsWith(p));
  const type = prefix ? token.slice(prefix.length) : "";
  return (RESOURCE_TYPES as readonly string[]).includes(type) ? (type as ResourceType) : undefined;
}

/** The properties whose value is another resource's id (what `resolve` follows through dependencies). */
export const REFERENCE_PROPERTIES: readonly string[] = ["securityGroupId", "remoteGroupId", "remoteSubnetId", "serverId"];

/** A project with nothing in it yet (before its first `pulumi up`). */
export function emptyModel(profile: Profile, project: string): ExposureModel {
  return {
    profile: profile.name,
    project,
    groups: [],
    rules: [],
    servers: [],
    networks: [],
    ...(profile.attachableNetworks !== undefined ? { attachableNetworks: profile.attachableNetworks } : {}),
  };
}

/** A parsed preview. */
export interface Preview {
  steps: PreviewStep[];
  /** Errors the preview reported (a failed preview plans only part of the change). */
  errors: string[];
  /** Steps of other packages, counted. */
  otherSteps: number;
}

/** One line of the "what changes" table. */
export interface ChangeLine {
  op: PreviewStep["op"];
  type: ResourceType;
  name: string;
  detail: string;
}

/** The planned state, what changes, and what the preview could not know. */
export interface PlannedState {
  model: ExposureModel;
  changes: ChangeLine[];
  knownAfterApply: string[];
  /** What the cloud would refuse, as `Type name: CODE: message` (the policy's verdict on the planned state). */
  refused: string[];
}

/** A rule with the flag the backend keeps for a group's default rules. */
type PlannedRule = ModelRule & { isDefault?: boolean };

/**
 * Applies the preview's steps to `before` (the backend's state): deletes first, then creates and
 * updates in dependency order (networks, groups, rules, servers, attachments), with the profile's
 * launch and fallback groups applied as the cloud would.
 */
export function applyPreview(before: ExposureModel, preview: Preview, profile: Profile): PlannedState {
  const model: ExposureModel = {
    ...before,
    groups: before.groups.map((g) => ({ id: g.id, name: g.name, stateful: g.stateful })),
    rules: before.rules.map((r) => ({ ...r })),
    servers: before.servers.map((s) => ({ ...s, ports: s.ports.map((p) => ({ ...p, securityGroupIds: [...p.securityGroupIds] })) })),
    networks: [...before.networks],
  };
  const knownAfterApply: string[] = [];
  const refused: string[] = [];
  const changes: ChangeLine[] = [];
  const policy = attachmentPolicy(profile);
  const refuse = (s: PreviewStep, refusals: readonly SecgroupsError[]): string => {
    for (const r of refusals) refused.push(`${s.type} ${s.name}: ${r.message}`);
    return `refused by the cloud: ${[...new Set(refusals.map((r) => r.code))].join(", ")}`;
  };
  ensureDefaultGroups(model, profile);
  const builtin = profile.builtinNetworks.map((n) => ({ id: n.id, name: n.name, subnets: n.subnets }));
  for (const n of builtin) if (!model.networks.some((m) => m.id === n.id)) model.networks.push(n);

  // Ids of the resources this preview creates: a placeholder per URN.
  const created = new Map<string, string>();
  for (const s of preview.steps) if (s.op === "create" || s.op === "replace") created.set(s.urn, s.id ?? `new:${s.name}`);
  const resolve = (s: PreviewStep, prop: string, value: unknown, index?: number): string | undefined => {
    if (value !== UNKNOWN) return typeof value === "string" ? value : undefined;
    const deps = (s.dependencies[prop] ?? []).filter((u) => created.has(u));
    const pick = index !== undefined ? deps[index] : deps.length === 1 ? deps[0] : undefined;
    if (pick) return created.get(pick);
    knownAfterApply.push(
      `${s.type} ${s.name}: ${prop}${index !== undefined ? `[${index}]` : ""} is known only after apply and names no single resource of this preview`,
    );
    return undefined;
  };
  const groupRef = (idOrName: string | undefined) =>
    idOrName === undefined ? undefined : (model.groups.find((g) => g.id === idOrName) ?? model.groups.find((g) => g.name === idOrName));
  const groupName = (id: string) => model.groups.find((g) => g.id === id)?.name ?? id;
  const serverName = (id: string) => model.servers.find((x) => x.id === id)?.name ?? id;

  // 1. Deletes (and the old half of replaces), dependents first.
  const order: ResourceType[] = ["ServerAttachment", "SecurityGroupRule", "Server", "SecurityGroup", "Network"];
  for (const type of order) {
    for (const s of preview.steps.filter((x) => x.type === type && (x.op === "delete" || x.op === "replace"))) {
      const id = s.oldId;
      if (!id) continue;
      switch (type) {
        case "ServerAttachment": {
          const group = groupRef(String(s.oldOutputs.securityGroupId ?? s.oldInputs.securityGroupId ?? ""));
          const portIds = Array.isArray(s.oldOutputs.portIds) ? s.oldOutputs.portIds.map(String) : [];
          if (group) {
            const refusals = detach(model, policy, group.id, portIds);
            if (refusals.length) {
              // The cloud refuses the detach, so the group stays (a replace stops there too).
              const detail = refuse(s, refusals);
              if (s.op === "delete") changes.push({ op: "delete", type, name: s.name, detail });
              continue;
            }
          }
          break;
        }
        case "SecurityGroupRule":
          model.rules = model.rules.filter((r) => r.id !== id);
          break;
        case "Server":
          model.servers = model.servers.filter((x) => x.id !== id);
          break;
        case "SecurityGroup":
          model.groups = model.groups.filter((g) => g.id !== id);
          model.rules = model.rules.filter((r) => r.securityGroupId !== id);
          break;
        case "Network":
          model.networks = model.networks.filter((n) => n.id !== id);
          break;
      }
      if (s.op === "delete") changes.push({ op: "delete", type, name: s.name, detail: describeOld(s, groupName, serverName) });
    }
  }

  // 2. Creates, replacements and updates, dependencies first.
  for (const type of [...order].reverse()) {
    for (const s of preview.steps.filter((x) => x.type === type && x.op !== "delete" && x.op !== "same")) {
      const inputs = s.newInputs;
      const id = s.op === "update" ? (s.oldId ?? `new:${s.name}`) : created.get(s.urn)!;
      let detail = "";
      switch (type) {
        case "Network": {
          const given = Array.isArray(inputs.subnets) ? inputs.subnets : [];
          if (given.includes(UNKNOWN)) knownAfterApply.push(`Network ${s.name}: some subnets are known only after apply; the report uses the others`);
          const subnets = given.filter((x) => x !== UNKNOWN).map((x, i) => canonicalCidr(s, `subnets[${i}]`, x));
          model.networks.push({ id, name: typeof inputs.name === "string" && inputs.name !== UNKNOWN ? inputs.name : s.name, subnets });
          detail = `subnets ${subnets.join(", ")}`;
          break;
        }
        case "SecurityGroup": {
          const name = typeof inputs.name === "string" && inputs.name !== UNKNOWN ? inputs.name : s.name;
          const stateful = inputs.stateful !== false;
          if (s.op === "update") {
            const g = model.groups.find((x) => x.id === id);
            if (g) Object.assign(g, { name, stateful });
            const drop = inputs.deleteDefaultRules === true;
            if (drop !== (s.oldInputs.deleteDefaultRules === true)) {
              model.rules = (model.rules as PlannedRule[]).filter((r) => !(r.securityGroupId === id && r.isDefault));
              if (!drop) model.rules.push(...newGroupRules(id, name, profile));
            }
          } else {
            model.groups.push({ id, name, stateful });
            if (inputs.deleteDefaultRules !== true) model.rules.push(...newGroupRules(id, name, profile));
          }
          detail = `${stateful ? "stateful" : "stateless"}${inputs.deleteDefaultRules === true ? ", without default rules" : ""}`;
          break;
        }
        case "SecurityGroupRule": {
          if (s.op === "update") {
            const existing = model.rules.find((r) => r.id === id);
            const description = typeof inputs.description === "string" ? inputs.description : "";
            if (existing) existing.description = description;
            detail = `description "${description}"`;
            break;
          }
          const unknown = RULE_TRAFFIC_FIELDS.filter((f) => inputs[f] === UNKNOWN);
          const securityGroupId = resolve(s, "securityGroupId", inputs.securityGroupId);
          const remoteGroupId = inputs.remoteGroupId === undefined ? null : resolve(s, "remoteGroupId", inputs.remoteGroupId);
          const remoteSubnetId = inputs.remoteSubnetId === undefined ? null : resolve(s, "remoteSubnetId", inputs.remoteSubnetId);
          if (unknown.length) knownAfterApply.push(`SecurityGroupRule ${s.name}: ${unknown.join(", ")} known only after apply`);
          if (unknown.length || securityGroupId === undefined || remoteGroupId === undefined || remoteSubnetId === undefined) {
            detail = "what it allows is known only after apply (not evaluated)";
            break;
          }
          const rule = ruleOf(id, { ...inputs, securityGroupId, remoteGroupId, remoteSubnetId });
          if (rule.remoteIpPrefix !== null) rule.remoteIpPrefix = canonicalCidr(s, "remoteIpPrefix", rule.remoteIpPrefix);
          model.rules.push(rule);
          detail = describeRule(rule, groupName);
          break;
        }
        case "Server": {
          if (s.op === "update") break;
          const nets = Array.isArray(inputs.networks) ? inputs.networks : [];
          const decision = launchGroups(s, inputs, policy, model, resolve, groupRef);
          if (decision.refusals.length) {
            detail = refuse(s, decision.refusals);
            break;
          }
          const launch = decision.groups.map((g) => g.id);
          const ports: ModelPort[] = nets.map((n, i) => {
            const ref = resolve(
              s,
              "networks",
              n,
              nets.filter((x) => x === UNKNOWN).length > 1 ? nets.slice(0, i).filter((x) => x === UNKNOWN).length : undefined,
            );
            const network = model.networks.find((x) => x.id === ref) ?? model.networks.find((x) => x.name === ref);
            if (ref !== undefined && !network)
              knownAfterApply.push(`Server ${s.name}: networks[${i}] ${showValue(ref)} is neither in the backend nor made by this preview`);
            const name = network?.name ?? "(known after apply)";
            const attachable = isAttachable(policy, name);
            return {
              id: `new:${s.name}:${network?.name ?? i}`,
              networkId: network?.id ?? `unknown:${i}`,
              networkName: name,
              fixedIp: null,
              securityGroupIds: attachable ? [...launch] : [],
            };
          });
          model.servers.push({ id, name: typeof inputs.name === "string" && inputs.name !== UNKNOWN ? inputs.name : s.name, status: "BUILD", ports });
          detail = `on ${ports.map((p) => p.networkName).join(", ")}; groups at launch: ${launch.map(groupName).join(", ") || "none"}; fixed IPs known after apply`;
          break;
        }
        case "ServerAttachment": {
          const serverId = resolve(s, "serverId", inputs.serverId);
          const group = groupRef(resolve(s, "securityGroupId", inputs.securityGroupId));
          const server = model.servers.find((x) => x.id === serverId);
          if (s.op === "update") {
            const old = groupRef(String(s.oldOutputs.securityGroupId ?? s.oldInputs.securityGroupId ?? ""));
            const portIds = Array.isArray(s.oldOutputs.portIds) ? s.oldOutputs.portIds.map(String) : [];
            const holder = model.servers.find((x) => x.ports.some((p) => portIds.includes(p.id)));
            if (old && group && holder) {
              const refusals = decideSwap({ server: policyServer(holder, model), portIds, oldGroupId: old.id, group, ...fallbackOf(model, policy) });
              if (refusals.length) {
                detail = refuse(s, refusals);
                break;
              }
              for (const p of holder.ports.filter((p) => portIds.includes(p.id))) {
                p.securityGroupIds = [...p.securityGroupIds.filter((g) => g !== old.id), group.id];
              }
            }
            detail = `swaps ${old?.name ?? "?"} for ${group?.name ?? "a group known after apply"}`;
            break;
          }
          if (!server || !group) {
            if (!group) knownAfterApply.push(`ServerAttachment ${s.name}: the group is known only after apply`);
            detail = "server or group known after apply";
            break;
          }
          if (inputs.network === UNKNOWN) {
            knownAfterApply.push(
              `ServerAttachment ${s.name}: network is known only after apply, so which ports get ${group.name} is too (not evaluated)`,
            );
            detail = `${group.name} on ${server.name} (network known after apply)`;
            break;
          }
          const network = typeof inputs.network === "string" ? inputs.network : undefined;
          const refusals = attach(s, server, group, network, policy, model, knownAfterApply);
          if (refusals.length) {
            detail = refuse(s, refusals);
            break;
          }
          detail = `${group.name} on ${server.name}${network ? ` (${network})` : " (every attachable network)"}`;
          break;
        }
      }
      changes.push({ op: s.op, type, name: s.name, detail });
    }
  }
  const position = new Map(preview.steps.map((s, i) => [`${s.type}\u0000${s.name}`, i]));
  const at = (c: ChangeLine) => position.get(`${c.type}\u0000${c.name}`) ?? 0;
  changes.sort((a, b) => at(a) - at(b));
  return { model, changes, knownAfterApply: [...new Set(knownAfterApply)], refused };
}

/** The inputs of a rule that say what traffic it allows (besides its group and remote group or subnet). */
const RULE_TRAFFIC_FIELDS = ["direction", "ethertype", "protocol", "portRangeMin", "portRangeMax", "remoteIpPrefix"] as const;

/** A rule from a step's (canonical) inputs or outputs, with its ids already resolved. */
function ruleOf(
  id: string,
  f: Record<string, unknown> & { securityGroupId: string; remoteGroupId: string | null; remoteSubnetId: string | null },
): PlannedRule {
  return {
    id,
    securityGroupId: f.securityGroupId,
    ...ruleReach(f),
    remoteGroupId: f.remoteGroupId,
    remoteSubnetId: f.remoteSubnetId,
    description: typeof f.description === "string" ? f.description : "",
  };
}

/**
 * What a rule's checked properties say it lets through, in the model's form: `ingress` and `IPv4`
 * unless said otherwise, `any` (or none) as every protocol (null), absent ports and CIDR as null.
 * The remote group and subnet are the caller's: ids the plan resolves, or the program's values.
 */
export function ruleReach(
  f: Record<string, unknown>,
): Pick<ModelRule, "direction" | "ethertype" | "protocol" | "portRangeMin" | "portRangeMax" | "remoteIpPrefix"> {
  return {
    direction: f.direction === "egress" ? "egress" : "ingress",
    ethertype: f.ethertype === "IPv6" ? "IPv6" : "IPv4",
    protocol: typeof f.protocol === "string" && f.protocol !== "any" ? f.protocol : null,
    portRangeMin: typeof f.portRangeMin === "number" ? f.portRangeMin : null,
    portRangeMax: typeof f.portRangeMax === "number" ? f.portRangeMax : null,
    remoteIpPrefix: typeof f.remoteIpPrefix === "string" ? f.remoteIpPrefix : null,
  };
}

/**
 * `value` as the canonical CIDR `pulumi preview` records after check; SG_INVALID_INPUT naming the
 * step and property for anything else (a hand-edited file).
 */
function canonicalCidr(s: PreviewStep, property: string, value: unknown): string {
  const parsed = typeof value === "string" ? parseCidr(value) : undefined;
  if (parsed?.kind === "network" && parsed.cidr === value) return parsed.cidr;
  throw new SecgroupsError("SG_INVALID_INPUT", {
    property: `${s.type} ${s.name}: ${property}`,
    problem: "is not a network in canonical CIDR notation, as check records it",
    value,
    allowed: (parsed?.kind === "network" ? parsed.cidr : parsed?.suggestion) ?? "a network such as 10.0.0.0/24",
    fix: "pass the unedited output of `pulumi preview --json`",
  });
}

/** The profile's default groups, added when the backend does not have them yet (a project's first `up`). */
function ensureDefaultGroups(model: ExposureModel, profile: Profile): void {
  for (const d of projectSetup(profile).defaultGroups) {
    if (model.groups.some((g) => g.name === d.name)) continue;
    const id = `default:${d.name}`;
    model.groups.push({ id, name: d.name, stateful: true });
    d.rules.forEach((r, i) => model.rules.push({ ...plannedRuleOf(defaultGroupRuleOf(id, r)), id: `${id}:${i}` }));
  }
}

/** A rule the cloud makes (defaultRules.ts) as the model holds it, without the store's bookkeeping. */
function plannedRuleOf(rule: NewRule): RuleFields {
  const { key: _key, managedBy: _managedBy, clientToken: _clientToken, ...fields } = rule;
  return fields;
}

/** The rules a new group gets under the profile. */
function newGroupRules(groupId: string, name: string, profile: Profile): PlannedRule[] {
  return newGroupDefaultRules(profile).map((spec) => ({
    ...plannedRuleOf(defaultRuleOf(groupId, spec)),
    id: `new:${name}:default-${spec.direction}-${spec.ethertype}`,
    isDefault: true,
  }));
}

/** The project's fallback group in the model, as the policy's requests take it. */
function fallbackOf(model: ExposureModel, policy: AttachmentPolicy): { fallbackId?: string } {
  const fallback = policy.fallbackGroup ? model.groups.find((g) => g.name === policy.fallbackGroup) : undefined;
  return fallback ? { fallbackId: fallback.id } : {};
}

/** A planned server as the policy sees it: each port's groups as the model knows them. */
function policyServer(server: ModelServer, model: ExposureModel): PolicyServer {
  const group = (id: string): PolicyGroup => model.groups.find((g) => g.id === id) ?? { id, name: id };
  return {
    id: server.id,
    name: server.name,
    status: server.status,
    ports: server.ports.map((p) => ({ id: p.id, networkId: p.networkId, networkName: p.networkName, groups: p.securityGroupIds.map(group) })),
  };
}

/** The launch of a new server as the cloud decides it: the given groups, or the profile's launch group. */
function launchGroups(
  s: PreviewStep,
  inputs: Record<string, unknown>,
  policy: AttachmentPolicy,
  model: ExposureModel,
  resolve: (s: PreviewStep, prop: string, value: unknown, index?: number) => string | undefined,
  groupRef: (v: string | undefined) => ModelGroup | undefined,
): LaunchDecision {
  const name = typeof inputs.name === "string" && inputs.name !== UNKNOWN ? inputs.name : s.name;
  const launchGroup = policy.launchGroup !== undefined ? model.groups.find((g) => g.name === policy.launchGroup) : undefined;
  const list = Array.isArray(inputs.securityGroupIds) ? (inputs.securityGroupIds as unknown[]) : undefined;
  const unknowns = list?.filter((x) => x === UNKNOWN).length ?? 0;
  const given = (list ?? [])
    .map((v, i) => groupRef(resolve(s, "securityGroupIds", v, unknowns > 1 ? list!.slice(0, i).filter((x) => x === UNKNOWN).length : undefined)))
    .filter((g): g is ModelGroup => g !== undefined);
  return decideLaunch(policy, { serverName: name, given, explicit: list !== undefined, value: list ?? [], ...(launchGroup ? { launchGroup } : {}) });
}

/**
 * Attaches `group` to the server's ports on `network` (or every attachable one) as the cloud
 * decides it (policy.ts, `when: "plan"`); the refusals, when it would not.
 */
function attach(
  s: PreviewStep,
  server: ModelServer,
  group: ModelGroup,
  network: string | undefined,
  policy: AttachmentPolicy,
  model: ExposureModel,
  knownAfterApply: string[],
): SecgroupsError[] {
  let named: PolicyNetwork | null = null;
  if (network !== undefined) {
    const found = model.networks.find((n) => n.id === network) ?? model.networks.find((n) => n.name === network);
    const port = server.ports.find((p) => p.networkId === network || p.networkName === network);
    named = found ? { id: found.id, name: found.name } : port ? { id: port.networkId, name: port.networkName } : null;
    if (named === null) {
      knownAfterApply.push(`ServerAttachment ${s.name}: network ${showValue(network)} is neither in the backend nor made by this preview`);
      return [];
    }
  }
  const fallback = fallbackOf(model, policy);
  const decision = decideAttach(
    policy,
    {
      server: policyServer(server, model),
      group,
      network: named,
      networkValue: network ?? null,
      groupValue: group.id,
      ...fallback,
    },
    "plan",
  );
  if (decision.refusals.length) return decision.refusals;
  for (const port of server.ports.filter((p) => decision.ports.some((d) => d.id === p.id))) {
    port.securityGroupIds = groupsAfterAttach(port.securityGroupIds, group.id, fallback.fallbackId);
  }
  return [];
}

/**
 * Takes `groupId` off `portIds` as the cloud decides it, restoring the fallback group on a port
 * left without any; the refusals, when it would not.
 */
function detach(model: ExposureModel, policy: AttachmentPolicy, groupId: string, portIds: readonly string[]): SecgroupsError[] {
  const fallback = fallbackOf(model, policy);
  const server = model.servers.find((x) => x.ports.some((p) => portIds.includes(p.id)));
  if (!server) return [];
  const decision = decideDetach(policy, { server: policyServer(server, model), portIds, groupId, ...fallback });
  if (decision.refusals.length) return decision.refusals;
  for (const p of server.ports.filter((x) => portIds.includes(x.id))) {
    p.securityGroupIds = groupsAfterDetach(p.securityGroupIds, groupId, fallback.fallbackId);
  }
  return [];
}

/** `ingress IPv4 tcp 22 from 0.0.0.0/0 in group admin-ssh`. */
function describeRule(r: ModelRule, groupName: (id: string) => string): string {
  const remote =
    r.remoteIpPrefix ??
    (r.remoteGroupId !== null ? `group ${groupName(r.remoteGroupId)}` : r.remoteSubnetId !== null ? `subnet ${r.remoteSubnetId}` : "any (no remote)");
  return `${r.direction} ${trafficText(r.direction, r.ethertype, describeTraffic(ruleTraffic(r)), remote)} in group ${groupName(r.securityGroupId)}`;
}

/** What a deleted resource was. */
function describeOld(s: PreviewStep, groupName: (id: string) => string, serverName: (id: string) => string): string {
  const o = { ...s.oldInputs, ...s.oldOutputs };
  if (s.type === "ServerAttachment")
    return `${groupName(String(o.securityGroupId ?? ""))} off ${Array.isArray(o.portIds) ? o.portIds.length : 0} port(s) of server ${serverName(String(o.serverId ?? ""))}`;
  if (s.type !== "SecurityGroupRule") return typeof o.name === "string" ? o.name : (s.oldId ?? "");
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  return describeRule(
    ruleOf(s.oldId ?? "", {
      ...o,
      securityGroupId: String(o.securityGroupId ?? ""),
      remoteGroupId: str(o.remoteGroupId),
      remoteSubnetId: str(o.remoteSubnetId),
    }),
    groupName,
  );
}
