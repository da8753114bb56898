/**
 * The two documents made of a project's exposure report (provider/domain/exposureReport.ts) that
 * stand on their own: JSON and a self-contained HTML page (servers × traffic matrix, findings,
 * every port's rules). Pure: a report in, strings out.
 * `secgroups exposure` prints them (cli/exposureCommands.ts; its terminal table and Markdown are
 * in cli/exposureFormat.ts), and bench/evaluation.ts times them.
 */
import { cidrsOf } from "./domain/addressSet";
import { describeTraffic, UNFILTERED, type Piece, type PortAccess } from "./domain/exposure";
import { describeRemote, matrixCell, matrixColumns, severityCounts, type ExposureReport, type ReachClass } from "./domain/exposureReport";
import { portLabel } from "./domain/findings";
import { htmlText as esc } from "./text";

/** A piece as JSON: readable traffic and remote, the exact numbers; its addresses are under `rules`, once per rule. */
function pieceJson(p: Piece) {
  return {
    direction: p.direction,
    ethertype: p.family,
    traffic: describeTraffic(p),
    protocols: p.protocols,
    ports: p.ports,
    remote: describeRemote(p),
    group: p.groupName,
    groupId: p.groupId,
    rule: p.ruleId,
    ...(p.ruleDescription ? { description: p.ruleDescription } : {}),
  };
}

/** Each rule's resolved remote, once: the addresses as CIDRs and, for a group remote, every member. */
function rulesJson(ports: readonly PortAccess[]) {
  const out: Record<
    string,
    {
      group: string;
      addresses: string[];
      members?: Array<{ server: string; network: string; fixedIp: string | null }>;
      addressesKnownAfterApply?: number;
    }
  > = {};
  for (const p of ports.flatMap((a) => [...a.ingress, ...a.egress])) {
    if (out[p.ruleId] || p.groupName === UNFILTERED) continue;
    out[p.ruleId] = {
      group: p.groupName,
      addresses: cidrsOf(p.addresses),
      ...(p.remote.kind === "group"
        ? { members: p.remote.members.map((m) => ({ server: m.serverName, network: m.networkName, fixedIp: m.fixedIp })) }
        : {}),
      ...(p.remote.kind === "group" && p.remote.members.some((m) => m.fixedIp === null)
        ? { addressesKnownAfterApply: p.remote.members.filter((m) => m.fixedIp === null).length }
        : {}),
    };
  }
  return out;
}

/** `secgroups exposure --format json`. */
export function exposureJson(report: ExposureReport) {
  return {
    profile: report.profile,
    project: report.project,
    ...(report.settingsFrom ? { settingsFrom: report.settingsFrom } : {}),
    ports: report.ports.map((a) => ({
      server: a.serverName,
      serverId: a.serverId,
      status: a.serverStatus,
      network: a.networkName,
      portId: a.portId,
      fixedIp: a.fixedIp,
      stateful: a.stateful,
      unfiltered: a.unfiltered,
      groups: a.groups.map((g) => g.name),
      ingress: a.ingress.map(pieceJson),
      egress: a.egress.map(pieceJson),
    })),
    rules: rulesJson(report.ports),
    findings: report.findings,
  };
}

const REACH_LEGEND: ReadonlyArray<[ReachClass, string]> = [
  ["internet", "the whole internet"],
  ["public", "some public addresses"],
  ["networks", "private or documentation networks"],
  ["members", "only servers of a remote group"],
  ["none", "nobody"],
];

/**
 * `secgroups exposure --format html`: one self-contained page (inline CSS and a small inline
 * script, no external resource): the servers × traffic matrix coloured by who can reach each
 * cell, the findings, and every port's rules.
 */
