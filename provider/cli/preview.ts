/**
 * `secgroups preview-report`: reads the output of `pulumi preview --json`, applies its steps to the
 * backend's current state to get the planned state, and reports what the change opens and closes.
 *
 * What the preview JSON holds (Pulumi 3.x): `steps[]` with `op` (create, update, delete, replace,
 * same), `urn`, `oldState` (`id`, `inputs`, `outputs`) and `newState` (`inputs` after check,
 * `propertyDependencies`, `parent`; no id, no outputs). Unchanged resources are left out unless
 * `--show-sames` is given, so the state before the change comes from the backend, not the file.
 * A value not known until apply is the string UNKNOWN; a reference to a resource this preview
 * creates is followed through `propertyDependencies` to that resource, and anything else unknown is
 * reported as "known after apply", never guessed.
 */
import { parseCidr } from "../domain/cidr";
import { UNKNOWN } from "../domain/unknown";
import type { ExposureModel, ModelGroup, ModelPort, ModelRule, ModelServer } from "../domain/exposure";
import { describeTraffic, ruleLabel, ruleTraffic } from "../domain/exposure";
import type { ExposureDiff, PortChange } from "../domain/exposureDiff";
import { portLabel, type Severity } from "../domain/findings";
import { projectSetup, type Profile } from "../domain/profiles";
import { SecgroupsError } from "../errors";
import { mdTable, findingsTable, severityCounts } from "./exposureFormat";
import { markdownText, showValue } from "../text";

const TYPE_PREFIX = "pulumi-nodejs:dynamic/secgroups:";
/** Resource types of this package, as the last part of their type token. */
const TYPES = ["Network", "SecurityGroup", "SecurityGroupRule", "Server", "ServerAttachment"] as const;
type ResourceType = (typeof TYPES)[number];

/** One step of the preview about a resource of this package. */
export interface PreviewStep {
  op: "create" | "update" | "delete" | "replace" | "same";
  urn: string;
  type: ResourceType;
  /** The resource's name (the URN's last part). */
  name: string;
  oldId?: string;
  oldInputs: Record<string, unknown>;
  oldOutputs: Record<string, unknown>;
  newInputs: Record<string, unknown>;
  /** Property → URNs of the resources its value came from. */
  dependencies: Record<string, string[]>;
}

/** A parsed preview. */
export interface Preview {
  steps: PreviewStep[];
  /** Errors the preview reported (a failed preview plans only part of the change). */
  errors: string[];
  /** Steps of other packages, counted. */
  otherSteps: number;
}

function invalid(file: string, problem: string): SecgroupsError {
  return new SecgroupsError("SG_INVALID_INPUT", {
    property: "FILE", problem, value: file,
    allowed: "the JSON that `pulumi preview --json` prints", fix: "run `pulumi preview --json > preview.json` and pass that file",
  });
}

const object = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? v as Record<string, unknown> : {});

