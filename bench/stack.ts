/**
 * One Pulumi stack of a bench program in a temporary directory of its own (program copy, file
 * state, SQLite backend), driven through the real CLI, each command timed by wall clock.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ProbeRecord } from "./probe";

/** The repository root (bench sources compile to test-output/bench/build/bench). */
export const REPO = path.resolve(__dirname, fs.existsSync(path.join(__dirname, "..", "package.json")) ? ".." : "../../../..");
/** Everything a run writes, except bench/results.json (emptied at the start of a run; the compiled bench is beside it). */
export const WORK = path.join(REPO, "test-output", "bench", "run");

/** What one CLI call printed, how it ended, and how long it took (ms). */
export interface Timed {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
  /** CPU time of the command's whole process tree (the engine, its plugins, the program), ms. */
  treeCpuMs: number;
  /** With `probe`: what the probe recorded of the program and of the dynamic provider. */
  usage?: ProcessUsage;
}

/** Peak memory and CPU of the program and of the dynamic-provider process(es) of one command (bench/probe.ts). */
export interface ProcessUsage {
  programMaxRssKiB: number;
  providerMaxRssKiB: number;
  programCpuMs: number;
  providerCpuMs: number;
  /** The CPU profiles written (BENCH_CPU_PROFILE), by role. */
  profiles: { program: string[]; provider: string[] };
}

/** How a command is probed: where the probe writes, and whether it records CPU profiles too. */
export interface Probe {
  dir: string;
  cpuProfile?: boolean;
}

/** bench/probe.ts as compiled beside this file. */
const PROBE_SCRIPT = path.join(__dirname, "probe.js");

/** What the probe wrote into `dir` (one record per program and provider process). */
export function readProbe(dir: string): ProcessUsage {
  const records = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as ProbeRecord);
  const of = (role: ProbeRecord["role"]) => records.filter((r) => r.role === role);
  for (const role of ["program", "provider"] as const)
    if (!of(role).length) throw new Error(`the probe found no ${role} process in ${dir} (is bench/probe.js loaded?)`);
  const cpuMs = (rs: ProbeRecord[]) => rs.reduce((a, r) => a + (r.cpuUserUs + r.cpuSystemUs) / 1000, 0);
  const failed = fs.readdirSync(dir).filter((f) => f.endsWith(".cpuprofile-error"));
  if (failed.length)
    throw new Error(`the probe could not take CPU profiles in ${dir}: ${failed.map((f) => fs.readFileSync(path.join(dir, f), "utf8")).join("; ")}`);
  const profiles = (role: string) =>
    fs
      .readdirSync(dir)
      .filter((f) => f.startsWith(`${role}-`) && f.endsWith(".cpuprofile"))
      .map((f) => path.join(dir, f));
  return {
    programMaxRssKiB: Math.max(...of("program").map((r) => r.maxRssKiB)),
    providerMaxRssKiB: Math.max(...of("provider").map((r) => r.maxRssKiB)),
    programCpuMs: cpuMs(of("program")),
    providerCpuMs: cpuMs(of("provider")),
    profiles: { program: profiles("program"), provider: profiles("provider") },
  };
}

/** The CPU (ms) of a command's tree that was neither the program's nor the provider's: the engine's and its plugins'. */
export function engineCpuMs(treeCpuMs: number, usage: ProcessUsage): number {
  return treeCpuMs - usage.programCpuMs - usage.providerCpuMs;
}

/** The line bench/stack.ts prints before bash's `times`, so that the times are found whatever pulumi printed last. */
export const TIMES_MARKER = "__bench_times__";

