/**
 * Figures 1 and 2: engine overhead (`pulumi up`, then `pulumi preview` with nothing to change) of
 * N resources of this provider against N no-op dynamic resources, alternating in one run, a fresh
 * stack per repetition; and the state size (`__provider` per resource, `pulumi stack export` / N)
 * from the same stacks.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { BenchStack, REPO, type ProcessUsage } from "./stack";

/** The two programs under comparison. */
export type Program = "ours" | "noop";

/** What one repetition of one program measured. */
export interface EngineSample {
  program: Program;
  n: number;
  rep: number;
  upMs: number;
  previewMs: number;
  /** CPU time of `up`'s and `preview`'s whole process trees (engine, plugins, program), ms. */
  upCpuMs: number;
  previewCpuMs: number;
  /** Peak RSS and CPU of the program and of the dynamic provider during `up` and `preview` (bench/probe.ts). */
  upUsage: ProcessUsage;
  previewUsage: ProcessUsage;
  /** Resources of the program's dynamic type(s) in the exported state (must equal n). */
  resources: number;
  /** Length in bytes of each resource's `__provider` output (UTF-8), in state order. */
  providerBytes: number[];
  /** Bytes of `pulumi stack export`. */
  exportBytes: number;
  /** Resources per type, e.g. { SecurityGroup: 15, ... }. */
  mix: Record<string, number>;
}

/** The openstack profile with quotas that never bite (as test/e2e/fleet.ts roomyProfile); its path. */
export function writeRoomyProfile(dir: string): string {
  const profile = JSON.parse(fs.readFileSync(path.join(REPO, "provider", "profiles", "openstack.json"), "utf8"));
  profile.quotas = { groups: 100000, rules: 1000000 };
  const file = path.join(dir, "roomy-profile.json");
  fs.writeFileSync(file, JSON.stringify(profile, null, 2));
  return file;
}

/** Bytes of a state value as stored: a string's UTF-8 length, else its JSON (e.g. a secret envelope). */
function storedBytes(value: unknown): number {
  return Buffer.byteLength(typeof value === "string" ? value : JSON.stringify(value ?? ""), "utf8");
}

/**
 * The stack's state (`pulumi stack export`): its text, the dynamic resources in it and how many of
 * each type; fails unless there are exactly `n` of them.
 */
export async function stateCensus(
  stack: BenchStack,
  label: string,
  n: number,
): Promise<{ exported: string; dynamic: Array<Record<string, any>>; mix: Record<string, number> }> {
  const exported = (await stack.must(["stack", "export"])).stdout;
  const deployment = JSON.parse(exported).deployment as { resources?: Array<Record<string, any>> };
  const dynamic = (deployment.resources ?? []).filter((r) => String(r.type).startsWith("pulumi-nodejs:dynamic/"));
  const mix: Record<string, number> = {};
  for (const r of dynamic) {
    const type = String(r.type).slice(String(r.type).lastIndexOf(":") + 1);
    mix[type] = (mix[type] ?? 0) + 1;
  }
  if (dynamic.length !== n) throw new Error(`${label}: the state holds ${dynamic.length} dynamic resources, not ${n}`);
  return { exported, dynamic, mix };
}

/**
 * Runs one repetition of `program` with `n` resources on a fresh stack, then discards the stack.
 * `up` and `preview` run under bench/probe.ts (peak RSS and CPU of the program and the provider);
 * with `cpuProfile` the probe also writes their CPU profiles, kept in the stack's `probe-up` and
 * `probe-preview` directories.
 */
export async function runEngineOnce(program: Program, n: number, rep: number, keep = false, cpuProfile = false): Promise<EngineSample> {
  const config: Record<string, string> = { "bench:n": String(n) };
  const stack = await BenchStack.create(program, config);
  try {
    if (program === "ours") {
      await stack.must(["config", "set", "secgroups:backend", `sqlite:${path.join(stack.dir, "cloud.db")}`]);
      await stack.must(["config", "set", "secgroups:profile", writeRoomyProfile(stack.dir)]);
    }
    const up = await stack.must(["up", "--yes", "--skip-preview"], { dir: path.join(stack.dir, "probe-up"), cpuProfile });
    const preview = await stack.must(["preview"], { dir: path.join(stack.dir, "probe-preview"), cpuProfile });
    if (!/\b\d+ unchanged\b/.test(preview.stdout) || /\bto (create|update|delete|replace)\b/.test(preview.stdout)) {
      throw new Error(`preview after up of ${program} N=${n} shows changes:\n${preview.stdout.slice(-3000)}`);
    }
    const { exported, dynamic, mix } = await stateCensus(stack, `${program} N=${n}`, n);
    return {
      program,
      n,
      rep,
      upMs: up.ms,
      previewMs: preview.ms,
      upCpuMs: up.treeCpuMs,
      previewCpuMs: preview.treeCpuMs,
      upUsage: up.usage!,
      previewUsage: preview.usage!,
      resources: dynamic.length,
      providerBytes: dynamic.map((r) => storedBytes(r.outputs?.__provider)),
      exportBytes: Buffer.byteLength(exported, "utf8"),
      mix,
    };
  } finally {
    if (!keep) stack.discard();
  }
}

/**
 * Every repetition of both programs at every size, alternating: within a repetition the two run
 * back to back, and which goes first alternates from one repetition to the next.
 */
export async function runEngine(sizes: number[], reps: number, log: (line: string) => void): Promise<EngineSample[]> {
  const samples: EngineSample[] = [];
  for (let rep = 0; rep < reps; rep++) {
    for (const n of sizes) {
      const order: Program[] = rep % 2 === 0 ? ["ours", "noop"] : ["noop", "ours"];
      for (const program of order) {
        const s = await runEngineOnce(program, n, rep);
        const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
        log(
          `engine rep ${rep + 1}/${reps} N=${n} ${program}: up ${(s.upMs / 1000).toFixed(1)} s (CPU ${(s.upCpuMs / 1000).toFixed(1)} s), ` +
            `preview ${(s.previewMs / 1000).toFixed(1)} s; peak RSS program ${mib(s.upUsage.programMaxRssKiB)}, provider ${mib(s.upUsage.providerMaxRssKiB)}`,
        );
        samples.push(s);
      }
    }
  }
  return samples;
}
