/**
 * The policy pack `pulumi-secgroups` (directory policy/ of the package): `pulumi preview
 * --policy-pack node_modules/pulumi-secgroups/policy`. It judges what the program plans with the
 * exposure engine `secgroups exposure` and `preview-report` use — every group of a port together,
 * remote groups resolved to their members, replies of stateful groups — and reports each finding
 * as a violation of the policy named after its code, with its severity, server, port, group, rule
 * and fix. Two resource policies check what one resource shows on its own.
 *
 * Enforcement: each policy's level is set in the pack's config (`--policy-pack-config FILE`:
 * `{"secgroups-admin-port-from-internet": "advisory", "secgroups-unused-group": "disabled"}`); by
 * default what opens a port to the whole internet is mandatory, the rest advisory (MANDATORY).
 * Values unknown at preview are never guessed: what depends on them is left to the preview after apply.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  PolicyPack,
  type EnforcementLevel,
  type PolicyResource,
  type ResourceValidationArgs,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";
import {
  ADMIN_PORTS,
  adminPortsOpenedBy,
  egressToInternet,
  findingsOf,
  portsWithoutGroup,
  type AdminPort,
  type Finding,
  type FindingCode,
  type Severity,
} from "../domain/findings";
import { describeTraffic, evaluateExposure, ruleTraffic } from "../domain/exposure";
import { programPlan, type ProgramPlan, type ProgramResource } from "../domain/programPlan";
import { resourceTypeOf, ruleReach } from "../domain/plan";
import { PROTOCOL_NUMBERS, protocolNumber } from "../domain/protocols";
import { UNKNOWN } from "../domain/unknown";
import type { Profile } from "../domain/profiles";
import { BUILTIN_PROFILES, loadProfile } from "../profileLoader";
import * as path from "node:path";
import { SETTING_KEYS, resolveSettings, type RawConfig } from "../settings";
import { visibleText } from "../text";
import { SecgroupsError } from "../errors";

/** The policy pack's name, and the prefix of its policies. */
export const PACK_NAME = "pulumi-secgroups";

/** The findings a stack policy reports, with the worst severity each can have. */
const FINDING_POLICIES: ReadonlyArray<{ code: FindingCode; worst: Severity; description: string }> = [
  { code: "any-protocol-from-internet", worst: "critical", description: "No port lets the whole internet send it every protocol." },
  { code: "all-ports-from-internet", worst: "high", description: "No port lets the whole internet reach all its TCP or UDP ports." },
  {
    code: "admin-port-from-internet",
    worst: "high",
    description: "No admin or data port (SSH, RDP, databases, …) open to the whole internet, whichever rules open it together.",
  },
  { code: "group-chain-to-internet", worst: "high", description: "No port reachable from the internet through a chain of remote groups." },
  { code: "rule-without-remote", worst: "medium", description: "Every ingress rule names its remote: no remote means any source." },
  { code: "unused-group", worst: "low", description: "Every group is attached somewhere or named by a rule." },
];

/**
 * The findings that fail a preview unless the pack's config says otherwise: what opens a port to
 * the whole internet. Chains through remote groups (the classic web/app/db tiers have them), rules
 * without a remote and unused groups warn.
 */
const MANDATORY: ReadonlySet<FindingCode> = new Set(["any-protocol-from-internet", "all-ports-from-internet", "admin-port-from-internet"]);

/**
 * The stack's settings the pack needs: the profile and the project, from the stack's config
 * (`secgroups:*`, which the engine hands the pack) and the environment, as the provider resolves
 * them (resolveSettings). A pack does not learn the program's directory, so a profile file must be
 * named by an absolute path (SG_PROFILE_INVALID otherwise).
 */
function stackProfile(): { profile: Profile; project: string } {
  const config = new pulumi.Config("secgroups");
  const raw: RawConfig = {};
  for (const k of Object.values(SETTING_KEYS)) raw[k.config] = config.get(k.config.slice("secgroups:".length));
  const settings = resolveSettings(raw, process.env, process.cwd());
  if (!(settings.profile in BUILTIN_PROFILES) && !path.isAbsolute(settings.profile)) {
    throw new SecgroupsError("SG_PROFILE_INVALID", {
      property: "secgroups:profile",
      problem: `the ${PACK_NAME} policy pack cannot resolve a relative profile path (it does not learn the program's directory)`,
      value: settings.profile,
      allowed: `a built-in profile (${Object.keys(BUILTIN_PROFILES).join(", ")}) or an absolute path to a profile file`,
      fix: "name the profile file by its absolute path in the stack's config",
    });
  }
  return { profile: loadProfile(settings.profile, process.cwd()), project: settings.project };
}

