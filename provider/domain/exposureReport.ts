/**
 * The exposure report of a project as a model: every server port's effective access, the findings,
 * the servers × traffic matrix, and the readable forms of its parts that every rendering shares
 * (a remote, a piece of traffic, counts by severity). The renderings are outside the domain: JSON
 * and HTML in provider/exposureReport.ts, the terminal table and Markdown in cli/exposureFormat.ts.
 */
import { coversInternet, describeSet, isEmpty, touchesInternet } from "./addressSet";
import {
  addressesOf,
  describeTraffic,
  evaluateExposure,
  trafficText,
  type ExposureModel,
  type Piece,
  type PortAccess,
  type ResolvedRemote,
} from "./exposure";
import { findingsOf, SEVERITIES, type Finding } from "./findings";
import type { Profile } from "./profiles";

/** What `secgroups exposure` shows. */
export interface ExposureReport {
  profile: string;
  project: string;
  /** Which settings the stack's config gave, when it gave any (`profile, backend from stack dev's config`). */
  settingsFrom?: string;
  ports: PortAccess[];
  findings: Finding[];
}

/** The report of a model: every port's access and the findings. */
export function exposureReport(model: ExposureModel, profile: Profile): ExposureReport {
  const ports = evaluateExposure(model);
  const findings = findingsOf({ model, accesses: ports, defaultGroupNames: profile.defaultGroups.map((g) => g.name), quotas: profile.quotas });
  return { profile: model.profile, project: model.project, ports, findings };
}

/** A remote as people read it: `0.0.0.0/0`, `any (no remote)`, `group web (web-1 203.0.113.2)`, `subnet app-net (10.10.0.0/24)`. */
export function describeRemote(p: Pick<Piece, "remote" | "family">): string {
  return remoteText(p.remote, p.family);
}

/** Members of a remote group named in text; the rest are counted (JSON has them all, once per rule). */
export const MEMBERS_SHOWN = 5;

function remoteText(r: ResolvedRemote, family: string): string {
  switch (r.kind) {
    case "any":
      return `any ${family} (no remote)`;
    case "cidr":
      return r.cidr;
    case "group": {
      const members = r.members.slice(0, MEMBERS_SHOWN).map((m) => `${m.serverName} ${m.fixedIp ?? "(address known after apply)"}`);
      const more = r.members.length > MEMBERS_SHOWN ? ` and ${r.members.length - MEMBERS_SHOWN} more ports` : "";
      return `group ${r.groupName} (${members.length ? members.join(", ") + more : "no ports carry it"})`;
    }
    case "subnet":
      return `subnet ${r.networkName} (${r.subnets.join(", ") || "no subnets"})`;
    default: {
      const never: never = r;
      throw new Error(`unhandled remote ${JSON.stringify(never)}`);
    }
  }
}

/** Counts of findings by severity: `1 critical, 2 high`. */
export function severityCounts(findings: readonly Finding[]): string {
  const counts = new Map<string, number>();
  for (const f of findings) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
  return counts.size
    ? SEVERITIES.filter((s) => counts.has(s))
        .map((s) => `${counts.get(s)} ${s}`)
        .join(", ")
    : "none";
}

/** `IPv4 tcp 22 from 192.0.2.0/24`, or `… to …` for egress. */
export function pieceText(p: Piece): string {
  return trafficText(p.direction, p.family, describeTraffic(p), describeRemote(p));
}

/** Who can reach one cell of the matrix, worst first. */
export type ReachClass = "internet" | "public" | "networks" | "members" | "none";

/** A column of the matrix: one traffic box that some rule opens. */
export interface MatrixColumn {
  label: string;
  protocols: readonly [number, number];
  ports: readonly [number, number];
}

/** One cell: its class, a short label and the rules behind it. */
export interface MatrixCell {
  reach: ReachClass;
  label: string;
  rules: string[];
}

/** The columns: every distinct traffic of an ingress rule on some port, by protocol then port. */
export function matrixColumns(ports: readonly PortAccess[]): MatrixColumn[] {
  const seen = new Map<string, MatrixColumn>();
  for (const p of ports.flatMap((a) => a.ingress)) {
    const key = `${p.protocols.join("-")}/${p.ports.join("-")}`;
    if (!seen.has(key)) seen.set(key, { label: describeTraffic(p), protocols: p.protocols, ports: p.ports });
  }
  const width = (c: MatrixColumn) => c.protocols[1] - c.protocols[0];
  return [...seen.values()].sort(
    (a, b) => width(a) - width(b) || a.protocols[0] - b.protocols[0] || a.ports[0] - b.ports[0] || a.ports[1] - b.ports[1],
  );
}

/** Who can send the whole of `column` to port `a`. */
export function matrixCell(a: PortAccess, column: MatrixColumn): MatrixCell {
  const pieces = a.ingress.filter(
    (p) =>
      p.protocols[0] <= column.protocols[0] &&
      column.protocols[1] <= p.protocols[1] &&
      p.ports[0] <= column.ports[0] &&
      column.ports[1] <= p.ports[1] &&
      !isEmpty(p.addresses),
  );
  const rules = pieces.map((p) => `${p.groupName}: ${pieceText(p)} (rule ${p.ruleId})`);
  if (!pieces.length) return { reach: "none", label: "-", rules };
  const unions = (["IPv4", "IPv6"] as const).map((f) => addressesOf(pieces, f)).filter((u) => !isEmpty(u));
  if (unions.some(coversInternet)) return { reach: "internet", label: "internet", rules };
  if (unions.some(touchesInternet)) {
    return {
      reach: "public",
      label: pieces
        .filter((p) => p.remote.kind !== "group")
        .map((p) => describeSet(p.addresses, 2))
        .join(", "),
      rules,
    };
  }
  const nets = pieces.filter((p) => p.remote.kind === "cidr" || p.remote.kind === "subnet" || p.remote.kind === "any");
  if (nets.length)
    return {
      reach: "networks",
      label: nets.map((p) => (p.remote.kind === "subnet" ? `subnet ${p.remote.networkName}` : describeSet(p.addresses, 2))).join(", "),
      rules,
    };
  return {
    reach: "members",
    label: [...new Set(pieces.map((p) => (p.remote.kind === "group" ? `group ${p.remote.groupName}` : "")))].join(", "),
    rules,
  };
}
