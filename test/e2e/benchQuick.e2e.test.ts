/**
 * Smoke check of the benchmark (`npm run bench -- --quick`): the bench compiles and every figure of
 * bench/README.md is produced — engine overhead with peak RSS and the CPU split, state size, backend
 * scaling on SQLite and PostgreSQL, evaluation scaling with peak RSS, preview-report, a real Neutron
 * against the embedded backend, and ours against OpenTofu with terraform-provider-openstack on the
 * same Neutron. It asserts that each figure was measured (samples present, positive, the mix the
 * program makes), never how fast: timings are the benchmark's business, not a test's. The one value
 * it asserts is a correctness one: after rules written as users write them, our second preview
 * shows 0 changes.
 *
 * The quick run writes test-output/bench/run/results.quick.json and leaves bench/results.json and
 * bench/README.md alone (the test command fails on a changed working tree anyway).
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { Results } from "../../bench/report";

const REPO = path.resolve(__dirname, "..", "..");
const RESULTS = path.join(REPO, "test-output", "bench", "run", "results.quick.json");

/** Runs node with `args` in the repository; how it ended and what it wrote on stderr. */
function run(args: string[], timeout = 120_000): Promise<{ code: number | string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { cwd: REPO, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout, killSignal: "SIGKILL" },
      (err, _stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number | string }).code ?? (err as { signal?: string }).signal ?? 1) : 0, stderr: String(stderr) }),
    );
  });
}

/** Every sample is a positive, finite number. */
function positive(samples: number[]): boolean {
  return samples.length > 0 && samples.every((s) => Number.isFinite(s) && s > 0);
}

describe("npm run bench -- --quick", () => {
  it("produces every figure of the benchmark", { timeout: 900_000 }, async () => {
    // Asynchronously: a call that blocked the worker for minutes would keep it from answering vitest.
    const compiled = await run([path.join(REPO, "node_modules", "typescript", "bin", "tsc"), "-p", path.join(REPO, "bench", "tsconfig.json")]);
    expect(compiled.code, compiled.stderr).toBe(0);
    // Below the test's own timeout (the services it starts die with it).
    const quick = await run([path.join(REPO, "test-output", "bench", "build", "bench", "run.js"), "--quick"], 840_000);
    expect(quick.code, quick.stderr.slice(-4000)).toBe(0);
    const r = JSON.parse(fs.readFileSync(RESULTS, "utf8")) as Results;
    expect(r.run.quick).toBe(true);

    // Engine, N = 20: up and preview of both programs, peak RSS of both processes, the CPU split.
    expect(r.engine.map((e) => e.n)).toEqual([20]);
    const e = r.engine[0]!;
    expect(e.mix).toEqual({ SecurityGroup: 3, SecurityGroupRule: 12, Server: 2, ServerAttachment: 3 });
    for (const f of [e.up, e.preview]) expect(positive([...f.ours.samplesMs, ...f.noop.samplesMs])).toBe(true);
    for (const f of [e.rss.program, e.rss.provider]) expect(positive([...f.samples.ours, ...f.samples.noop])).toBe(true);
    for (const c of [e.upCpu.ours, e.upCpu.noop, e.previewCpu!.ours, e.previewCpu!.noop])
      expect(positive([c.tree, c.program, c.provider])).toBe(true);
    expect(e.providerBytesPerResource.ours).toBeGreaterThan(0);

    // Backend scaling on both databases, each operation at both sizes.
    expect(Object.keys(r.backend).sort()).toEqual(["postgres", "sqlite"]);
    for (const b of Object.values(r.backend))
      for (const f of [b.ruleCreate, b.attachmentCreate]) {
        expect(Object.keys(f.bySize).sort()).toEqual(["1000", "10000"]);
        for (const s of Object.values(f.bySize)) expect(s.samplesMs).toHaveLength(40);
      }

    // Evaluation scaling with peak RSS; preview-report of two real previews.
    expect(Object.keys(r.evaluation.bySize).sort()).toEqual(["100", "1000"]);
    for (const s of Object.values(r.evaluation.bySize)) expect(positive([...s.samplesMs, s.peakRssKiB!])).toBe(true);
    expect(r.report).toBeDefined();
    // The first preview of N resources has N + 1 steps (the stack itself).
    expect(Object.values(r.report!.bySize).map((s) => s.steps)).toEqual([21, 201]);
    for (const s of Object.values(r.report!.bySize)) expect(positive(s.samplesMs)).toBe(true);

    // A real Neutron against the embedded backend.
    expect(r.openstack?.n).toBe(20);
    for (const f of [r.openstack!.up, r.openstack!.destroy]) expect(positive([...f.openstack.samplesMs, ...f.embedded.samplesMs])).toBe(true);

    // Ours against the peer on the same Neutron; our second preview after rules as users write them is clean.
    expect(r.peer?.n).toBe(20);
    for (const f of [r.peer!.apply, r.peer!.noChange, r.peer!.destroy]) expect(positive([...f.ours.samplesMs, ...f.peer.samplesMs])).toBe(true);
    expect(r.peer!.userWrittenRules.ours).toBe(0);
  });
});