/** Runs a policy's check; a refusal of ours (bad config, a profile that cannot load) becomes a violation naming it, never a trace. */
function reported(check: () => void, reportViolation: (message: string) => void): void {
  try {
    check();
  } catch (err) {
    if (!(err instanceof SecgroupsError)) throw err;
    reportViolation(visibleText(err.message));
  }
}

/**
 * @pulumi/policy's sentinels for values unknown at preview, one per type (the string one is ours);
 * read from the framework, whose proxy module exports them.
 */
const FRAMEWORK = require("@pulumi/policy/proxy") as Record<string, string>;
const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set(
  [
    "unknownBooleanValue",
    "unknownNumberValue",
    "unknownStringValue",
    "unknownArrayValue",
    "unknownAssetValue",
    "unknownArchiveValue",
    "unknownObjectValue",
  ].map((k) => FRAMEWORK[k]!),
);

/** A value as the engine sent it, with the framework's sentinels for unknown values as ours. */
function plain(value: unknown): unknown {
  if (typeof value === "string" && UNKNOWN_SENTINELS.has(value)) return UNKNOWN;
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

/** A resource's properties without the framework's unknown-checking proxy (we handle unknown values). */
function propsOf(props: Record<string, unknown>): Record<string, unknown> {
  const target = props[FRAMEWORK.getSpecialProxyTarget!] as Record<string, unknown> | undefined;
  return plain(target ?? props) as Record<string, unknown>;
}

/** The program's resources as the planner takes them. */
function programResources(resources: readonly PolicyResource[]): ProgramResource[] {
  return resources.map((r) => ({
    type: r.type,
    urn: r.urn,
    name: r.name,
    props: propsOf(r.props),
    propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies ?? {}).map(([k, deps]) => [k, deps.map((d) => d.urn)])),
  }));
}

/** `tcp/22`, `udp/161` → admin ports; an entry that is no such pair is an error naming it. */
export function parseAdminPorts(entries: readonly string[]): AdminPort[] {
  const parsed = entries.map((entry) => {
    const m = /^([a-z0-9-]+)\/(\d{1,5})$/i.exec(entry.trim());
    // A protocol name Neutron knows (tcp, udp, …) or a number 0-255.
    const name = m?.[1]!.toLowerCase() ?? "";
    const protocol = /^\d{1,3}$/.test(name) ? Number(name) : name in PROTOCOL_NUMBERS ? protocolNumber(name) : undefined;
    const port = m ? Number(m[2]) : NaN;
    return protocol === undefined || protocol > 255 || !(port >= 0 && port <= 65535) ? entry : { protocol, port, service: entry.trim() };
  });
  const bad = parsed.filter((p): p is string => typeof p === "string");
  if (bad.length) {
    throw new SecgroupsError("SG_INVALID_INPUT", {
      property: "adminPorts",
      problem: `${bad.length === 1 ? "an entry" : `${bad.length} entries`} of the ${PACK_NAME} policy pack's config ${bad.length === 1 ? "is" : "are"} not PROTOCOL/PORT`,
      value: bad.length === 1 ? bad[0] : bad,
      allowed: 'a protocol name and a port 0-65535, e.g. "tcp/22", "udp/161"',
      fix: "correct the entry in the file given with --policy-pack-config",
    });
  }
  return parsed as AdminPort[];
}

/** Config of the policies that judge admin ports. */
interface AdminConfig {
  adminPorts?: string[];
  allowedAdminCidrs?: string[];
}

const ADMIN_CONFIG_SCHEMA = {
  properties: {
    adminPorts: {
      type: "array" as const,
      items: { type: "string" as const, pattern: "^\\s*[A-Za-z0-9-]+/[0-9]{1,5}\\s*$" },
      description: `Admin and data ports as PROTOCOL/PORT (default: ${ADMIN_PORTS.map((p) => `${p.protocol === 6 ? "tcp" : "udp"}/${p.port}`).join(", ")}).`,
    },
    allowedAdminCidrs: {
      type: "array" as const,
      items: { type: "string" as const, pattern: "^[0-9A-Fa-f:.]+/[0-9]{1,3}$" },
      description:
        "CIDRs admin ports may be opened to (a bastion, a VPN); with them, a rule opening an admin port to any other public address is a violation.",
    },
  },
};

