/**
 * Security group rules: validation against a profile, one canonical form, and one duplicate key.
 * Pure functions over plain data (no I/O). Values unknown at preview (UNKNOWN) are never reported
 * as invalid: checks that need them are skipped and the values pass through unchanged.
 */
import type { SecurityGroupRuleOutputs } from "./schemaTypes";
import { isAnyNetwork, parseCidr, type Family } from "./cidr";
import { ICMP_PROTOCOLS, IPV6_ONLY_PROTOCOLS, PROTOCOL_ALIASES, PROTOCOL_NAMES, PROTOCOL_NUMBERS, protocolNumber } from "./protocols";
import type { Profile } from "./profiles";
import { UNKNOWN } from "./unknown";
import { checkFailure, type CheckFailure } from "../errors";
import type { NewRule, RuleRecord } from "./model";

/** Rule inputs as a program gives them (after the schema check, before canonicalisation). */
export interface RuleInput {
  securityGroupId?: unknown;
  direction?: unknown;
  ethertype?: unknown;
  protocol?: unknown;
  portRangeMin?: unknown;
  portRangeMax?: unknown;
  remoteIpPrefix?: unknown;
  remoteGroupId?: unknown;
  remoteSubnetId?: unknown;
  description?: unknown;
}

/**
 * A rule in canonical form: what `check` returns and the backend stores — the rule outputs of
 * schema.json without what only the backend adds (project, timestamps) and the SDK's managedBy.
 */
export type CanonicalRule = Omit<SecurityGroupRuleOutputs, "project" | "createdAt" | "updatedAt" | "managedBy">;

/** The outcome of canonicalising: the rule (possibly holding UNKNOWN values), or every failure. */
export type RuleCheck = { kind: "ok"; rule: Record<string, unknown> } | { kind: "invalid"; failures: CheckFailure[] };

const REMOTE_KINDS = [
  { property: "remoteIpPrefix", kind: "cidr" },
  { property: "remoteGroupId", kind: "group" },
  { property: "remoteSubnetId", kind: "subnet" },
] as const;

function fail(property: string, problem: string, value: unknown, allowed: string, fix?: string): CheckFailure {
  return checkFailure("SG_INVALID_INPUT", { property, subject: true, problem, value, allowed, ...(fix ? { fix } : {}) });
}

function isUnknown(v: unknown): boolean {
  return v === UNKNOWN;
}

type ProtocolResult = { kind: "ok"; protocol: string } | { kind: "unknown" } | { kind: "invalid"; failure: CheckFailure };

/** Canonical protocol of `value` under `profile` (before the IPv6 rewrite of icmp). */
export function canonicalProtocol(value: unknown, profile: Profile): ProtocolResult {
  if (isUnknown(value)) return { kind: "unknown" };
  const allowedNames = `any, ${profile.protocols.join(", ")}${profile.protocolNumbers ? ", or a number 0-255" : ""}`;
  if (value === undefined || value === null) return { kind: "ok", protocol: "any" };
  let name: string | undefined;
  let number: number | undefined;
  if (typeof value === "number") {
    number = value;
  } else if (typeof value === "string") {
    const lower = value.toLowerCase();
    // `any` everywhere; `all` where the profile's cloud calls every protocol so (evroc).
    if (lower === "any" || (lower === "all" && profile.protocols.includes("all"))) return { kind: "ok", protocol: "any" };
    // A number written as text, without leading zeros (Neutron refuses "06").
    if (/^(0|[1-9]\d*)$/.test(lower)) number = Number(lower);
    else name = PROTOCOL_ALIASES[lower] ?? lower;
  } else {
    return { kind: "invalid", failure: fail("protocol", "must be a protocol name or number", value, allowedNames) };
  }
  if (number !== undefined) {
    if (!Number.isInteger(number) || number < 0 || number > 255) {
      return { kind: "invalid", failure: fail("protocol", "is not a protocol number 0-255", value, allowedNames) };
    }
    name = PROTOCOL_NAMES[number];
    if (name === undefined || !profile.protocols.includes(name)) {
      if (profile.protocolNumbers) return { kind: "ok", protocol: String(number) };
      return { kind: "invalid", failure: fail("protocol", `is not allowed by profile ${profile.name}`, value, allowedNames) };
    }
    return { kind: "ok", protocol: name };
  }
  if (name === undefined || PROTOCOL_NUMBERS[name] === undefined || !profile.protocols.includes(name)) {
    const known = name !== undefined && PROTOCOL_NUMBERS[name] !== undefined;
    return {
      kind: "invalid",
      failure: fail("protocol", known ? `is not allowed by profile ${profile.name}` : "is not a known protocol", value, allowedNames),
    };
  }
  return { kind: "ok", protocol: name };
}

