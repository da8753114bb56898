/**
 * One Pulumi stack of a bench program in a temporary directory of its own (program copy, file
 * state, SQLite backend), driven through the real CLI, each command timed by wall clock.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

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

  /** Runs `pulumi args… --stack bench --non-interactive`, timed. */
  run(args: string[]): Promise<Timed> {
    return new Promise((resolve) => {
      const start = process.hrtime.bigint();
      execFile(
        "pulumi",
        [...args, "--stack", this.stack, "--non-interactive"],
        { cwd: this.programDir, env: this.env, maxBuffer: 256 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const ms = Number(process.hrtime.bigint() - start) / 1e6;
          const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr), ms });
        },
      );
    });
  }

  /** Runs a command and throws with its output when it fails. */
  async must(args: string[]): Promise<Timed> {
    const r = await this.run(args);
    if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} in ${this.dir} exited ${r.code}\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
    return r;
  }

  /** Removes the stack's directory (state, program copy, backend file). */
  discard(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
