/**
 * Rendering of exposure for the terminal and for pull requests: `secgroups exposure` as a table or
 * Markdown, and `can-reach` answers as text or JSON. The report itself, its JSON and its HTML page
 * are in ../exposureReport.ts. Pure: records in, strings out.
 */
import {
  describeTraffic,
  ruleLabel,
  ICMP_PROTOCOL_NUMBERS,
  PORT_PROTOCOL_NUMBERS,
  type FlowResult,
  type Hop,
  type PortAccess,
} from "../domain/exposure";
import { portLabel, type Finding } from "../domain/findings";
import { describeRemote, pieceText, severityCounts, type ExposureReport } from "../domain/exposureReport";
import type { Table } from "./format";
import { markdownText } from "../text";

/** One row per piece: who may send what to which port. */
export function accessTable(ports: readonly PortAccess[]): Table {
  return {
    headers: ["Server", "Network", "Fixed IP", "Direction", "Traffic", "Remote", "Group", "Rule"],
    rows: ports.flatMap((a) => {
      const pieces = [...a.ingress, ...a.egress];
      if (!pieces.length)
        return [[a.serverName, a.networkName, a.fixedIp ?? "", "-", a.groups.length ? "nothing allowed" : "no groups: nothing allowed", "", "", ""]];
      return pieces.map((p) => [
        a.serverName,
        a.networkName,
        a.fixedIp ?? "",
        p.direction,
        `${p.family} ${describeTraffic(p)}`,
        describeRemote(p),
        p.groupName,
        p.ruleId,
      ]);
    }),
  };
}

/** One row per finding. */
export function findingsTable(findings: readonly Finding[]): Table {
  return {
    headers: ["Severity", "Finding", "Server", "Port", "Group", "Rule", "Message", "Fix"],
    rows: findings.map((f) => [
      f.severity,
      f.code,
      f.serverName ?? "",
      f.networkName ? `${f.networkName} ${f.fixedIp ?? ""}`.trim() : "",
      f.groupName ?? "",
      f.ruleId ?? "",
      f.message,
      f.fix,
    ]),
  };
}

/** A Markdown table; every cell is inert text (`markdownText`), so no name adds markup or a cell. */
export function mdTable(table: Table): string {
  return [
    `| ${table.headers.map(markdownText).join(" | ")} |`,
    `|${table.headers.map(() => "---").join("|")}|`,
    ...table.rows.map((r) => `| ${r.map(markdownText).join(" | ")} |`),
  ].join("\n");
}

/** `secgroups exposure --format md`. */
export function exposureMarkdown(report: ExposureReport): string {
  const out = [
    `## Exposure of project ${markdownText(report.project)} (profile ${markdownText(report.profile)})${report.settingsFrom ? ` — ${markdownText(report.settingsFrom)}` : ""}`,
    "",
    `Findings: ${severityCounts(report.findings)}.`,
  ];
  if (report.findings.length) out.push("", mdTable(findingsTable(report.findings)));
  const servers = [...new Set(report.ports.map((p) => p.serverName))];
  for (const server of servers) {
    const ports = report.ports.filter((p) => p.serverName === server);
    out.push("", `### ${markdownText(server)}`, "", mdTable(accessTable(ports)));
  }
  if (!servers.length) out.push("", "No servers.");
  return out.join("\n");
}

/** `secgroups exposure --format table`. */
export function exposureText(report: ExposureReport, render: (t: Table) => string): string {
  const lines = [
    `Exposure of project ${report.project} (profile ${report.profile})${report.settingsFrom ? ` — ${report.settingsFrom}` : ""}: ${report.ports.length} port${report.ports.length === 1 ? "" : "s"}, findings: ${severityCounts(report.findings)}`,
  ];
  lines.push(render(accessTable(report.ports)));
  if (report.findings.length) lines.push("", render(findingsTable(report.findings)));
  return lines.join("\n");
}

