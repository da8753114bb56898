/**
 * What a change opens and closes: the exact difference between two evaluations of a project's
 * exposure (before and after a planned update), per server port and direction, each opened or
 * closed piece tied to the rule that allowed it; and the findings the change adds or resolves.
 * Pure.
 */
import { describeSet, emptySet, type AddressSet } from "./addressSet";
import { boxMinus } from "./boxes";
import { describeTraffic, type Piece, type PortAccess } from "./exposure";
import type { Finding } from "./findings";

/** One piece of access a change opens or closes. */
export interface Change {
  direction: "ingress" | "egress";
  family: Piece["family"];
  /** Protocol numbers and ports (or ICMP type * 256 + code), both ends included, as in a Piece. */
  protocols: readonly [number, number];
  ports: readonly [number, number];
  /** e.g. `tcp 22`. */
  traffic: string;
  /** e.g. `0.0.0.0/0 except 192.0.2.0/24`. */
  remote: string;
  addresses: AddressSet;
  groupName: string;
  ruleId: string;
}

/** The changes of one port (matched by server name and network name, since new servers have no id yet). */
export interface PortChange {
  serverName: string;
  networkName: string;
  fixedIp: string | null;
  /** `added`: a port the change creates; `removed`: one it deletes. */
  status: "added" | "removed" | "changed";
  opened: Change[];
  closed: Change[];
}

/** The result of comparing two evaluations. */
export interface ExposureDiff {
  ports: PortChange[];
  newFindings: Finding[];
  resolvedFindings: Finding[];
}

function portKey(a: Pick<PortAccess, "serverName" | "networkName">): string {
  return `${a.serverName}\u0000${a.networkName}`;
}

/**
 * What a finding is about, and how bad it is: a finding whose key is new is a new finding (so one
 * that got worse is new too). Port findings are about server, network, family and traffic — not
 * the rules behind them, which may change (or be known only after apply) while the exposure stays;
 * chains also about the group of the rule, and group and quota findings about the group's id, so
 * renaming a group changes none of them.
 */
export function findingKey(f: Finding): string {
  const about =
    f.code === "group-chain-to-internet" || f.code === "rule-without-remote" || f.code === "unused-group" || f.code === "near-quota"
      ? (f.groupId ?? "")
      : "";
  return [f.code, f.severity, f.serverName ?? "", f.networkName ?? "", f.family ?? "", f.traffic ?? "", f.quota ?? "", about].join("\u0000");
}

/** The members of a group remote whose fixed IPs are not known yet (servers a preview creates), as `web-1 public`. */
function pendingMembers(p: Piece): string[] {
  return p.remote.kind === "group" ? p.remote.members.filter((m) => m.fixedIp === null).map((m) => `${m.serverName} ${m.networkName}`) : [];
}

/**
 * The pieces of `from` not covered by `by`, attributed to their rules. A group remote whose
 * members' addresses are known only after apply is reported as such, unless `by` has the same rule
 * with the same pending members.
 */
function uncovered(from: readonly Piece[], by: readonly Piece[]): Change[] {
  const out: Change[] = [];
  for (const p of from) {
    for (const part of boxMinus(
      p,
      by.filter((o) => o.direction === p.direction),
    )) {
      out.push({
        direction: p.direction,
        family: p.family,
        protocols: part.protocols,
        ports: part.ports,
        traffic: describeTraffic(part),
        remote: describeSet(part.addresses),
        addresses: part.addresses,
        groupName: p.groupName,
        ruleId: p.ruleId,
      });
    }
    const pending = pendingMembers(p);
    if (pending.length && !by.some((o) => o.ruleId === p.ruleId && pendingMembers(o).join() === pending.join())) {
      out.push({
        direction: p.direction,
        family: p.family,
        protocols: p.protocols,
        ports: p.ports,
        traffic: describeTraffic(p),
        addresses: emptySet(p.family),
        groupName: p.groupName,
        ruleId: p.ruleId,
        remote: `the members of group ${p.remote.kind === "group" ? p.remote.groupName : ""} whose addresses are known after apply (${pending.join(", ")})`,
      });
    }
  }
  return out;
}

/**
 * Compares `before` and `after` (ports and findings): for each port, what `after` allows that
 * `before` did not (opened) and the reverse (closed), in both directions; findings by what they
 * are about (`findingKey`).
 */
export function diffExposure(
  before: { ports: readonly PortAccess[]; findings: readonly Finding[] },
  after: { ports: readonly PortAccess[]; findings: readonly Finding[] },
): ExposureDiff {
  const old = new Map(before.ports.map((a) => [portKey(a), a]));
  const now = new Map(after.ports.map((a) => [portKey(a), a]));
  const ports: PortChange[] = [];
  for (const key of [...new Set([...now.keys(), ...old.keys()])]) {
    const a = now.get(key);
    const b = old.get(key);
    const pieces = (x: PortAccess | undefined) => (x ? [...x.ingress, ...x.egress] : []);
    const opened = uncovered(pieces(a), pieces(b));
    const closed = uncovered(pieces(b), pieces(a));
    if (!opened.length && !closed.length && a && b) continue;
    const ref = (a ?? b)!;
    ports.push({
      serverName: ref.serverName,
      networkName: ref.networkName,
      fixedIp: ref.fixedIp,
      status: !b ? "added" : !a ? "removed" : "changed",
      opened,
      closed,
    });
  }
  ports.sort((x, y) => x.serverName.localeCompare(y.serverName) || x.networkName.localeCompare(y.networkName));
  const beforeKeys = new Set(before.findings.map(findingKey));
  const afterKeys = new Set(after.findings.map(findingKey));
  return {
    ports,
    newFindings: after.findings.filter((f) => !beforeKeys.has(findingKey(f))),
    resolvedFindings: before.findings.filter((f) => !afterKeys.has(findingKey(f))),
  };
}