/** The plan of a stack's resources and its findings (each stack policy computes them: the framework hands each its own resources). */
function findingsOfStack(resources: readonly PolicyResource[], adminPorts?: readonly AdminPort[]): { plan: ProgramPlan; findings: Finding[] } {
  const { profile, project } = stackProfile();
  const plan = programPlan(programResources(resources), profile, project);
  const findings = findingsOf({
    model: plan.model,
    accesses: evaluateExposure(plan.model),
    defaultGroupNames: profile.defaultGroups.map((g) => g.name),
    quotas: {},
    ...(adminPorts ? { adminPorts } : {}),
  });
  return { plan, findings };
}

/** A finding as a violation: severity, what and where, the fix (names shown safely). */
export function violationText(f: Finding): string {
  // A resource the preview creates has a placeholder id, new:<resource name>: shown as its name.
  return visibleText(`[${f.severity}] ${f.message}; fix: ${f.fix}`.replace(/\bnew:([^\s,;()]+)/g, "$1"));
}

function findingPolicy(spec: (typeof FINDING_POLICIES)[number]): StackValidationPolicy {
  const admin = spec.code === "admin-port-from-internet";
  return {
    name: `secgroups-${spec.code}`,
    description: spec.description,
    severity: spec.worst,
    enforcementLevel: (MANDATORY.has(spec.code) ? "mandatory" : "advisory") as EnforcementLevel,
    ...(admin ? { configSchema: { properties: { adminPorts: ADMIN_CONFIG_SCHEMA.properties.adminPorts } } } : {}),
    validateStack: (args, reportViolation) =>
      reported(() => {
        const config = admin ? args.getConfig<AdminConfig>() : {};
        const adminPorts = config.adminPorts ? parseAdminPorts(config.adminPorts) : undefined;
        const { plan, findings } = findingsOfStack(args.resources, adminPorts);
        for (const f of findings.filter((x) => x.code === spec.code)) {
          const urn = (f.ruleId && plan.urnOf.get(f.ruleId)) || (f.groupId && plan.urnOf.get(f.groupId)) || undefined;
          reportViolation(violationText(f), urn);
        }
      }, reportViolation),
  };
}

/** The rules a resource holds: a SecurityGroupRule's own fields, or a group's inline rules. */
function rulesOf(type: string, props: Record<string, unknown>): Record<string, unknown>[] {
  if (type === "SecurityGroupRule") return [props];
  if (type === "SecurityGroup" && Array.isArray(props.rules))
    return props.rules.filter((r): r is Record<string, unknown> => !!r && typeof r === "object");
  return [];
}

/** A rule's reach, or undefined while any of it is unknown (never guessed). */
function reachOf(rule: Record<string, unknown>) {
  const fields = ["direction", "ethertype", "protocol", "portRangeMin", "portRangeMax", "remoteIpPrefix", "remoteGroupId", "remoteSubnetId"];
  if (fields.some((f) => rule[f] === UNKNOWN)) return undefined;
  const text = (v: unknown) => (typeof v === "string" ? v : null);
  return { ...ruleReach(rule), remoteGroupId: text(rule.remoteGroupId), remoteSubnetId: text(rule.remoteSubnetId) };
}

const adminRule: ResourceValidationPolicy = {
  name: "secgroups-admin-port-rule",
  description:
    "No rule opens an admin or data port to the whole internet (or, with allowedAdminCidrs, to any public address outside them) — no remote counts as the whole internet, a rule without ports as every port.",
  severity: "high",
  enforcementLevel: "mandatory",
  configSchema: ADMIN_CONFIG_SCHEMA,
  validateResource: (args, reportViolation) => reported(() => checkAdminRule(args, reportViolation), reportViolation),
};

function checkAdminRule(args: ResourceValidationArgs, reportViolation: (message: string) => void): void {
  const config = args.getConfig<AdminConfig>();
  const adminPorts = config.adminPorts ? parseAdminPorts(config.adminPorts) : ADMIN_PORTS;
  for (const v of adminRuleViolations(args.type, args.name, propsOf(args.props), adminPorts, config.allowedAdminCidrs ?? [])) reportViolation(v);
}

