/**
 * The benchmark's peer: OpenTofu with terraform-provider-openstack, applied to the same real Neutron
 * (behind Keystone) as our openstack backend. scripts/tofu.sh builds both from Go modules into the
 * project cache and writes a CLI config that installs the provider from a local filesystem mirror
 * (nothing comes from a registry); this module writes the programs and times the CLI.
 *
 * The provider cannot talk to a noauth Neutron: every service client it makes authenticates first
 * (gophercloud/utils terraform/auth: `Authenticate` before the catalog lookup; `endpoint_overrides`
 * only replaces a catalog URL after that, and `swauth` leaves no endpoint locator at all), so the
 * Neutron it drives must run with Keystone (tools/neutron.ts `startNeutron({ keystone: true })`).
 * The credentials go to the provider through its OS_* environment variables (tofuEnv), never into
 * a file this module writes.
 *
 *   ensureTofu()          scripts/tofu.sh, synchronously: the binary, the CLI config, the versions
 *   writeTofuProgram()    main.tf for exactly the mix of bench/programs/ours (servers given)
 *   tofuInit/Apply/Plan/Destroy()   the CLI, each timed by wall clock (ms)
 *   writeUserWrittenRules(), userWrittenRulesCheck()   the perpetual-diff check (the peer's issues
 *                         #2023 and #955): rules written as users write them, then a second plan
 */
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../tools/neutron/venv";
import { mixOf, type Mix } from "./mix";

/** A pin of scripts/tofu.sh (`NAME=VALUE` on a line of its own): the script is the one home of the versions it builds. */
function pinOf(name: string): string {
  const script = fs.readFileSync(path.join(repoRoot(__dirname), "scripts", "tofu.sh"), "utf8");
  const value = new RegExp(`^${name}=(\\S+)$`, "m").exec(script)?.[1];
  if (!value) throw new Error(`scripts/tofu.sh has no line ${name}=…`);
  return value;
}

/** What scripts/tofu.sh builds. */
export const TOFU_VERSION = pinOf("TOFU_VERSION");
export const OPENSTACK_PROVIDER_VERSION = pinOf("PROVIDER_VERSION");
const PROVIDER_SOURCE = "terraform-provider-openstack/openstack";

/** The peer as scripts/tofu.sh left it. */
export interface TofuInstall {
  /** The tofu binary. */
  tofu: string;
  /** The CLI configuration (TF_CLI_CONFIG_FILE): providers from the filesystem mirror only. */
  cliConfig: string;
  /** `opentofu` (as the binary reports it) and `terraform-provider-openstack` (the pin its mirror holds). */
  versions: Record<string, string>;
}

/** Keystone password credentials, project-scoped (the admin of tools/neutron.ts's Keystone fits). */
export interface TofuAuth {
  /** Keystone's v3 URL, e.g. `http://127.0.0.1:PORT/v3`. */
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  userDomainName: string;
  projectDomainName: string;
  region: string;
}

/** One CLI call's wall time, in ms. */
export interface TofuTimed {
  ms: number;
}

/** A plan's wall time and what it would change: managed resources whose actions are not ["no-op"]. */
export interface TofuPlan extends TofuTimed {
  changes: number;
  /** Each changing resource: its address, actions, and the attributes that force a replacement. */
  changed: Array<{ address: string; actions: string[]; replacePaths: string[] }>;
}

/** The program of writeTofuProgram: `n` as the bench's `bench:n`, and the servers that exist already. */
export interface TofuProgramSpec {
  n: number;
  /**
   * The servers' ids (the device_id of each server's one compute port), one per server of the mix,
   * as `bench:serverIds`; the program reads each server's port by device_id, as ours reads each
   * server with Server.get.
   */
  serverIds: string[];
}

/** Runs scripts/tofu.sh (builds on the first call, minutes; milliseconds after) and reports what it made. */
export function ensureTofu(): TofuInstall {
  const script = path.join(repoRoot(__dirname), "scripts", "tofu.sh");
  let stdout: string;
  try {
    stdout = execFileSync("bash", [script], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 20 });
  } catch (e) {
    throw new Error(`scripts/tofu.sh failed (see its messages above): ${(e as Error).message}`);
  }
  const lines = stdout.split("\n").filter((l) => l.trim());
  if (lines.length !== 2) throw new Error(`scripts/tofu.sh printed ${lines.length} lines, not the tofu path and the CLI config path`);
  const [tofu, cliConfig] = lines as [string, string];
  const env = { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, CHECKPOINT_DISABLE: "1" };
  const reported = JSON.parse(execFileSync(tofu, ["version", "-json"], { encoding: "utf8", env })) as { terraform_version?: string };
  const opentofu = reported.terraform_version ?? "";
  if (opentofu !== TOFU_VERSION) throw new Error(`${tofu} reports OpenTofu ${opentofu || "(nothing)"}, not ${TOFU_VERSION}`);
  const mirror = fs.readFileSync(cliConfig, "utf8").match(/path\s*=\s*"([^"]+)"/)?.[1];
  const provider = mirror && findProvider(mirror);
  if (!provider) throw new Error(`no terraform-provider-openstack ${OPENSTACK_PROVIDER_VERSION} in the mirror named by ${cliConfig}`);
  return { tofu, cliConfig, versions: { opentofu, "terraform-provider-openstack": OPENSTACK_PROVIDER_VERSION } };
}

