/**
 * The settings of the Pulumi stack the `secgroups` command stands in. Run in a Pulumi program's
 * directory (one with a Pulumi.yaml), the CLI takes `secgroups:backend`, `secgroups:profile`,
 * `secgroups:project` and the PostgreSQL password (`secgroups:backendPassword`, a secret) from the
 * selected stack's config, as the provider does — after flags and the environment, before the
 * defaults. It reads them with the Pulumi CLI itself (`pulumi config --json`), so every Pulumi
 * backend and secrets provider works as it does for `pulumi up`.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { SETTING_KEYS, type RawConfig } from "../settings";

/** What the stack's config gave, and whatever kept it from giving more. */
export interface StackSettings {
  /** The stack read (`--stack`, else the selected one); undefined outside a Pulumi program. */
  stack?: string;
  /** The settings the stack's config sets, by config key. */
  config: RawConfig;
  /** Why the stack's config could not be read, or its password decrypted (shown with --verbose and in password errors). */
  problem?: string;
}

type PulumiConfig = Record<string, { value?: unknown; secret?: boolean }>;

/** Runs `pulumi args…` in `cwd`; stdout, or the first line of what it printed on failure. */
function pulumi(args: string[], cwd: string, env: NodeJS.ProcessEnv): { ok: true; stdout: string } | { ok: false; message: string } {
  const r = spawnSync("pulumi", [...args, "--non-interactive"], { cwd, env, encoding: "utf8", timeout: 60_000 });
  if (r.error) return { ok: false, message: `cannot run pulumi (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})` };
  if (r.status !== 0) return { ok: false, message: (r.stderr || r.stdout).trim().split("\n")[0] ?? `pulumi exited ${r.status}` };
  return { ok: true, stdout: r.stdout };
}

/**
 * The settings of the stack in `cwd` that `wanted` names (config keys). `stack`: the `--stack`
 * flag. The password secret is decrypted only when wanted and the stack holds it (`pulumi config
 * get` needs the stack's passphrase or secrets provider; without them, `problem` says so).
 */
export function readStackSettings(cwd: string, env: NodeJS.ProcessEnv, stack: string | undefined, wanted: readonly string[]): StackSettings {
  if (!fs.existsSync(path.join(cwd, "Pulumi.yaml")) && !fs.existsSync(path.join(cwd, "Pulumi.yml"))) return { config: {} };
  if (wanted.length === 0) return { config: {}, ...(stack ? { stack } : {}) };
  const stackArgs = stack ? ["--stack", stack] : [];
  const name =
    stack ??
    (() => {
      const r = pulumi(["stack", "--show-name"], cwd, env);
      return r.ok ? r.stdout.trim() : undefined;
    })();
  const plain = pulumi(["config", "--json", ...stackArgs], cwd, env);
  if (!plain.ok) return { config: {}, ...(name ? { stack: name } : {}), problem: `the stack's config could not be read: ${plain.message}` };
  let parsed: PulumiConfig;
  try {
    parsed = JSON.parse(plain.stdout) as PulumiConfig;
  } catch {
    return { config: {}, ...(name ? { stack: name } : {}), problem: "pulumi config --json printed no JSON" };
  }
  const config: RawConfig = {};
  let problem: string | undefined;
  const password = SETTING_KEYS.backendPassword.config;
  for (const key of wanted) {
    const entry = parsed[key];
    if (!entry) continue;
    if (!entry.secret && typeof entry.value === "string") config[key] = entry.value;
  }
  if (wanted.includes(password) && parsed[password]?.secret) {
    const secret = pulumi(["config", "get", password, ...stackArgs], cwd, env);
    if (secret.ok) config[password] = secret.stdout.replace(/\n$/, "");
    else problem = `the stack's secret ${password} could not be decrypted: ${secret.message}`;
  }
  return { config, ...(name ? { stack: name } : {}), ...(problem ? { problem } : {}) };
}

/** Where each setting came from, for `--verbose` and the exposure header: `--profile`, `environment SECGROUPS_PROFILE`, `stack dev's config`, `default`. */
export type SettingSources = Record<"backend" | "profile" | "project", string>;
