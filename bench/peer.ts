/**
 * The peer figure: the same program of N resources (bench/programs/ours: its groups, rules and
 * attachments, its servers given) applied to the same real Neutron, behind a real Keystone, with
 * our openstack backend under the Pulumi CLI and with OpenTofu and terraform-provider-openstack
 * (bench/tofu.ts, built by scripts/tofu.sh), alternating which goes first, a fresh set of servers
 * per repetition and side.
 *
 * Each tool runs the commands its users run:
 *   apply      `pulumi up --yes` (a preview, then the update)   `tofu apply -auto-approve` (a plan, then the apply)
 *   no change  `pulumi preview --refresh` (every object read)    `tofu plan` (refreshes every object by default)
 *   destroy    `pulumi destroy --yes`                            `tofu destroy -auto-approve` (refresh, plan, deletes)
 * Both authenticate to Keystone with the same password credentials (the Keystone admin of
 * tools/neutron.ts; ours from a clouds.yaml entry, the peer from OS_* variables) and find Neutron in
 * the catalog; Neutron's quotas are off. After apply the bench counts, through Neutron's API, the
 * program's groups, rules and attachments (each port's security_groups), and after destroy that none
 * are left, for both tools.
 *
 * The perpetual-diff check: one group and four rules written as users write them (tcp 1-65535, a
 * bare IP, protocol "6", protocol "TCP": bench/tofu.ts USER_WRITTEN_RULES), applied by each tool,
 * then the number of changes its second preview/plan (with a refresh) shows.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { randomUUID } from "node:crypto";
import { keystoneToken, startNeutron, type NeutronServer } from "../tools/neutron";
import { writeRoomyProfile } from "./engine";
import { mixOf, type Mix } from "./mix";
import { UNLIMITED_QUOTAS, versions } from "./openstack";
import { BenchStack, workDir } from "./stack";
import {
  ensureTofu,
  tofuApply,
  tofuDestroy,
  tofuInit,
  tofuPlan,
  USER_WRITTEN_RULES,
  userWrittenRulesCheck,
  writeTofuProgram,
  type TofuAuth,
  type TofuInstall,
  type UserWrittenRule,
} from "./tofu";

/** The two tools under comparison. */
export type Tool = "ours" | "peer";

/** What one repetition of one tool measured (ms). */
export interface PeerSample {
  tool: Tool;
  n: number;
  rep: number;
  applyMs: number;
  noChangeMs: number;
  destroyMs: number;
  /** The requests Neutron served during each command (its access log). */
  applyRequests: number;
  noChangeRequests: number;
  destroyRequests: number;
  /** The requests of each command by kind (`POST /v2.0/security-group-rules 201`, ids as {id}), most first. */
  requestKinds: { apply: Record<string, number>; noChange: Record<string, number>; destroy: Record<string, number> };
}

/** The whole figure's run. */
export interface PeerRun {
  samples: PeerSample[];
  mix: Mix;
  versions: Record<string, string>;
  userWrittenRules: { ours: number; peer: number; peerDetail: string[] };
}

/** The clouds.yaml entry our stacks name (`secgroups:backend` = openstack://CLOUD). */
const CLOUD = "bench-keystone";