/** The provider's binary in the filesystem mirror (unpacked layout: HOST/NAMESPACE/TYPE/VERSION/OS_ARCH/), if there. */
function findProvider(mirror: string): string | undefined {
  const versionDir = path.join(mirror, "registry.opentofu.org", PROVIDER_SOURCE, OPENSTACK_PROVIDER_VERSION);
  const platform = `${process.platform}_${process.arch === "x64" ? "amd64" : process.arch}`;
  const file = path.join(versionDir, platform, `terraform-provider-openstack_v${OPENSTACK_PROVIDER_VERSION}`);
  return fs.existsSync(file) ? file : undefined;
}

/**
 * The environment of every tofu command: the caller's, without its TF_* and OS_* variables (an
 * inherited TF_CLI_CONFIG_FILE or OS_CLOUD would change what runs), plus the CLI config, no
 * checkpoint, automation mode and the OpenStack credentials.
 */
export function tofuEnv(install: TofuInstall, auth: TofuAuth): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("TF_") && !k.startsWith("OS_")) env[k] = v;
  return {
    ...env,
    TF_CLI_CONFIG_FILE: install.cliConfig,
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
    OS_AUTH_URL: auth.authUrl,
    OS_USERNAME: auth.username,
    OS_PASSWORD: auth.password,
    OS_PROJECT_NAME: auth.projectName,
    OS_USER_DOMAIN_NAME: auth.userDomainName,
    OS_PROJECT_DOMAIN_NAME: auth.projectDomainName,
    OS_REGION_NAME: auth.region,
  };
}

/** An HCL quoted string (JSON's escapes, and no template sequences). */
function hcl(s: string): string {
  return JSON.stringify(s).replaceAll("${", "$${").replaceAll("%{", "%%{");
}

/** The terraform block and the (empty: credentials from OS_*) provider block every program starts with. */
function header(): string {
  return [
    "terraform {",
    "  required_providers {",
    "    openstack = {",
    `      source  = ${hcl(PROVIDER_SOURCE)}`,
    `      version = ${hcl(OPENSTACK_PROVIDER_VERSION)}`,
    "    }",
    "  }",
    "}",
    "",
    "# Credentials and region from the OS_* environment variables.",
    'provider "openstack" {}',
    "",
  ].join("\n");
}

/**
 * Writes `dir`/main.tf: exactly the mix of bench/programs/ours for `spec.n`, one resource block per
 * object, as a user writes them. Groups `g{i}` (description `bench group i`, tag `bench`; Neutron's
 * two default egress rules left as Neutron makes them); rule j in group j % groups, tcp port
 * 1000 + floor(j / groups) at both ends, from 10.(i % 256).0.0/16, ingress IPv4, description
 * `bench rule j`; attachment a puts group floor(a / servers) on server a % servers, each an
 * `openstack_networking_port_secgroup_associate_v2` with `enforce = false` (it adds its groups to
 * the port's and removes only them; the provider serialises the resources of one port with a lock,
 * so several on one port do not lose each other's groups). Each server's port is read with the
 * `openstack_networking_port_v2` data source by device_id. Returns the mix.
 */