export function exposureHtml(report: ExposureReport): string {
  const columns = matrixColumns(report.ports);
  const header = columns.map((c) => `<th scope="col">${esc(c.label)}</th>`).join("");
  const rows = report.ports
    .map((a) => {
      const cells = columns
        .map((c) => {
          const cell = matrixCell(a, c);
          return `<td class="reach-${cell.reach}" data-reach="${cell.reach}" data-traffic="${esc(c.label)}" title="${esc(cell.rules.join("\n") || "no rule allows this")}">${esc(cell.label)}</td>`;
        })
        .join("");
      return `<tr data-server="${esc(a.serverName)}" data-network="${esc(a.networkName)}"><th scope="row">${esc(a.serverName)}<br><small>${esc(a.networkName)} ${esc(a.fixedIp ?? "known after apply")}</small></th>${cells}</tr>`;
    })
    .join("\n");
  const findings = report.findings
    .map(
      (f) =>
        `<li class="finding severity-${f.severity}" data-code="${f.code}"><strong>${f.severity}</strong> <code>${f.code}</code> ${esc(f.message)}<br><em>fix:</em> ${esc(f.fix)}</li>`,
    )
    .join("\n");
  const details = report.ports
    .map((a) => {
      const pieces = [...a.ingress, ...a.egress]
        .map(
          (p) =>
            `<tr><td>${p.direction}</td><td>${esc(`${p.family} ${describeTraffic(p)}`)}</td><td>${esc(describeRemote(p))}</td><td>${esc(p.groupName)}</td><td><code>${esc(p.ruleId)}</code></td></tr>`,
        )
        .join("");
      return `<h3>${esc(portLabel(a))}</h3><p>groups: ${esc(a.groups.map((g) => g.name).join(", ") || "none")}; ${a.stateful ? "stateful" : "stateless"}</p><table class="rules"><tr><th>direction</th><th>traffic</th><th>remote</th><th>group</th><th>rule</th></tr>${pieces}</table>`;
    })
    .join("\n");
  const legend = REACH_LEGEND.map(([k, text]) => `<span class="reach-${k}">${text}</span>`).join(" ");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Exposure of project ${esc(report.project)}</title>
<style>
body { font-family: sans-serif; margin: 16px; color: #111; background: #fff; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #999; padding: 4px 8px; font-size: 13px; text-align: left; vertical-align: top; }
#matrix td { min-width: 90px; }
.reach-internet { background: rgb(220, 38, 38); color: #fff; }
.reach-public { background: rgb(249, 115, 22); color: #000; }
.reach-networks { background: rgb(250, 204, 21); color: #000; }
.reach-members { background: rgb(96, 165, 250); color: #000; }
.reach-none { background: rgb(229, 231, 235); color: #555; }
.legend span { padding: 2px 6px; margin-right: 4px; }
.severity-critical strong, .severity-high strong { color: rgb(185, 28, 28); }
</style>
</head>
<body>
<h1>Exposure of project ${esc(report.project)} <small>(profile ${esc(report.profile)})</small></h1>
<p id="summary">${report.ports.length} ports, ${columns.length} kinds of traffic, findings: ${esc(severityCounts(report.findings))}</p>
<p class="legend">${legend}</p>
<table id="matrix">
<tr><th>server / port</th>${header}</tr>
${rows}
</table>
<h2>Findings</h2>
<ul id="findings">
${findings || "<li>none</li>"}
</ul>
<h2>Rules per port</h2>
${details}
<script>
// Counts the matrix's cells by colour into the summary, so a reader (and a headless browser) sees the page rendered.
(function () {
  var counts = {};
  var cells = document.querySelectorAll("#matrix td");
  cells.forEach(function (td) { counts[td.dataset.reach] = (counts[td.dataset.reach] || 0) + 1; });
  var keys = Object.keys(counts).sort();
  var p = document.createElement("p");
  p.id = "cell-counts";
  p.textContent = "cells: " + keys.map(function (k) { return k + " " + counts[k]; }).join(", ");
  document.getElementById("summary").after(p);
  // Where the browser drew each cell (after the line above moved the matrix), for tools that check the picture.
  cells.forEach(function (td) {
    var r = td.getBoundingClientRect();
    td.dataset.rect = [r.left, r.top, r.width, r.height].map(Math.round).join(",");
  });
  document.body.dataset.rendered = "true";
})();
</script>
</body>
</html>
`;
}