/** Neutron's API with a Keystone token; the body of an answer with `status`, else an error. */
async function neutronCall(neutron: NeutronServer, token: string, method: string, route: string, status: number, body?: unknown): Promise<any> {
  const res = await fetch(`${neutron.url}/v2.0${route}`, {
    method,
    headers: { "X-Auth-Token": token, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== status) throw new Error(`Neutron ${method} ${route}: HTTP ${res.status}, not ${status}: ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}

/** A fresh token of the Keystone admin (the bench outlives a token's hour on a slow day). */
async function adminToken(neutron: NeutronServer): Promise<string> {
  const k = neutron.keystone!;
  const r = await keystoneToken(k.authUrl, { username: k.username, password: k.password, projectName: k.projectName });
  if (!r.token) throw new Error(`Keystone refused the bench's admin: HTTP ${r.status}`);
  return r.token;
}

/** `count` servers as the compute service makes them: one compute port each on `networkId`; their device ids and port ids. */
async function makeServers(neutron: NeutronServer, networkId: string, count: number): Promise<{ serverIds: string[]; portIds: string[] }> {
  const token = await adminToken(neutron);
  const serverIds: string[] = [];
  const portIds: string[] = [];
  for (let k = 0; k < count; k++) {
    const deviceId = randomUUID();
    const { port } = await neutronCall(neutron, token, "POST", "/ports", 201, {
      port: { name: `bench-s${k}`, network_id: networkId, device_owner: "compute:nova", device_id: deviceId },
    });
    serverIds.push(deviceId);
    portIds.push(port.id);
  }
  return { serverIds, portIds };
}

/** What the project holds of the program: groups described `bench group …`, their ingress rules, and their places on `ports`. */
async function holdings(neutron: NeutronServer, portIds: string[]): Promise<{ groups: number; rules: number; attachments: number }> {
  const token = await adminToken(neutron);
  const project = neutron.keystone!.projectId;
  const { security_groups: groups } = await neutronCall(
    neutron,
    token,
    "GET",
    `/security-groups?project_id=${project}&fields=id&fields=description`,
    200,
  );
  const ids = new Set(
    (groups as Array<{ id: string; description: string }>).filter((g) => g.description.startsWith("bench group ")).map((g) => g.id),
  );
  const { security_group_rules: rules } = await neutronCall(
    neutron,
    token,
    "GET",
    `/security-group-rules?project_id=${project}&direction=ingress&fields=security_group_id`,
    200,
  );
  let attachments = 0;
  for (const id of portIds) {
    const { port } = await neutronCall(neutron, token, "GET", `/ports/${id}`, 200);
    attachments += (port.security_groups as string[]).filter((g) => ids.has(g)).length;
  }
  return { groups: ids.size, rules: (rules as Array<{ security_group_id: string }>).filter((r) => ids.has(r.security_group_id)).length, attachments };
}

/** Fails unless Neutron holds exactly `expected` of the program. */
async function expectHoldings(neutron: NeutronServer, portIds: string[], expected: Omit<Mix, "servers">, label: string): Promise<void> {
  const held = await holdings(neutron, portIds);
  if (held.groups !== expected.groups || held.rules !== expected.rules || held.attachments !== expected.attachments)
    throw new Error(`${label}: Neutron holds ${JSON.stringify(held)}, not ${JSON.stringify(expected)}`);
}

/** A request of the access log by kind: method, path with ids and tags as {id}, the query's keys, status. */
export function requestKind(line: string): string | undefined {
  const m = /"(GET|POST|PUT|DELETE|PATCH|HEAD) ([^ ?"]+)(\?[^ "]*)? HTTP\/[\d.]+" (\d{3})/.exec(line);
  if (!m) return undefined;
  const route = m[2]!
    .split("/")
    .map((part, i, all) => (/^[0-9a-f-]{32,36}$/.test(part) || all[i - 1] === "tags" || all[i - 1] === "quotas" ? "{id}" : part))
    .join("/");
  const keys = m[3] ? [...new Set([...new URLSearchParams(m[3].slice(1)).keys()])].sort().join("&") : "";
  return `${m[1]} ${route}${keys ? `?${keys}` : ""} ${m[4]}`;
}

/** Requests by kind, most first. */
function histogram(kinds: string[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const k of kinds) counts.set(k, (counts.get(k) ?? 0) + 1);
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
}

/**
 * Marks the access log: a request only the bench sends (`GET /?bench-marker=ID`, Neutron's version
 * list), then waits until its line is in the log. One sync worker serves requests in order and logs
 * each after answering it, so every request served before the marker's is in the log before it.
 */
async function mark(neutron: NeutronServer): Promise<string> {
  const id = randomUUID();
  await (await fetch(`${neutron.url}/?bench-marker=${id}`)).text();
  const deadline = Date.now() + 10_000;
  while (!fs.readFileSync(neutron.accessLogFile!, "utf8").includes(`bench-marker=${id}`)) {
    if (Date.now() > deadline) throw new Error(`Neutron's access log ${neutron.accessLogFile} did not record the bench's marker request`);
    await sleep(20);
  }
  return id;
}

/** Runs `command` and counts the requests Neutron served meanwhile (the access log's lines between two markers), by kind too. */
async function counted<T>(
  neutron: NeutronServer,
  command: () => Promise<T>,
): Promise<{ result: T; requests: number; kinds: Record<string, number> }> {
  const first = await mark(neutron);
  const result = await command();
  const last = await mark(neutron);
  const lines = fs.readFileSync(neutron.accessLogFile!, "utf8").split("\n");
  const from = lines.findIndex((l) => l.includes(`bench-marker=${first}`));
  const to = lines.findIndex((l) => l.includes(`bench-marker=${last}`));
  const kinds = lines
    .slice(from + 1, to)
    .map(requestKind)
    .filter((k): k is string => k !== undefined);
  return { result, requests: kinds.length, kinds: histogram(kinds) };
}

/** The number of changes `pulumi preview --json` reports (every kind but `same`). */
function previewChanges(json: string): number {
  const summary = (JSON.parse(json) as { changeSummary?: Record<string, number> }).changeSummary ?? {};
  return Object.entries(summary)
    .filter(([op]) => op !== "same")
    .reduce((a, [, n]) => a + n, 0);
}

/** Our stack of `program` on the Keystone-backed Neutron, with the roomy profile. */
async function ourStack(program: string, config: Record<string, string>, cloudsFile: string): Promise<BenchStack> {
  const stack = await BenchStack.create(program, config, { OS_CLIENT_CONFIG_FILE: cloudsFile });
  await stack.must(["config", "set", "secgroups:backend", `openstack://${CLOUD}`]);
  await stack.must(["config", "set", "secgroups:profile", writeRoomyProfile(stack.dir)]);
  return stack;
}

/** One repetition of one tool: servers made, then apply, a no-change preview/plan and destroy, timed; the servers removed. */
async function runOnce(
  tool: Tool,
  n: number,
  rep: number,
  ctx: { neutron: NeutronServer; networkId: string; cloudsFile: string; install: TofuInstall; auth: TofuAuth },
): Promise<PeerSample> {
  const mix = mixOf(n);
  const label = `${tool} N=${n} rep ${rep + 1}`;
  const { serverIds, portIds } = await makeServers(ctx.neutron, ctx.networkId, mix.servers);
  const { servers: _given, ...made } = mix;
  const none = { groups: 0, rules: 0, attachments: 0 };
  try {
    if (tool === "ours") {
      const stack = await ourStack("ours", { "bench:n": String(n), "bench:serverIds": serverIds.join(",") }, ctx.cloudsFile);
      try {
        const apply = await counted(ctx.neutron, () => stack.must(["up", "--yes"]));
        await expectHoldings(ctx.neutron, portIds, made, `${label} after up`);
        const preview = await counted(ctx.neutron, () => stack.must(["preview", "--refresh", "--json"]));
        const changes = previewChanges(preview.result.stdout);
        if (changes !== 0) throw new Error(`${label}: the no-change preview shows ${changes} changes`);
        const destroy = await counted(ctx.neutron, () => stack.must(["destroy", "--yes"]));
        await expectHoldings(ctx.neutron, portIds, none, `${label} after destroy`);
        return {
          tool,
          n,
          rep,
          applyMs: apply.result.ms,
          noChangeMs: preview.result.ms,
          destroyMs: destroy.result.ms,
          applyRequests: apply.requests,
          noChangeRequests: preview.requests,
          destroyRequests: destroy.requests,
          requestKinds: { apply: apply.kinds, noChange: preview.kinds, destroy: destroy.kinds },
        };
      } finally {
        stack.discard();
      }
    }
    const dir = workDir("tofu");
    try {
      writeTofuProgram(dir, { n, serverIds });
      await tofuInit(ctx.install, ctx.auth, dir);
      const apply = await counted(ctx.neutron, () => tofuApply(ctx.install, ctx.auth, dir));
      await expectHoldings(ctx.neutron, portIds, made, `${label} after apply`);
      const plan = await counted(ctx.neutron, () => tofuPlan(ctx.install, ctx.auth, dir));
      if (plan.result.changes !== 0) throw new Error(`${label}: the no-change plan shows ${plan.result.changes} changes`);
      const destroy = await counted(ctx.neutron, () => tofuDestroy(ctx.install, ctx.auth, dir));
      await expectHoldings(ctx.neutron, portIds, none, `${label} after destroy`);
      return {
        tool,
        n,
        rep,
        applyMs: apply.result.ms,
        noChangeMs: plan.result.ms,
        destroyMs: destroy.result.ms,
        applyRequests: apply.requests,
        noChangeRequests: plan.requests,
        destroyRequests: destroy.requests,
        requestKinds: { apply: apply.kinds, noChange: plan.kinds, destroy: destroy.kinds },
      };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    const token = await adminToken(ctx.neutron);
    for (const port of portIds) await neutronCall(ctx.neutron, token, "DELETE", `/ports/${port}`, 204).catch(() => undefined);
  }
}

/** Our side of the perpetual-diff check: the changes a refreshing preview shows right after `up` of the user-written rules. */
async function ourUserWrittenRules(cloudsFile: string): Promise<number> {
  const rules = (Object.keys(USER_WRITTEN_RULES) as UserWrittenRule[]).map((name) => {
    const r = USER_WRITTEN_RULES[name];
    return { name, protocol: r.protocol, ports: r.ports, prefix: r.prefix };
  });
  const stack = await ourStack("userRules", { "bench:rules": JSON.stringify(rules) }, cloudsFile);
  try {
    await stack.must(["up", "--yes", "--skip-preview"]);
    const preview = await stack.must(["preview", "--refresh", "--json"]);
    return previewChanges(preview.stdout);
  } finally {
    await stack.must(["destroy", "--yes", "--skip-preview"]).catch(() => undefined);
    stack.discard();
  }
}

/** Starts Keystone and Neutron (quotas off), builds or finds the peer, then runs every repetition of both tools and the perpetual-diff check. */
export async function runPeer(n: number, reps: number, log: (line: string) => void): Promise<PeerRun> {
  const install = ensureTofu();
  const neutron = await startNeutron({ keystone: true, accessLog: true, extraNeutronConf: UNLIMITED_QUOTAS });
  // The clouds.yaml holds the run's Keystone password: readable by its owner only, and gone with the run.
  const cloudsDir = workDir("peer");
  try {
    const k = neutron.keystone!;
    log(`  Keystone on ${k.url}, Neutron on ${neutron.url}, started in ${neutron.timings.total} s; ${install.tofu}`);
    const auth: TofuAuth = {
      authUrl: k.authUrl,
      username: k.username,
      password: k.password,
      projectName: k.projectName,
      userDomainName: k.userDomainName,
      projectDomainName: k.projectDomainName,
      region: k.region,
    };
    const cloudsFile = path.join(cloudsDir, "clouds.yaml");
    fs.writeFileSync(
      cloudsFile,
      [
        "clouds:",
        `  ${CLOUD}:`,
        "    auth_type: password",
        `    region_name: ${k.region}`,
        "    auth:",
        `      auth_url: ${k.authUrl}`,
        `      username: ${k.username}`,
        `      password: ${k.password}`,
        `      project_name: ${k.projectName}`,
        `      user_domain_name: ${k.userDomainName}`,
        `      project_domain_name: ${k.projectDomainName}`,
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
    const token = await adminToken(neutron);
    const { network } = await neutronCall(neutron, token, "POST", "/networks", 201, { network: { name: "bench-net" } });
    await neutronCall(neutron, token, "POST", "/subnets", 201, { subnet: { network_id: network.id, ip_version: 4, cidr: "10.64.0.0/16" } });
    const ctx = { neutron, networkId: network.id as string, cloudsFile, install, auth };
    const samples: PeerSample[] = [];
    for (let rep = 0; rep < reps; rep++) {
      const order: Tool[] = rep % 2 === 0 ? ["ours", "peer"] : ["peer", "ours"];
      for (const tool of order) {
        const s = await runOnce(tool, n, rep, ctx);
        const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
        log(
          `peer rep ${rep + 1}/${reps} N=${n} ${tool}: apply ${sec(s.applyMs)} (${s.applyRequests} Neutron requests), ` +
            `no-change ${sec(s.noChangeMs)} (${s.noChangeRequests}), destroy ${sec(s.destroyMs)} (${s.destroyRequests})`,
        );
        samples.push(s);
      }
    }
    const ours = await ourUserWrittenRules(cloudsFile);
    const peer = await userWrittenRulesCheck(install, auth, workDir("tofu-user-rules"));
    const peerDetail = [
      ...peer.refused.map((r) => `refused at plan: ${r.what} (${r.message})`),
      ...peer.changed.map(
        (c) => `${c.rule ? USER_WRITTEN_RULES[c.rule].what : c.address}: ${c.actions.join(", ")} (${c.replacePaths.join(", ") || "in place"})`,
      ),
    ];
    log(`user-written rules: ours ${ours} change(s) on the second preview, the peer ${peer.secondPlanChanges} (${peerDetail.join("; ")})`);
    return {
      samples,
      mix: mixOf(n),
      versions: { ...install.versions, ...(await versions(neutron)) },
      userWrittenRules: { ours, peer: peer.secondPlanChanges, peerDetail },
    };
  } finally {
    fs.rmSync(cloudsDir, { recursive: true, force: true });
    await neutron.stop();
  }
}