/**
 * A canonical protocol as it is in `family` under `profile`: `icmp` on IPv6 is `ipv6-icmp` (where
 * the profile has it); undefined for an IPv6-only protocol on IPv4.
 */
export function protocolForFamily(protocol: string, family: Family, profile: Profile): string | undefined {
  if (family === "IPv6" && protocol === "icmp" && profile.protocols.includes("ipv6-icmp")) return "ipv6-icmp";
  if (family === "IPv4" && IPV6_ONLY_PROTOCOLS.has(protocol)) return undefined;
  return protocol;
}

/**
 * Validates `input` against `profile` and returns the canonical rule, or every failure at once.
 * Call it on inputs that already passed the schema (types and ranges).
 */
export function checkRule(input: RuleInput, profile: Profile): RuleCheck {
  const failures: CheckFailure[] = [];
  const out: Record<string, unknown> = {};

  out.securityGroupId = input.securityGroupId;
  out.direction = input.direction ?? "ingress";

  // Remotes: at most one, of a kind the profile allows; a CIDR parsed strictly. A remote whose
  // value is unknown at preview is present all the same (any value it takes is a second remote, or
  // one of a kind the profile lacks), so those checks run at preview; its value is checked at apply.
  const given = REMOTE_KINDS.filter((r) => input[r.property] !== undefined);
  for (const extra of given.slice(1)) {
    failures.push(
      fail(
        extra.property,
        `cannot be combined with ${given[0]!.property}`,
        input[extra.property],
        "at most one of remoteIpPrefix, remoteGroupId, remoteSubnetId",
        `keep one remote and put the other in a rule of its own`,
      ),
    );
  }
  for (const r of given) {
    if (!profile.remotes.includes(r.kind)) {
      failures.push(
        fail(
          r.property,
          `is not supported by profile ${profile.name}`,
          input[r.property],
          `remotes of kind ${profile.remotes.join(", ")}`,
          r.kind === "group" ? "allow the group's addresses by CIDR instead" : undefined,
        ),
      );
    }
  }
  let cidrFamily: Family | undefined;
  const prefix = input.remoteIpPrefix;
  if (typeof prefix === "string" && !isUnknown(prefix)) {
    const parsed = parseCidr(prefix);
    if (parsed.kind === "invalid") {
      failures.push(
        fail(
          "remoteIpPrefix",
          parsed.problem,
          prefix,
          "an IPv4 or IPv6 network in CIDR notation, or a single address",
          parsed.suggestion ? `did you mean ${parsed.suggestion}?` : "write it like 10.0.0.0/24 or 2001:db8::/32",
        ),
      );
    } else {
      cidrFamily = parsed.family;
      out.remoteIpPrefix = parsed.cidr;
    }
  } else if (prefix !== undefined) {
    out.remoteIpPrefix = prefix;
  }
  if (input.remoteGroupId !== undefined) out.remoteGroupId = input.remoteGroupId;
  if (input.remoteSubnetId !== undefined) out.remoteSubnetId = input.remoteSubnetId;

  // Ethertype: given, or the CIDR's family, or IPv4; a mismatch with the CIDR is refused.
  let ethertype: unknown = input.ethertype;
  if (ethertype === undefined) {
    ethertype = isUnknown(prefix) ? UNKNOWN : (cidrFamily ?? "IPv4");
  } else if (!isUnknown(ethertype) && cidrFamily && ethertype !== cidrFamily) {
    failures.push(
      fail(
        "ethertype",
        `does not match remoteIpPrefix ${String(out.remoteIpPrefix)}, an ${cidrFamily} network`,
        ethertype,
        cidrFamily,
        `set ethertype to ${cidrFamily} or leave it out`,
      ),
    );
  }
  out.ethertype = ethertype;

  // Protocol: canonical name; icmp on IPv6 becomes ipv6-icmp; IPv6-only protocols need IPv6.
  const proto = canonicalProtocol(input.protocol, profile);
  let protocol: string | undefined;
  if (proto.kind === "invalid") failures.push(proto.failure);
  else if (proto.kind === "ok") protocol = proto.protocol;
  if (protocol !== undefined && (ethertype === "IPv4" || ethertype === "IPv6")) {
    const forFamily = protocolForFamily(protocol, ethertype, profile);
    if (forFamily === undefined) {
      failures.push(fail("protocol", "exists only in IPv6", input.protocol, "an IPv4 protocol with ethertype IPv4", "set ethertype to IPv6"));
    } else {
      protocol = forFamily;
    }
  }
  out.protocol = proto.kind === "unknown" ? UNKNOWN : (protocol ?? input.protocol);

  // Ports: only for the profile's port protocols (1-65535, both ends, min <= max; 1-65535 = all),
  // or ICMP type/code where the profile allows it (0-255; a code needs a type). A port unknown at
  // preview is present: what needs only presence (a missing end, a code without a type, ports on a
  // protocol that takes none) is checked at preview, its value at apply.
  const min = input.portRangeMin;
  const max = input.portRangeMax;
  const portsGiven = min !== undefined || max !== undefined;
  const known = (v: unknown): v is number => typeof v === "number";
  const fullRange = min === 1 && max === 65535;
  // 1-65535 (every port) is dropped before validation, as Neutron does; ends unknown at preview
  // that may still be exactly that range are left to apply.
  const mayBeFullRange = (min === 1 || isUnknown(min)) && (max === 65535 || isUnknown(max));
  if (protocol !== undefined && portsGiven && (profile.portProtocols.includes(protocol) || !mayBeFullRange)) {
    if (profile.portProtocols.includes(protocol)) {
      let ok = true;
      if (min === undefined || max === undefined) {
        const missing = min === undefined ? "portRangeMin" : "portRangeMax";
        failures.push(
          fail(
            missing,
            "is required when a port range is given",
            undefined,
            "both portRangeMin and portRangeMax, 1-65535",
            `set ${missing} (for a single port, set both to it)`,
          ),
        );
        ok = false;
      } else {
        for (const [prop, v] of [
          ["portRangeMin", min],
          ["portRangeMax", max],
        ] as const) {
          if (known(v) && (v < 1 || v > 65535)) {
            failures.push(fail(prop, "is outside 1-65535", v, "1-65535"));
            ok = false;
          }
        }
        if (ok && known(min) && known(max) && min > max) {
          failures.push(fail("portRangeMin", `is greater than portRangeMax ${max}`, min, "portRangeMin <= portRangeMax", `swap them: ${max}-${min}`));
          ok = false;
        }
      }
      if (ok && !fullRange) {
        out.portRangeMin = min;
        out.portRangeMax = max;
      }
    } else if (ICMP_PROTOCOLS.has(protocol) && profile.icmpTypeCode) {
      for (const [prop, v] of [
        ["portRangeMin", min],
        ["portRangeMax", max],
      ] as const) {
        if (known(v) && (v < 0 || v > 255))
          failures.push(fail(prop, `is outside 0-255 (the ICMP ${prop === "portRangeMin" ? "type" : "code"})`, v, "0-255"));
      }
      if (min === undefined) {
        failures.push(
          fail(
            "portRangeMax",
            "is an ICMP code without a type",
            max,
            "an ICMP code only together with a type in portRangeMin",
            "set portRangeMin to the ICMP type",
          ),
        );
      }
      if (min !== undefined) out.portRangeMin = min;
      if (max !== undefined) out.portRangeMax = max;
    } else {
      const takes = profile.portProtocols.join(", ") + (profile.icmpTypeCode ? " (ports), icmp (type and code)" : "");
      const prop = min !== undefined ? "portRangeMin" : "portRangeMax";
      failures.push(
        fail(
          prop,
          `cannot be set for protocol ${protocol} under profile ${profile.name}`,
          min !== undefined ? min : max,
          `port ranges only for ${takes}; on another protocol only 1-65535, which means every port (dropped, as Neutron does)`,
          "remove portRangeMin and portRangeMax, or use a protocol that takes ports",
        ),
      );
    }
  } else if (portsGiven && (protocol === undefined || !fullRange)) {
    // The protocol is unknown (or invalid), or ends unknown at preview may be 1-65535: pass the given values through.
    if (min !== undefined) out.portRangeMin = min;
    if (max !== undefined) out.portRangeMax = max;
  }

  out.description = input.description ?? "";
  return failures.length ? { kind: "invalid", failures } : { kind: "ok", rule: out };
}