export function writeTofuProgram(dir: string, spec: TofuProgramSpec): Mix {
  const mix = mixOf(spec.n);
  if (spec.serverIds.length !== mix.servers)
    throw new Error(`writeTofuProgram: ${spec.serverIds.length} servers given; the mix of ${spec.n} has ${mix.servers}`);
  const out = [header()];
  for (let i = 0; i < mix.groups; i++)
    out.push(
      `resource "openstack_networking_secgroup_v2" "g${i}" {`,
      `  name        = ${hcl(`g${i}`)}`,
      `  description = ${hcl(`bench group ${i}`)}`,
      `  tags        = ["bench"]`,
      "}",
      "",
    );
  for (let j = 0; j < mix.rules; j++) {
    const i = j % mix.groups;
    const port = 1000 + Math.floor(j / mix.groups);
    out.push(
      `resource "openstack_networking_secgroup_rule_v2" "g${i}_r${j}" {`,
      `  security_group_id = openstack_networking_secgroup_v2.g${i}.id`,
      `  direction         = "ingress"`,
      `  ethertype         = "IPv4"`,
      `  protocol          = "tcp"`,
      `  port_range_min    = ${port}`,
      `  port_range_max    = ${port}`,
      `  remote_ip_prefix  = ${hcl(`10.${i % 256}.0.0/16`)}`,
      `  description       = ${hcl(`bench rule ${j}`)}`,
      "}",
      "",
    );
  }
  spec.serverIds.forEach((id, k) => out.push(`data "openstack_networking_port_v2" "s${k}" {`, `  device_id = ${hcl(id)}`, "}", ""));
  for (let a = 0; a < mix.attachments; a++) {
    const k = a % mix.servers;
    const g = Math.floor(a / mix.servers);
    out.push(
      `resource "openstack_networking_port_secgroup_associate_v2" "s${k}_a${g}" {`,
      `  port_id            = data.openstack_networking_port_v2.s${k}.id`,
      `  security_group_ids = [openstack_networking_secgroup_v2.g${g}.id]`,
      `  enforce            = false`,
      "}",
      "",
    );
  }
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "main.tf"), out.join("\n"));
  return mix;
}

/** The last `chars` characters of a command's output. */
function tail(text: string, chars = 3000): string {
  return text.length > chars ? `…${text.slice(-chars)}` : text;
}

/** Runs tofu in `dir`; resolves with its output, exit code and wall time; never rejects on a non-zero exit. */
function run(
  install: TofuInstall,
  auth: TofuAuth,
  dir: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(install.tofu, args, { cwd: dir, env: tofuEnv(install, auth), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, ms: performance.now() - t0 }));
  });
}

/** Runs tofu in `dir` and fails unless it exits with one of `ok` (default 0), quoting its stderr's tail. */
async function must(install: TofuInstall, auth: TofuAuth, dir: string, args: string[], ok: number[] = [0]) {
  const r = await run(install, auth, dir, args);
  if (!ok.includes(r.code)) throw new Error(`tofu ${args.join(" ")} in ${dir} exited ${r.code}:\n${tail(r.stderr.trim() || r.stdout.trim())}`);
  return r;
}

/** `tofu init`: the provider from the filesystem mirror (the CLI config allows nothing else), no prompts. */
export async function tofuInit(install: TofuInstall, auth: TofuAuth, dir: string): Promise<TofuTimed> {
  const r = await must(install, auth, dir, ["init", "-input=false", "-no-color"]);
  return { ms: r.ms };
}

/** `tofu apply -auto-approve` with 10 operations at a time (OpenTofu's default, said explicitly). */
export async function tofuApply(install: TofuInstall, auth: TofuAuth, dir: string): Promise<TofuTimed> {
  const r = await must(install, auth, dir, ["apply", "-auto-approve", "-input=false", "-parallelism=10", "-no-color"]);
  return { ms: r.ms };
}

/**
 * `tofu plan -detailed-exitcode` (refreshing every resource, as a user's plan does) saved to a file,
 * then `tofu show -json` of it (not timed): the managed resources whose actions are not ["no-op"].
 */
export async function tofuPlan(install: TofuInstall, auth: TofuAuth, dir: string): Promise<TofuPlan> {
  const planFile = "bench.tfplan";
  const r = await must(install, auth, dir, ["plan", "-detailed-exitcode", "-input=false", "-no-color", `-out=${planFile}`], [0, 2]);
  const shown = await must(install, auth, dir, ["show", "-json", "-no-color", planFile]);
  fs.rmSync(path.join(dir, planFile), { force: true });
  const plan = JSON.parse(shown.stdout) as {
    resource_changes?: Array<{ address: string; mode: string; change: { actions: string[]; replace_paths?: unknown[][] } }>;
  };
  const changed = (plan.resource_changes ?? [])
    .filter((c) => c.mode === "managed" && !(c.change.actions.length === 1 && c.change.actions[0] === "no-op"))
    .map((c) => ({ address: c.address, actions: c.change.actions, replacePaths: (c.change.replace_paths ?? []).map((p) => p.join(".")) }));
  // -detailed-exitcode: 0 = no changes (2 may also mean changes to outputs or data reads only).
  if (r.code === 0 && changed.length > 0) throw new Error(`tofu plan in ${dir} exited ${r.code} but its plan has ${changed.length} changes`);
  return { ms: r.ms, changes: changed.length, changed };
}

/** `tofu destroy -auto-approve` (its refresh included). */
export async function tofuDestroy(install: TofuInstall, auth: TofuAuth, dir: string): Promise<TofuTimed> {
  const r = await must(install, auth, dir, ["destroy", "-auto-approve", "-input=false", "-parallelism=10", "-no-color"]);
  return { ms: r.ms };
}

