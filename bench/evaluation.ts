/**
 * Evaluation scaling: the exposure of a project of N servers (evaluateExposure, findingsOf and the
 * JSON and HTML reports: what `secgroups exposure` computes after reading the backend), timed in
 * process for N = 1 000 and 10 000 (quick: 100 and 1 000), alternating; and the peak RSS of a
 * process that builds the project and its exposure once, per N (a child process each). The project is an openstack one as the examples
 * build it, grown with N: tiers of ten servers, each tier's group letting in the tier before it by
 * group on one of eight service ports, every fifth tier open to the internet on 443, SSH from an
 * admin network on every server, and the project's `default` group (every protocol from its
 * members) on every port, so that group remotes with many members, chains and findings all take
 * part.
 */
import { execFileSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import type { ExposureModel, ModelRule } from "../provider/domain/exposure";
import { type Profile } from "../provider/domain/profiles";
import { loadProfile } from "../provider/profileLoader";
import { exposureReport } from "../provider/domain/exposureReport";
import { exposureHtml, exposureJson } from "../provider/exposureReport";
import { REPO } from "./stack";

/** Servers per tier. */
const TIER = 10;
/** The ports the tiers serve each other on (the services of a typical stack). */
const SERVICE_PORTS = [8080, 8443, 5432, 6379, 9092, 3000, 11211, 9200];

/** The synthetic project of `servers` servers (see the header). */
export function syntheticProject(servers: number): ExposureModel {
  const tiers = Math.ceil(servers / TIER);
  let n = 0;
  const rule = (group: string, f: Partial<ModelRule>): ModelRule => ({
    id: `rule-${String(++n).padStart(6, "0")}`,
    securityGroupId: group,
    direction: "ingress",
    ethertype: "IPv4",
    protocol: null,
    portRangeMin: null,
    portRangeMax: null,
    remoteIpPrefix: null,
    remoteGroupId: null,
    remoteSubnetId: null,
    description: "",
    ...f,
  });
  const groups = [
    { id: "default", name: "default", stateful: true },
    { id: "admin", name: "admin-ssh", stateful: true },
  ];
  const rules: ModelRule[] = [
    rule("default", { remoteGroupId: "default" }),
    rule("default", { ethertype: "IPv6", remoteGroupId: "default" }),
    rule("default", { direction: "egress" }),
    rule("default", { direction: "egress", ethertype: "IPv6" }),
    rule("admin", { protocol: "tcp", portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "192.0.2.0/24" }),
  ];
  for (let t = 0; t < tiers; t++) {
    const id = `tier-${t}`;
    groups.push({ id, name: id, stateful: true });
    rules.push(rule(id, { direction: "egress" }), rule(id, { direction: "egress", ethertype: "IPv6" }));
    if (t % 5 === 0) rules.push(rule(id, { protocol: "tcp", portRangeMin: 443, portRangeMax: 443, remoteIpPrefix: "0.0.0.0/0" }));
    else
      rules.push(
        rule(id, {
          protocol: "tcp",
          portRangeMin: SERVICE_PORTS[t % SERVICE_PORTS.length]!,
          portRangeMax: SERVICE_PORTS[t % SERVICE_PORTS.length]!,
          remoteGroupId: `tier-${t - 1}`,
        }),
      );
  }
  return {
    profile: "openstack",
    project: "bench",
    groups,
    rules,
    servers: Array.from({ length: servers }, (_, i) => ({
      id: `server-${i}`,
      name: `server-${String(i).padStart(5, "0")}`,
      status: "ACTIVE" as const,
      ports: [
        {
          id: `port-${i}`,
          networkId: "net",
          networkName: "app-net",
          fixedIp: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
          securityGroupIds: ["default", "admin", `tier-${Math.floor(i / TIER)}`],
        },
      ],
    })),
    networks: [{ id: "net", name: "app-net", subnets: ["10.0.0.0/8"] }],
  };
}

/**
 * One timing of the whole exposure of `model` as `secgroups exposure` produces it once it has read
 * the backend — evaluation, findings, and its JSON and HTML reports — in milliseconds, with the
 * number of findings and the reports' sizes.
 */
function timeOnce(model: ExposureModel, profile: Profile): { ms: number; findings: number; jsonBytes: number; htmlBytes: number } {
  const started = performance.now();
  const report = exposureReport(model, profile);
  const json = JSON.stringify(exposureJson(report));
  const html = exposureHtml(report);
  return { ms: performance.now() - started, findings: report.findings.length, jsonBytes: json.length, htmlBytes: html.length };
}

/** Samples of each size, taken in alternating rounds after one warm-up of each. */
export function runEvaluation(
  sizes: number[],
  rounds: number,
  log: (line: string) => void,
): {
  samples: Record<string, number[]>;
  findings: Record<string, number>;
  jsonBytes: Record<string, number>;
  htmlBytes: Record<string, number>;
  peakRssKiB: Record<string, number>;
} {
  const peakRssKiB: Record<string, number> = {};
  for (const s of sizes) {
    peakRssKiB[String(s)] = peakRss(s);
    log(`evaluation: peak RSS of a process evaluating ${s} servers once: ${(peakRssKiB[String(s)]! / 1024).toFixed(0)} MiB`);
  }
  const profile = loadProfile("openstack", REPO);
  const models = new Map(sizes.map((s) => [s, syntheticProject(s)]));
  const samples: Record<string, number[]> = {};
  const findings: Record<string, number> = {};
  const jsonBytes: Record<string, number> = {};
  const htmlBytes: Record<string, number> = {};
  for (const s of sizes) {
    const warm = timeOnce(models.get(s)!, profile);
    findings[String(s)] = warm.findings;
    jsonBytes[String(s)] = warm.jsonBytes;
    htmlBytes[String(s)] = warm.htmlBytes;
    samples[String(s)] = [];
  }
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? sizes : [...sizes].reverse();
    for (const s of order) samples[String(s)]!.push(timeOnce(models.get(s)!, profile).ms);
    log(`evaluation round ${r + 1}/${rounds}: ${sizes.map((s) => `${s} servers ${samples[String(s)]!.at(-1)!.toFixed(1)} ms`).join(", ")}`);
  }
  return { samples, findings, jsonBytes, htmlBytes, peakRssKiB };
}

/** Peak RSS (KiB) of a fresh Node.js process that builds the project of `servers` servers and its whole exposure once. */
function peakRss(servers: number): number {
  const out = execFileSync(process.execPath, [__filename, "--peak-rss", String(servers)], { encoding: "utf8" });
  const kib = Number(out.trim());
  if (!Number.isFinite(kib) || kib <= 0) throw new Error(`the peak-RSS child for ${servers} servers printed ${JSON.stringify(out)}`);
  return kib;
}

// The child of peakRss: one evaluation, then its peak resident set on stdout.
if (require.main === module && process.argv[2] === "--peak-rss") {
  timeOnce(syntheticProject(Number(process.argv[3])), loadProfile("openstack", REPO));
  process.stdout.write(`${process.resourceUsage().maxRSS}\n`);
}