/**
 * The duplicate key of a canonical rule, with Neutron's semantics: the description is ignored,
 * a protocol compares by number (tcp = 6), and 0.0.0.0/0, ::/0 and no remote are the same.
 */
export function ruleKey(rule: CanonicalRule): string {
  const number = protocolNumber(rule.protocol);
  let remote = "";
  if (rule.remoteIpPrefix !== undefined && !isAnyNetwork(rule.remoteIpPrefix)) remote = `cidr:${rule.remoteIpPrefix}`;
  else if (rule.remoteGroupId !== undefined) remote = `group:${rule.remoteGroupId}`;
  else if (rule.remoteSubnetId !== undefined) remote = `subnet:${rule.remoteSubnetId}`;
  return [
    rule.securityGroupId,
    rule.direction,
    rule.ethertype,
    number === undefined ? "any" : String(number),
    rule.portRangeMin ?? "",
    rule.portRangeMax ?? "",
    remote,
  ].join("|");
}

/** The canonical form of a stored rule (null = any / absent), as `check` would have produced it. */
export function canonicalRuleOf(r: RuleRecord): CanonicalRule {
  return {
    securityGroupId: r.securityGroupId,
    direction: r.direction,
    ethertype: r.ethertype,
    protocol: r.protocol ?? "any",
    ...(r.portRangeMin !== null ? { portRangeMin: r.portRangeMin } : {}),
    ...(r.portRangeMax !== null ? { portRangeMax: r.portRangeMax } : {}),
    ...(r.remoteIpPrefix !== null ? { remoteIpPrefix: r.remoteIpPrefix } : {}),
    ...(r.remoteGroupId !== null ? { remoteGroupId: r.remoteGroupId } : {}),
    ...(r.remoteSubnetId !== null ? { remoteSubnetId: r.remoteSubnetId } : {}),
    description: r.description,
  };
}

/** A canonical rule as the backend stores it (null = any / absent), with its duplicate key. */
export function newRuleOf(c: CanonicalRule): NewRule {
  return {
    securityGroupId: c.securityGroupId,
    direction: c.direction,
    ethertype: c.ethertype,
    protocol: c.protocol === "any" ? null : c.protocol,
    portRangeMin: c.portRangeMin ?? null,
    portRangeMax: c.portRangeMax ?? null,
    remoteIpPrefix: c.remoteIpPrefix ?? null,
    remoteGroupId: c.remoteGroupId ?? null,
    remoteSubnetId: c.remoteSubnetId ?? null,
    description: c.description,
    key: ruleKey(c),
  };
}