/** Bash's `times` output for its children ("0m1.250s 0m0.310s", printed under LC_ALL=C), in ms of user + system time; NaN if not that. */
export function childrenCpuMs(line: string): number {
  const m = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(line.trim());
  if (!m) return NaN;
  return (Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000;
}

/** A fresh directory under test-output/bench (under the repository, so programs resolve its node_modules). */
export function workDir(label: string): string {
  fs.mkdirSync(WORK, { recursive: true });
  return fs.mkdtempSync(path.join(WORK, `${label}-`));
}

/** A stack of bench program `program` (`ours` or `noop`). */
export class BenchStack {
  readonly programDir: string;
  private readonly env: NodeJS.ProcessEnv;

  private constructor(
    readonly dir: string,
    readonly stack: string,
    env: NodeJS.ProcessEnv,
  ) {
    this.programDir = path.join(dir, "program");
    this.env = {
      ...process.env,
      PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: "bench-passphrase",
      PULUMI_NODEJS_TRANSPILE_ONLY: "true",
      SECGROUPS_BACKEND: "",
      SECGROUPS_PROFILE: "",
      SECGROUPS_PROJECT: "",
      ...env,
    };
  }

  /** Copies the program, creates the stack and sets `config`; `env` is added to every command's environment. */
  static async create(program: string, config: Record<string, string>, env: NodeJS.ProcessEnv = {}): Promise<BenchStack> {
    const dir = workDir(program);
    fs.cpSync(path.join(REPO, "bench", "programs", program), path.join(dir, "program"), { recursive: true });
    fs.mkdirSync(path.join(dir, "state"));
    const s = new BenchStack(dir, "bench", env);
    await s.must(["stack", "init"]);
    for (const [k, v] of Object.entries(config)) await s.must(["config", "set", k, v]);
    return s;
  }

  /**
   * Runs `pulumi args… --stack bench --non-interactive`, timed, under bash so that its `times` gives
   * the CPU time of the whole process tree; with `probe`, every Node.js process of the command loads
   * bench/probe.js, and what it recorded comes back as `usage`.
   */
  run(args: string[], probe?: Probe): Promise<Timed> {
    let env = this.env;
    if (probe) {
      fs.rmSync(probe.dir, { recursive: true, force: true });
      fs.mkdirSync(probe.dir, { recursive: true });
      env = {
        ...env,
        BENCH_PROBE_DIR: probe.dir,
        BENCH_CPU_PROFILE: probe.cpuProfile ? "1" : "",
        NODE_OPTIONS: `${env.NODE_OPTIONS ?? ""} --require "${PROBE_SCRIPT}"`.trim(),
      };
    }
    return new Promise((resolve, reject) => {
      const start = process.hrtime.bigint();
      execFile(
        "bash",
        [
          "-c",
          `pulumi "$@"; rc=$?; printf '\\n${TIMES_MARKER}\\n' >&2; times >&2; exit $rc`,
          "bash",
          ...args,
          "--stack",
          this.stack,
          "--non-interactive",
        ],
        { cwd: this.programDir, env: { ...env, LC_ALL: "C" }, maxBuffer: 256 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const ms = Number(process.hrtime.bigint() - start) / 1e6;
          const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
          const text = String(stderr);
          const at = text.lastIndexOf(`\n${TIMES_MARKER}\n`);
          // After the marker: the shell's own times, then its children's.
          const treeCpuMs = at < 0 ? NaN : childrenCpuMs(text.slice(at).trimEnd().split("\n").at(-1) ?? "");
          if (code === 0 && !Number.isFinite(treeCpuMs)) {
            reject(new Error(`pulumi ${args.join(" ")}: no CPU times from bash in ${JSON.stringify(text.slice(-300))}`));
            return;
          }
          const timed: Timed = { code, stdout: String(stdout), stderr: at < 0 ? text : text.slice(0, at), ms, treeCpuMs };
          try {
            if (probe && code === 0) timed.usage = readProbe(probe.dir);
          } catch (e) {
            reject(e);
            return;
          }
          resolve(timed);
        },
      );
    });
  }

  /** Runs a command and throws with its output when it fails. */
  async must(args: string[], probe?: Probe): Promise<Timed> {
    const r = await this.run(args, probe);
    if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} in ${this.dir} exited ${r.code}\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
    return r;
  }

  /** Removes the stack's directory (state, program copy, backend file). */
  discard(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