/** Parses `text` (the preview's JSON); SG_INVALID_INPUT naming `file` when it is not a preview. */
export function parsePreview(text: string, file: string): Preview {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw invalid(file, `the preview file is not JSON (${(err as Error).message})`);
  }
  const top = object(data);
  if (!Array.isArray(top.steps)) throw invalid(file, "the preview file has no steps array: it is not the output of `pulumi preview --json`");
  const steps: PreviewStep[] = [];
  let otherSteps = 0;
  for (const raw of top.steps) {
    const s = object(raw);
    const oldState = object(s.oldState);
    const newState = object(s.newState);
    const token = String(newState.type ?? oldState.type ?? "");
    const type = token.startsWith(TYPE_PREFIX) ? token.slice(TYPE_PREFIX.length) : "";
    const op = String(s.op);
    if (!(TYPES as readonly string[]).includes(type) || !["create", "update", "delete", "replace", "same"].includes(op)) {
      if (op !== "same") otherSteps++;
      continue;
    }
    const urn = String(s.urn);
    const deps: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(object(newState.propertyDependencies))) if (Array.isArray(v)) deps[k] = v.map(String);
    steps.push({
      op: op as PreviewStep["op"], urn, type: type as ResourceType, name: urn.slice(urn.lastIndexOf("::") + 2),
      ...(typeof oldState.id === "string" ? { oldId: oldState.id } : {}),
      oldInputs: object(oldState.inputs), oldOutputs: object(oldState.outputs), newInputs: object(newState.inputs), dependencies: deps,
    });
  }
  const errors = (Array.isArray(top.diagnostics) ? top.diagnostics : []).map(object).filter((d) => d.severity === "error").map((d) => String(d.message).trim());
  return { steps, errors, otherSteps };
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
  const changes: ChangeLine[] = [];
  ensureDefaultGroups(model, profile);
  const builtin = profile.builtinNetworks.map((n) => ({ id: n.id, name: n.name, subnets: n.subnets }));
  for (const n of builtin) if (!model.networks.some((m) => m.id === n.id)) model.networks.push(n);

  // Ids of the resources this preview creates: a placeholder per URN.
  const created = new Map<string, string>();
  for (const s of preview.steps) if (s.op === "create" || s.op === "replace") created.set(s.urn, `new:${s.name}`);
  const resolve = (s: PreviewStep, prop: string, value: unknown, index?: number): string | undefined => {
    if (value !== UNKNOWN) return typeof value === "string" ? value : undefined;
    const deps = (s.dependencies[prop] ?? []).filter((u) => created.has(u));
    const pick = index !== undefined ? deps[index] : deps.length === 1 ? deps[0] : undefined;
    if (pick) return created.get(pick);
    knownAfterApply.push(`${s.type} ${s.name}: ${prop}${index !== undefined ? `[${index}]` : ""} is known only after apply and names no single resource of this preview`);
    return undefined;
  };
  const groupRef = (idOrName: string | undefined) => (idOrName === undefined ? undefined : model.groups.find((g) => g.id === idOrName) ?? model.groups.find((g) => g.name === idOrName));
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
          if (group) detach(model, profile, group.id, portIds);
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
      const id = s.op === "update" ? s.oldId ?? `new:${s.name}` : created.get(s.urn)!;
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
          const launch = launchGroups(s, inputs, profile, model, resolve, groupRef);
          const ports: ModelPort[] = nets.map((n, i) => {
            const ref = resolve(s, "networks", n, nets.filter((x) => x === UNKNOWN).length > 1 ? nets.slice(0, i).filter((x) => x === UNKNOWN).length : undefined);
            const network = model.networks.find((x) => x.id === ref) ?? model.networks.find((x) => x.name === ref);
            if (ref !== undefined && !network) knownAfterApply.push(`Server ${s.name}: networks[${i}] ${showValue(ref)} is neither in the backend nor made by this preview`);
            const name = network?.name ?? "(known after apply)";
            const attachable = profile.attachableNetworks === undefined || profile.attachableNetworks.includes(name);
            return { id: `new:${s.name}:${network?.name ?? i}`, networkId: network?.id ?? `unknown:${i}`, networkName: name, fixedIp: null, securityGroupIds: attachable ? [...launch] : [] };
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
            if (old && group) {
              for (const p of model.servers.flatMap((x) => x.ports).filter((p) => portIds.includes(p.id))) {
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
            knownAfterApply.push(`ServerAttachment ${s.name}: network is known only after apply, so which ports get ${group.name} is too (not evaluated)`);
            detail = `${group.name} on ${server.name} (network known after apply)`;
            break;
          }
          const network = typeof inputs.network === "string" ? inputs.network : undefined;
          attach(server, group, network, profile, model);
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
  return { model, changes, knownAfterApply: [...new Set(knownAfterApply)] };
}

/** The inputs of a rule that say what traffic it allows (besides its group and remote group or subnet). */
const RULE_TRAFFIC_FIELDS = ["direction", "ethertype", "protocol", "portRangeMin", "portRangeMax", "remoteIpPrefix"] as const;

/** A rule from a step's (canonical) inputs or outputs, with its ids already resolved. */
function ruleOf(id: string, f: Record<string, unknown> & { securityGroupId: string; remoteGroupId: string | null; remoteSubnetId: string | null }): PlannedRule {
  return {
    id,
    securityGroupId: f.securityGroupId,
    direction: f.direction === "egress" ? "egress" : "ingress",
    ethertype: f.ethertype === "IPv6" ? "IPv6" : "IPv4",
    protocol: typeof f.protocol === "string" && f.protocol !== "any" ? f.protocol : null,
    portRangeMin: typeof f.portRangeMin === "number" ? f.portRangeMin : null,
    portRangeMax: typeof f.portRangeMax === "number" ? f.portRangeMax : null,
    remoteIpPrefix: typeof f.remoteIpPrefix === "string" ? f.remoteIpPrefix : null,
    remoteGroupId: f.remoteGroupId,
    remoteSubnetId: f.remoteSubnetId,
    description: typeof f.description === "string" ? f.description : "",
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
    d.rules.forEach(({ remoteMembers, ...r }, i) => model.rules.push({ ...r, id: `${id}:${i}`, securityGroupId: id, remoteGroupId: remoteMembers ? id : null }));
  }
}

/** The rules a new group gets under the profile. */
function newGroupRules(groupId: string, name: string, profile: Profile): PlannedRule[] {
  return profile.newGroupRules.map((r) => ({
    id: `new:${name}:default-${r.direction}-${r.ethertype}`, securityGroupId: groupId, direction: r.direction, ethertype: r.ethertype,
    protocol: null, portRangeMin: null, portRangeMax: null, remoteIpPrefix: null, remoteGroupId: null, remoteSubnetId: null, description: "", isDefault: true,
  }));
}

/** The groups a new server's ports get at launch: the given ones, or the profile's launch group. */
function launchGroups(
  s: PreviewStep, inputs: Record<string, unknown>, profile: Profile, model: ExposureModel,
  resolve: (s: PreviewStep, prop: string, value: unknown, index?: number) => string | undefined,
  groupRef: (v: string | undefined) => ModelGroup | undefined,
): string[] {
  if (!Array.isArray(inputs.securityGroupIds)) {
    const launch = profile.groupsAtLaunch && profile.launchGroup ? model.groups.find((g) => g.name === profile.launchGroup) : undefined;
    return launch ? [launch.id] : [];
  }
  const list = inputs.securityGroupIds;
  const unknowns = list.filter((x) => x === UNKNOWN).length;
  return list.map((v, i) => groupRef(resolve(s, "securityGroupIds", v, unknowns > 1 ? list.slice(0, i).filter((x) => x === UNKNOWN).length : undefined))?.id)
    .filter((id): id is string => id !== undefined);
}

/** Attaches `group` to the server's ports on `network` (or every attachable one), dropping the fallback group. */
function attach(server: ModelServer, group: ModelGroup, network: string | undefined, profile: Profile, model: ExposureModel): void {
  const fallback = profile.fallbackGroup ? model.groups.find((g) => g.name === profile.fallbackGroup) : undefined;
  const ports = server.ports.filter((p) => network === undefined
    ? profile.attachableNetworks === undefined || profile.attachableNetworks.includes(p.networkName)
    : p.networkName === network || p.networkId === network);
  for (const p of ports) {
    if (!p.securityGroupIds.includes(group.id)) p.securityGroupIds.push(group.id);
    if (fallback && group.id !== fallback.id) p.securityGroupIds = p.securityGroupIds.filter((g) => g !== fallback.id);
  }
}

/** Takes `groupId` off `portIds`, restoring the fallback group on a port left without any. */
function detach(model: ExposureModel, profile: Profile, groupId: string, portIds: readonly string[]): void {
  const fallback = profile.fallbackGroup ? model.groups.find((g) => g.name === profile.fallbackGroup) : undefined;
  for (const p of model.servers.flatMap((s) => s.ports).filter((x) => portIds.includes(x.id))) {
    p.securityGroupIds = p.securityGroupIds.filter((g) => g !== groupId);
    if (fallback && !p.securityGroupIds.length) p.securityGroupIds.push(fallback.id);
  }
}

/** `ingress IPv4 tcp 22 from 0.0.0.0/0 in group admin-ssh`. */
function describeRule(r: ModelRule, groupName: (id: string) => string): string {
  const remote = r.remoteIpPrefix ?? (r.remoteGroupId !== null ? `group ${groupName(r.remoteGroupId)}` : r.remoteSubnetId !== null ? `subnet ${r.remoteSubnetId}` : "any (no remote)");
  return `${r.direction} ${r.ethertype} ${describeTraffic(ruleTraffic(r))} ${r.direction === "ingress" ? "from" : "to"} ${remote} in group ${groupName(r.securityGroupId)}`;
}

/** What a deleted resource was. */
function describeOld(s: PreviewStep, groupName: (id: string) => string, serverName: (id: string) => string): string {
  const o = { ...s.oldInputs, ...s.oldOutputs };
  if (s.type === "ServerAttachment") return `${groupName(String(o.securityGroupId ?? ""))} off ${Array.isArray(o.portIds) ? o.portIds.length : 0} port(s) of server ${serverName(String(o.serverId ?? ""))}`;
  if (s.type !== "SecurityGroupRule") return typeof o.name === "string" ? o.name : s.oldId ?? "";
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  return describeRule(ruleOf(s.oldId ?? "", { ...o, securityGroupId: String(o.securityGroupId ?? ""), remoteGroupId: str(o.remoteGroupId), remoteSubnetId: str(o.remoteSubnetId) }), groupName);
}

const OP_SIGN: Record<PreviewStep["op"], string> = { create: "+ create", update: "~ update", delete: "- delete", replace: "+- replace", same: "same" };

/** One line per kind of traffic opened or closed, naming every rule behind it. */
function changeLines(port: PortChange): string[] {
  const lines = (verb: string, changes: PortChange["opened"]) => {
    const merged = new Map<string, string[]>();
    for (const c of changes) {
      const what = `${c.direction} ${c.family} ${c.traffic} ${c.direction === "ingress" ? "from" : "to"} ${c.remote}`;
      merged.set(what, [...(merged.get(what) ?? []), ruleLabel(c)]);
    }
    return [...merged].map(([what, rules]) => `- ${verb} ${markdownText(what)} (${markdownText(rules.join("; "))})`);
  };
  return [...lines("**opens**", port.opened), ...lines("closes", port.closed)];
}

function verdict(failOn: Severity | undefined, failing: number): string {
  if (failOn === undefined) return "";
  return failing ? `**--fail-on ${failOn}: fails** (${failing} new finding${failing > 1 ? "s" : ""} at ${failOn} or worse)` : `--fail-on ${failOn}: passes`;
}

/** The Markdown report for a pull-request comment. */
export function previewReportMarkdown(preview: Preview, planned: PlannedState, diff: ExposureDiff, failOn: Severity | undefined, failing: number): string {
  const out = ["## Security groups: what this change opens and closes", ""];
  out.push(`${planned.changes.length} change${planned.changes.length === 1 ? "" : "s"} to security groups, rules, servers and attachments; ` +
    `new findings: ${severityCounts(diff.newFindings)}; resolved: ${severityCounts(diff.resolvedFindings)}.${failOn ? ` ${verdict(failOn, failing)}.` : ""}`);
  if (preview.errors.length) {
    out.push("", "**The preview failed**, so this report covers only what it planned before the error:", "", ...preview.errors.map((e) => `- ${markdownText(e.split("\n")[0]!)}`));
  }
  out.push("", "### Changes", "");
  out.push(planned.changes.length
    ? mdTable({ headers: ["Op", "Type", "Name", "Detail"], rows: planned.changes.map((c) => [OP_SIGN[c.op], c.type, c.name, c.detail]) })
    : "None.");
  out.push("", "### Opened and closed, per server port", "");
  if (!diff.ports.length) out.push("Nothing: every port allows exactly what it allowed before.", "");
  for (const p of diff.ports) {
    const status = p.status === "added" ? " (new port)" : p.status === "removed" ? " (removed)" : "";
    out.push(`**${markdownText(portLabel(p))}**${status}`, "", ...changeLines(p), "");
  }
  out.push("### New findings", "");
  out.push(diff.newFindings.length ? mdTable(findingsTable(diff.newFindings)) : "None.");
  if (diff.resolvedFindings.length) out.push("", "### Findings this change resolves", "", mdTable(findingsTable(diff.resolvedFindings)));
  if (planned.knownAfterApply.length) out.push("", "### Known after apply", "", ...planned.knownAfterApply.map((k) => `- ${markdownText(k)}`));
  out.push("", "_Security groups only: routing and floating IPs are not modelled. Fixed IPs of new servers are known after apply._");
  return out.join("\n").replace(/\n{3,}/g, "\n\n");
}

/** `secgroups preview-report --format json`. */
export function previewReportJson(preview: Preview, planned: PlannedState, diff: ExposureDiff, failOn: Severity | undefined, failing: number) {
  return {
    errors: preview.errors,
    changes: planned.changes,
    ports: diff.ports.map((p) => ({
      server: p.serverName, network: p.networkName, fixedIp: p.fixedIp, status: p.status,
      opened: p.opened.map(({ addresses: _a, ...c }) => c),
      closed: p.closed.map(({ addresses: _a, ...c }) => c),
    })),
    newFindings: diff.newFindings,
    resolvedFindings: diff.resolvedFindings,
    knownAfterApply: planned.knownAfterApply,
    ...(failOn ? { failOn, failing } : {}),
  };
}