function hopText(h: Hop): string {
  const where = `${h.leg} ${h.direction === "ingress" ? "into" : "out of"} ${portLabel(h.port)}`;
  if (h.returnTraffic) return `${where}: allowed as return traffic (every group on the port is stateful)`;
  const d = h.decision;
  if (d.allowed) return `${where}: allowed by ${d.by.map((p) => `${ruleLabel(p)} (${pieceText(p)})`).join("; ")}`;
  if (d.reason === "dhcp") return `${where}: blocked: DHCP replies sent by a server are always dropped`;
  if (d.reason === "no-groups") return `${where}: blocked: the port has no security group, so nothing is allowed`;
  if (d.reason === "no-address") return `${where}: blocked: the port has no ${h.packet.family} address`;
  const groups = h.port.groups.map((g) => g.name).join(", ");
  const near = d.near.length ? `; closest: ${d.near.map((p) => `${ruleLabel(p)} allows it only from ${describeRemote(p)}`).join("; ")}` : "";
  return `${where}: blocked: no ${h.direction} rule of its groups (${groups}) matches${near}`;
}

/** ` on port 50000` (the client's port) for a reply of a protocol with ports, ` of type 0` for ICMP. */
function replyPorts(h: Hop): string {
  if (PORT_PROTOCOL_NUMBERS.has(h.packet.protocol)) return ` on port ${h.packet.port}`;
  if (ICMP_PROTOCOL_NUMBERS.has(h.packet.protocol)) return ` of type ${Math.floor(h.packet.port / 256)}`;
  return "";
}

/** What `secgroups can-reach` prints: the verdict, then each destination port's hops and the fix when blocked. */
export function canReachText(result: FlowResult, q: { from: string; to: string; traffic: string; protocolName: string }): string {
  const lines = [`${result.allowed ? "allowed" : "blocked"}: ${q.traffic} from ${q.from} to ${q.to}`];
  if (!result.ports.length) lines.push("  the server has no port on that network");
  for (const p of result.ports) {
    lines.push(`  ${portLabel(p.port)}: ${p.allowed ? (p.oneWay ? "allowed one way (replies are blocked)" : "allowed") : "blocked"}`);
    for (const h of p.hops) lines.push(`    ${hopText(h)}`);
    const failed = p.hops.find((h) => !h.decision.allowed);
    if (failed && failed.decision.allowed === false && failed.decision.reason !== "dhcp" && failed.decision.reason !== "no-address") {
      const remote =
        failed.leg === "request"
          ? failed.direction === "ingress"
            ? q.from
            : p.port.fixedIp
          : failed.direction === "egress"
            ? q.from
            : p.port.fixedIp;
      const what =
        failed.leg === "request"
          ? `an ${failed.direction} rule ${q.traffic} ${failed.direction === "ingress" ? "from" : "to"} ${remote}`
          : `an ${failed.direction} rule for the replies, ${q.protocolName} ${failed.direction === "ingress" ? "from" : "to"} ${remote}${replyPorts(failed)} (its groups are stateless)`;
      lines.push(
        `    fix: add ${what} to one of the groups of ${portLabel(failed.port)}${failed.port.groups.length ? ` (${failed.port.groups.map((g) => g.name).join(", ")})` : ""}, or attach a group that has one`,
      );
    }
  }
  return lines.join("\n");
}

/** `secgroups can-reach --format json`. */
export function canReachJson(result: FlowResult, q: { from: string; to: string; traffic: string; protocolName: string }) {
  return {
    verdict: result.allowed ? "allowed" : "blocked",
    from: q.from,
    to: q.to,
    traffic: q.traffic,
    ports: result.ports.map((p) => ({
      server: p.port.serverName,
      network: p.port.networkName,
      fixedIp: p.port.fixedIp,
      verdict: p.allowed ? "allowed" : "blocked",
      oneWay: p.oneWay,
      source: p.source ? { server: p.source.serverName, network: p.source.networkName, fixedIp: p.source.fixedIp } : null,
      hops: p.hops.map((h) => ({
        leg: h.leg,
        direction: h.direction,
        server: h.port.serverName,
        network: h.port.networkName,
        allowed: h.decision.allowed,
        returnTraffic: h.returnTraffic,
        rules: h.decision.allowed
          ? h.decision.by.map((x) => ({ group: x.groupName, rule: x.ruleId, traffic: describeTraffic(x), remote: describeRemote(x) }))
          : [],
        ...(h.decision.allowed
          ? {}
          : { reason: h.decision.reason, closest: h.decision.near.map((x) => ({ group: x.groupName, rule: x.ruleId, remote: describeRemote(x) })) }),
        text: hopText(h),
      })),
    })),
  };
}
