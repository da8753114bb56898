/**
 * Backends opened by other processes, for the contract's cross-process tests: the provider's
 * current sources compiled once per test file, and child processes (fixtures/backendChild.js) that
 * open a backend by URL, start together on one signal and report every outcome.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "vitest";
import type { StateBackend } from "../../provider/backends/types";

const REPO = path.resolve(__dirname, "../..");
const CHILD = path.join(__dirname, "fixtures", "backendChild.js");
/** A child still running after this long has hung: it is killed, and its exit status says so. */
const HANG_MS = 300_000;

/** What one call in a child gave: its result, or the error's code, property and message. */
export type Outcome = { ok: true; value: unknown } | { ok: false; name?: string; code?: string; property?: string; message: string };

/** One backend call a child makes. */
export interface Call {
  method: keyof StateBackend;
  args: unknown[];
}

/** What a child does: batches in order, the calls of a batch at once; then closes the backend or not. */
export interface Job {
  batches: Call[][];
  close: boolean;
}

/** The backend a child opens: its URL, and the password it gets as PGPASSWORD (as the provider does). */
export interface ChildTarget {
  url: string;
  password?: string;
}

let build: string | undefined;

/**
 * The provider compiled from the current sources into test-output/ (under the repository, so that
 * children resolve node_modules), once per test file until removeCompiledProvider.
 */
export function compiledProvider(): string {
  if (build) return build;
  fs.mkdirSync(path.join(REPO, "test-output"), { recursive: true });
  const dir = fs.mkdtempSync(path.join(REPO, "test-output", "contract-build-"));
  const tsc = spawnSync(
    process.execPath,
    [path.join(REPO, "node_modules/typescript/bin/tsc"), "-p", path.join(REPO, "tsconfig.json"), "--outDir", dir],
    {
      cwd: REPO,
      encoding: "utf8",
    },
  );
  // Type errors elsewhere (sources being edited) still emit JavaScript; only a missing module is fatal.
  for (const module of ["index", "sqlite", "postgres"]) {
    const file = path.join(dir, "provider/backends", `${module}.js`);
    if (!fs.existsSync(file)) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`tsc did not produce ${file} (exit ${tsc.status}):\n${tsc.stdout}${tsc.stderr}`);
    }
  }
  build = dir;
  return dir;
}

/** Removes the compiled provider, if this test file compiled it. */
export function removeCompiledProvider(): void {
  if (build) fs.rmSync(build, { recursive: true, force: true });
  build = undefined;
}

/** How a child ended. */
export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts one child; `ready` resolves once it has loaded the provider, `done` when it has exited. */
function startChild(target: ChildTarget, job: Job) {
  const env = { ...process.env };
  delete env.PGPASSWORD;
  if (target.password !== undefined) env.PGPASSWORD = target.password;
  const child = spawn(process.execPath, [CHILD, compiledProvider(), target.url, JSON.stringify(job)], { stdio: ["pipe", "pipe", "pipe"], env });
  let stdout = "";
  let stderr = "";
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    if (stdout.startsWith("ready\n")) onReady();
  });
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const watchdog = setTimeout(() => child.kill("SIGKILL"), HANG_MS);
  const done = new Promise<ChildRun>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(watchdog);
      onReady(); // a child that died early must not leave the test waiting
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, ready, done };
}

/** What a child reports. */
export interface ChildReport {
  /** One outcome per call, in the job's order. */
  results: Outcome[];
  /** With `close: false`: what still held the child's event loop once its calls were done (Node's resource types). */
  keepingAlive: string[];
}

/**
 * Runs one child per job against the same backend, all starting on one "go" once every child has
 * loaded the provider. Expects each to exit by itself with status 0 and nothing on stderr, and
 * returns each child's report.
 */
export async function runChildren(target: ChildTarget, jobs: Job[]): Promise<ChildReport[]> {
  const children = jobs.map((job) => startChild(target, job));
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.child.stdin.end("go\n");
  const runs = await Promise.all(children.map((c) => c.done));
  for (const r of runs) expect({ code: r.code, signal: r.signal, stderr: r.stderr }).toEqual({ code: 0, signal: null, stderr: "" });
  return runs.map((r, i) => {
    const lines = r.stdout.split("\n").filter(Boolean);
    expect(lines[0]).toBe("ready");
    expect(lines).toHaveLength(2);
    const report = JSON.parse(lines[1]!) as ChildReport;
    expect(report.results).toHaveLength(jobs[i]!.batches.flat().length);
    return report;
  });
}

/** Outcomes of calls made in this process, in the shape a child reports them. */
export function outcomesOf(settled: PromiseSettledResult<unknown>[]): Outcome[] {
  return settled.map((r) => {
    if (r.status === "fulfilled") return { ok: true, value: r.value };
    const e = r.reason as { name?: string; code?: string; details?: { property?: string }; message?: string };
    return { ok: false, name: e?.name, code: e?.code, property: e?.details?.property, message: String(e?.message ?? e) };
  });
}