/** The rules of the perpetual-diff check, each written the way users write it. */
export const USER_WRITTEN_RULES = {
  /** tcp with the whole port range spelt out. */
  allPorts: { protocol: "tcp", ports: [1, 65535], prefix: "198.51.100.0/24", what: "tcp ports 1-65535" },
  /** A bare address, no /32. */
  bareIp: { protocol: "tcp", ports: [22, 22], prefix: "192.0.2.10", what: "remote_ip_prefix 192.0.2.10 (no /32)" },
  /** The protocol by number. */
  protocolNumber: { protocol: "6", ports: [443, 443], prefix: "198.51.100.0/24", what: 'protocol "6"' },
  /** The protocol in capitals. */
  protocolUpper: { protocol: "TCP", ports: [80, 80], prefix: "198.51.100.0/24", what: 'protocol "TCP"' },
} as const;
export type UserWrittenRule = keyof typeof USER_WRITTEN_RULES;

/** Writes `dir`/main.tf: one group and the rules `which` (default: all four) of USER_WRITTEN_RULES. */
export function writeUserWrittenRules(dir: string, which: UserWrittenRule[] = Object.keys(USER_WRITTEN_RULES) as UserWrittenRule[]): void {
  const out = [
    header(),
    'resource "openstack_networking_secgroup_v2" "web" {',
    '  name        = "user-written"',
    '  description = "rules as users write them"',
    "}",
    "",
  ];
  for (const key of which) {
    const r = USER_WRITTEN_RULES[key];
    out.push(
      `# ${r.what}`,
      `resource "openstack_networking_secgroup_rule_v2" "${key}" {`,
      `  security_group_id = openstack_networking_secgroup_v2.web.id`,
      `  direction         = "ingress"`,
      `  ethertype         = "IPv4"`,
      `  protocol          = ${hcl(r.protocol)}`,
      `  port_range_min    = ${r.ports[0]}`,
      `  port_range_max    = ${r.ports[1]}`,
      `  remote_ip_prefix  = ${hcl(r.prefix)}`,
      "}",
      "",
    );
  }
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "main.tf"), out.join("\n"));
}

/** What the perpetual-diff check found. */
export interface UserWrittenRulesResult {
  /** Rules the provider refused before anything was made (validation at plan), with its message. */
  refused: Array<{ rule: UserWrittenRule; what: string; message: string }>;
  /** The rules applied. */
  applied: UserWrittenRule[];
  /** Changes the second plan (right after apply, nothing changed by anyone) shows. */
  secondPlanChanges: number;
  /** Each of them: the rule, its actions and the attributes forcing a replacement. */
  changed: Array<{ address: string; rule?: UserWrittenRule; actions: string[]; replacePaths: string[] }>;
  applyMs: number;
  secondPlanMs: number;
}

/**
 * The perpetual-diff check in `dir`: init and plan all four user-written rules; a rule the
 * provider refuses at plan is recorded and left out (the plan is retried without it); apply the
 * rest, plan again, and report what that second plan would change; then destroy (also when a step
 * fails, as far as anything was applied).
 */
export async function userWrittenRulesCheck(install: TofuInstall, auth: TofuAuth, dir: string): Promise<UserWrittenRulesResult> {
  let which = Object.keys(USER_WRITTEN_RULES) as UserWrittenRule[];
  const refused: UserWrittenRulesResult["refused"] = [];
  writeUserWrittenRules(dir, which);
  await tofuInit(install, auth, dir);
  for (;;) {
    const r = await run(install, auth, dir, ["validate", "-no-color"]);
    if (r.code === 0) break;
    const text = r.stderr + r.stdout;
    const culprit =
      which.find((k) => text.includes(`openstack_networking_secgroup_rule_v2.${k}`)) ??
      which.find((k) => text.includes(`"${USER_WRITTEN_RULES[k].protocol}"`));
    if (!culprit) throw new Error(`tofu validate in ${dir} failed on no single rule:\n${tail(text.trim())}`);
    const message = (text.match(/Error: (.*)/)?.[1] ?? tail(text.trim(), 300)).trim();
    refused.push({ rule: culprit, what: USER_WRITTEN_RULES[culprit].what, message });
    which = which.filter((k) => k !== culprit);
    writeUserWrittenRules(dir, which);
  }
  try {
    const apply = await tofuApply(install, auth, dir);
    const second = await tofuPlan(install, auth, dir);
    const changed = second.changed.map((c) => ({ ...c, rule: which.find((k) => c.address === `openstack_networking_secgroup_rule_v2.${k}`) }));
    return { refused, applied: which, secondPlanChanges: second.changes, changed, applyMs: apply.ms, secondPlanMs: second.ms };
  } finally {
    await tofuDestroy(install, auth, dir);
  }
}
