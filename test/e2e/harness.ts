/**
 * Drives the real Pulumi CLI (the one scripts/bootstrap.sh put on PATH) against a program in
 * test/e2e/programs, with everything a run writes kept in a temporary directory: the file-based
 * Pulumi state, the stack config file and the SQLite backend.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** What one CLI call printed and how it ended. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Starts `pulumi args…`, calls `done` with its output when it ends; returns the CLI's pid. */
function spawnPulumi(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }, done: (r: CliResult) => void): number {
  const child = execFile("pulumi", args, { cwd: opts.cwd, env: opts.env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
    const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
    done({ code, stdout: String(stdout), stderr: String(stderr) });
  });
  return child.pid ?? 0;
}

/**
 * Runs `file args…` and resolves with its exit code and output; never rejects. Asynchronous, so a
 * long child (a clone's bootstrap, a documented procedure) does not stall vitest's worker RPC.
 */
export function runProcess(
  file: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { ...opts, encoding: "utf8", timeout: 600_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
      resolve({ status: code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Runs `pulumi args…` and resolves with its output; never rejects on a non-zero exit. */
export function runPulumi(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<CliResult> {
  return new Promise((resolve) => spawnPulumi(args, opts, resolve));
}

/** The directory of a test program's source by name. */
export function programSource(name: string): string {
  return path.join(__dirname, "programs", name);
}

/** The directory of a runnable example (examples/<name>) by name. */
export function exampleSource(name: string): string {
  return path.join(__dirname, "..", "..", "examples", name);
}

/** A fresh temporary directory under test-output/ (kept for inspection, removed by `npm test` next time). */
export function tempDir(label: string): string {
  const root = path.join(__dirname, "..", "..", "test-output", "e2e");
  fs.mkdirSync(root, { recursive: true });
  return fs.mkdtempSync(path.join(root, `${label}-`));
}

/**
 * A program written by a test: `files` (path → content) in a fresh directory under test-output/,
 * returned for TestStack.create. A TypeScript program needs a Pulumi.yaml, a package.json with
 * `main` and its source; it resolves pulumi-secgroups from the repository's node_modules.
 */
export function writeProgram(label: string, files: Record<string, string>): string {
  const dir = path.join(tempDir(`${label}-source`), "program");
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** The files of a TypeScript program `name` whose index.ts is `source`, for writeProgram. */
export function typescriptProgram(name: string, source: string): Record<string, string> {
  return {
    "Pulumi.yaml": `name: ${name}\nruntime: nodejs\n`,
    "package.json": JSON.stringify({ name, private: true, main: "index.ts" }),
    "index.ts": source,
  };
}

/** One Pulumi stack of a test program, isolated in its own temporary directory. */
export class TestStack {
  readonly dir: string;
  readonly configFile: string;
  readonly env: NodeJS.ProcessEnv;

  private constructor(
    readonly program: string,
    readonly stack: string,
    dir: string,
    stateDir: string,
  ) {
    this.dir = dir;
    this.configFile = path.join(dir, `Pulumi.${stack}.yaml`);
    this.env = {
      ...process.env,
      PULUMI_BACKEND_URL: `file://${stateDir}`,
      PULUMI_CONFIG_PASSPHRASE: "e2e-passphrase",
      PULUMI_NODEJS_TRANSPILE_ONLY: "true",
      // The provider's own settings come from stack config in these tests, never from the caller's env.
      SECGROUPS_BACKEND: "",
      SECGROUPS_PROFILE: "",
      SECGROUPS_PROJECT: "",
    };
  }

  /**
   * Creates the stack. `stateDir` defaults to a directory of its own; pass another stack's
   * `stateDir` to put two stacks in one Pulumi backend. `source` defaults to the test program
   * `program` (test/e2e/programs/<program>); pass `exampleSource(name)` to run an example.
   */
  static async create(
    program: string,
    stack: string,
    config: Record<string, string>,
    stateDir?: string,
    source = programSource(program),
  ): Promise<TestStack> {
    const dir = tempDir(`${program}-${stack}`);
    // A copy of the program per stack: `pulumi stack init` writes Pulumi.<stack>.yaml beside it.
    // The copy sits under the repository, so node_modules still resolves by walking up.
    // What a local run of the program leaves beside it (node_modules, .secgroups, stack files) stays behind.
    fs.cpSync(source, path.join(dir, "program"), {
      recursive: true,
      filter: (from) => !/^(node_modules|\.secgroups|Pulumi\..+\.yaml)$/.test(path.basename(from)),
    });
    const state = stateDir ?? path.join(dir, "state");
    fs.mkdirSync(state, { recursive: true });
    const s = new TestStack(program, stack, dir, state);
    await s.must(["stack", "init"]);
    for (const [k, v] of Object.entries(config)) await s.setConfig(k, v);
    return s;
  }

  /** The file-based Pulumi state directory. */
  get stateDir(): string {
    return (this.env.PULUMI_BACKEND_URL as string).slice("file://".length);
  }

  /** Runs a pulumi command for this stack. */
  run(args: string[]): Promise<CliResult> {
    return this.start(args).result;
  }

  /** Starts a pulumi command for this stack; `pid` is the CLI's process (for tests that kill its children). */
  start(args: string[]): { pid: number; result: Promise<CliResult> } {
    let pid = 0;
    const result = new Promise<CliResult>((resolve) => {
      pid = spawnPulumi([...args, "--stack", this.stack, "--non-interactive"], { cwd: path.join(this.dir, "program"), env: this.env }, resolve);
    });
    return { pid, result };
  }

  /** Runs a pulumi command and throws with its output if it fails. */
  async must(args: string[]): Promise<CliResult> {
    const r = await this.run(args);
    if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  /** Sets one config value (`test:name`, `secgroups:backend`, …). */
  async setConfig(key: string, value: string): Promise<void> {
    await this.must(["config", "set", "--config-file", this.configFile, key, value]);
  }

  /** Removes one config value. */
  async removeConfig(key: string): Promise<void> {
    await this.must(["config", "rm", "--config-file", this.configFile, key]);
  }

  up(): Promise<CliResult> {
    return this.run(["up", "--yes", "--skip-preview", "--config-file", this.configFile]);
  }

  /** `pulumi preview --json`, parsed: the steps and the change summary. */
  async previewJson(): Promise<{
    steps: Array<{ op: string; urn: string; diffReasons?: string[]; replaceReasons?: string[] }>;
    changeSummary: Record<string, number>;
  }> {
    const r = await this.must(["preview", "--json", "--config-file", this.configFile]);
    return JSON.parse(r.stdout);
  }

  preview(extra: string[] = []): Promise<CliResult> {
    return this.run(["preview", ...extra, "--config-file", this.configFile]);
  }

  refresh(): Promise<CliResult> {
    return this.run(["refresh", "--yes", "--skip-preview", "--config-file", this.configFile]);
  }

  destroy(): Promise<CliResult> {
    return this.run(["destroy", "--yes", "--skip-preview", "--config-file", this.configFile]);
  }

  /** Stack outputs. */
  async outputs(): Promise<Record<string, any>> {
    return JSON.parse((await this.must(["stack", "output", "--json", "--show-secrets"])).stdout);
  }

  /** `pulumi stack export`, parsed. */
  async export(): Promise<{ text: string; deployment: { resources?: Array<Record<string, any>> } }> {
    const text = (await this.must(["stack", "export"])).stdout;
    return { text, deployment: JSON.parse(text).deployment };
  }
}

/** Every regular file below `dir`. */
export function filesBelow(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

/** The lines of `outputs` that hold `secret`, shown with it replaced (to say where it leaked, not what it is). */
export function linesHolding(outputs: readonly CliResult[], secret: string): string[] {
  return outputs
    .flatMap((o) => (o.stdout + "\n" + o.stderr).split("\n"))
    .filter((line) => line.includes(secret))
    .map((line) => line.split(secret).join("<SECRET>").slice(0, 400));
}

/**
 * `text` without the Node SDK's report of the engine shutting its resource monitor down while the
 * program still sends its stack's outputs (an update that fails on a resource ends the engine
 * first: the SDK's RegisterResourceOutputs gets gRPC UNAVAILABLE, its log call finds the channel
 * closed and prints "failed to deliver log message" with the gRPC error's frames; upstream
 * pulumi/pulumi#16853). Only a block whose message is that gRPC error and whose every frame lies
 * in the SDK or gRPC under node_modules is dropped: a frame of ours keeps the block.
 */
export function withoutMonitorShutdownReport(text: string): string {
  const lines = text.split("\n");
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].includes("failed to deliver log message.")) {
      kept.push(lines[i]);
      continue;
    }
    const end = lines.findIndex((line, j) => j > i && line.includes("message severity:"));
    const block = end < 0 ? [] : lines.slice(i, end + 1);
    const frames = block.filter((line) => /\bat .+:\d+:\d+\)?\s*$/.test(line));
    const sdkOnly = frames.every((line) =>
      /node_modules\/(@grpc\/grpc-js|@pulumi\/pulumi|@pulumi\/runtime)\/|\(node:internal\/|\(<anonymous>\)|at new Promise/.test(line),
    );
    if (block.some((line) => line.includes("14 UNAVAILABLE: resource monitor shut down")) && sdkOnly) {
      i = end;
      continue;
    }
    kept.push(lines[i]);
  }
  return kept.join("\n");
}

/**
 * True if `text` shows a JavaScript stack frame (which users must never see), leaving out the
 * SDK's own report of an engine that shut down first (see withoutMonitorShutdownReport).
 */
export function hasStackTrace(text: string): boolean {
  const shown = withoutMonitorShutdownReport(text);
  return /^\s+at .+\(.+:\d+:\d+\)\s*$/m.test(shown) || /^\s+at .+:\d+:\d+\s*$/m.test(shown);
}

/** The provider plugin's directory (plugin/), which YAML and Python programs name under `packages:`. */
export const PLUGIN_DIR = path.join(__dirname, "..", "..", "plugin");

/** A fresh SQLite backend URL inside `dir`. */
export function sqliteUrl(dir: string): string {
  return `sqlite:${path.join(dir, "cloud.db")}`;
}

export { os };