/** Where rule `i` of a resource is, in a message: `rule ssh`, `rules[2] of group web`. */
function placeOf(type: string, name: string, i: number): string {
  return type === "SecurityGroup" ? `rules[${i}] of group ${name}` : `rule ${name}`;
}

/** The admin-port violations of one resource (a rule, or a group's inline rules); pure. */
export function adminRuleViolations(
  token: string,
  name: string,
  props: Record<string, unknown>,
  adminPorts: readonly AdminPort[] = ADMIN_PORTS,
  allowedCidrs: readonly string[] = [],
): string[] {
  const type = resourceTypeOf(token);
  if (!type) return [];
  return rulesOf(type, props).flatMap((rule, i) => {
    const reach = reachOf(rule);
    const opened = reach ? adminPortsOpenedBy(reach, adminPorts, allowedCidrs) : [];
    if (!reach || !opened.length) return [];
    const to = allowedCidrs.length ? `: ${allowedCidrs.join(", ")}` : "";
    return [
      visibleText(
        `[high] ${placeOf(type, name, i)} opens ${opened.map((p) => p.service).join(", ")} to ${reach.remoteIpPrefix ?? "anywhere (no remote)"}; fix: allow it only from the networks that need it (a bastion or VPN CIDR${to}, or a remote group)`,
      ),
    ];
  });
}

/** The public-egress violations of one resource (a rule, or a group's inline rules); pure. */
export function egressViolations(token: string, name: string, props: Record<string, unknown>): string[] {
  const type = resourceTypeOf(token);
  if (!type) return [];
  return rulesOf(type, props).flatMap((rule, i) => {
    const reach = reachOf(rule);
    if (!reach || !egressToInternet(reach)) return [];
    return [
      visibleText(
        `[low] ${placeOf(type, name, i)} lets ${describeTraffic(ruleTraffic(reach))} out to the whole internet (${reach.remoteIpPrefix ?? "no remote"}); fix: allow only the destinations the servers need`,
      ),
    ];
  });
}

/** The description violation of one resource (a group without description), if any; pure. */
export function descriptionViolation(token: string, name: string, props: Record<string, unknown>): string | undefined {
  if (resourceTypeOf(token) !== "SecurityGroup") return undefined;
  const description = props.description;
  if (description === UNKNOWN || (typeof description === "string" && description.trim() !== "")) return undefined;
  return visibleText(`[low] group ${name} has no description; fix: say what the group is for in its description`);
}

const groupDescription: ResourceValidationPolicy = {
  name: "secgroups-group-description",
  description: "Every security group says what it is for (its description).",
  severity: "low",
  enforcementLevel: "advisory",
  validateResource: (args, reportViolation) => {
    const v = descriptionViolation(args.type, args.name, propsOf(args.props));
    if (v) reportViolation(v);
  },
};

const egressRule: ResourceValidationPolicy = {
  name: "secgroups-egress-to-internet",
  description: "No rule the program writes lets traffic out to the whole internet (the cloud's own default egress rules aside).",
  severity: "low",
  enforcementLevel: "advisory",
  validateResource: (args, reportViolation) => {
    for (const v of egressViolations(args.type, args.name, propsOf(args.props))) reportViolation(v);
  },
};

/** The server-without-group violations of a program's planned model; pure. */
export function serverWithoutGroupViolations(plan: ProgramPlan): string[] {
  return portsWithoutGroup(plan.model).map((p) =>
    visibleText(
      `[medium] ${p.serverName} (${p.networkName} ${p.fixedIp ?? "address known after apply"}) carries no security group; fix: attach a group that allows only what the server serves`,
    ),
  );
}

const serverWithoutGroup: StackValidationPolicy = {
  name: "secgroups-server-without-group",
  description: "Every server port on a network that takes groups carries at least one.",
  severity: "medium",
  enforcementLevel: "advisory",
  validateStack: (args, reportViolation) =>
    reported(() => {
      for (const v of serverWithoutGroupViolations(findingsOfStack(args.resources).plan)) reportViolation(v);
    }, reportViolation),
};

/** Every policy of the pack. */
export const POLICIES = [adminRule, groupDescription, egressRule, serverWithoutGroup, ...FINDING_POLICIES.map(findingPolicy)];

/** Makes the pack (its module's only effect: the engine loads it). */
export function makePack(): PolicyPack {
  return new PolicyPack(PACK_NAME, { policies: POLICIES });
}
