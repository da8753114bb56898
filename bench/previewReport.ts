/**
 * The preview-report figure: `secgroups preview-report` (the package's command, as built in dist/)
 * on the `pulumi preview --json` output of a stack's first preview, for a program of 2 000 resources
 * against one of 200 (bench/programs/ours; quick: 20 and 200), alternating, wall time of the command
 * writing its Markdown (the pull-request comment).
 *
 * The previews are real: each is the JSON the Pulumi CLI prints for a fresh stack of the program
 * (every resource a create, ids and cross-references unknown until apply), made once before timing.
 * The backend does not exist yet at a stack's first preview, so the report replays the steps on an
 * empty project, as it does in a pull request's first preview. The command's start-up (Node.js, its
 * modules) is part of what a user waits for, so it is in every sample; the row names the floor, the
 * command on a preview with no steps, measured in the same rounds.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { writeRoomyProfile } from "./engine";
import { BenchStack, REPO, workDir } from "./stack";
import { median } from "./stats";

/** One prepared preview: its file, and how many steps it holds. */
interface PreparedPreview {
  n: number;
  file: string;
  steps: number;
}

/** The first preview of bench/programs/ours with `n` resources, written to `dir`. */
async function preparePreview(n: number, dir: string, profileFile: string): Promise<PreparedPreview> {
  const stack = await BenchStack.create("ours", { "bench:n": String(n) });
  try {
    await stack.must(["config", "set", "secgroups:backend", `sqlite:${path.join(stack.dir, "cloud.db")}`]);
    await stack.must(["config", "set", "secgroups:profile", profileFile]);
    const preview = await stack.must(["preview", "--json"]);
    const steps = (JSON.parse(preview.stdout) as { steps?: unknown[] }).steps?.length ?? 0;
    const file = path.join(dir, `preview-${n}.json`);
    fs.writeFileSync(file, preview.stdout);
    return { n, file, steps };
  } finally {
    stack.discard();
  }
}

/**
 * Runs `secgroups preview-report FILE` on an empty project in `format` (md: the pull-request comment,
 * which is what is timed; json: to count the changes it lists); its wall time (ms) and that count.
 */
function reportOnce(file: string, dir: string, profileFile: string, format: "md" | "json" = "md"): Promise<{ ms: number; changes: number }> {
  const cli = path.join(REPO, "dist", "provider", "cli", "main.js");
  const args = [cli, "preview-report", file, "--format", format, "--backend", `sqlite:${path.join(dir, "absent.db")}`, "--profile", profileFile];
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    execFile(
      process.execPath,
      args,
      { cwd: dir, maxBuffer: 512 * 1024 * 1024, env: { ...process.env, SECGROUPS_PROJECT: "default" } },
      (err, stdout, stderr) => {
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        if (err) return reject(new Error(`secgroups preview-report ${file} failed: ${String(stderr).slice(-2000)}`));
        const changes = format === "json" ? ((JSON.parse(String(stdout)) as { changes?: unknown[] }).changes?.length ?? 0) : NaN;
        resolve({ ms, changes });
      },
    );
  });
}

/** Prepares the previews, then times the report of each (and of an empty one) in alternating rounds after a warm-up. */
export async function runPreviewReport(
  sizes: number[],
  rounds: number,
  log: (line: string) => void,
): Promise<{ samples: Record<string, number[]>; steps: Record<string, number>; changes: Record<string, number>; floorMs: number }> {
  const dir = workDir("preview-report");
  const profileFile = writeRoomyProfile(dir);
  const prepared: PreparedPreview[] = [];
  for (const n of sizes) {
    prepared.push(await preparePreview(n, dir, profileFile));
    log(`  preview of N = ${n}: ${prepared.at(-1)!.steps} steps`);
  }
  const empty = path.join(dir, "preview-empty.json");
  fs.writeFileSync(empty, JSON.stringify({ steps: [] }));
  const samples: Record<string, number[]> = {};
  const steps: Record<string, number> = {};
  const changes: Record<string, number> = {};
  const floor: number[] = [];
  for (const p of prepared) {
    const warm = await reportOnce(p.file, dir, profileFile, "json");
    await reportOnce(p.file, dir, profileFile);
    samples[String(p.steps)] = [];
    steps[String(p.steps)] = p.steps;
    changes[String(p.steps)] = warm.changes;
  }
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? prepared : [...prepared].reverse();
    for (const p of order) samples[String(p.steps)]!.push((await reportOnce(p.file, dir, profileFile)).ms);
    floor.push((await reportOnce(empty, dir, profileFile)).ms);
    log(
      `preview-report round ${r + 1}/${rounds}: ${prepared.map((p) => `${p.steps} steps ${samples[String(p.steps)]!.at(-1)!.toFixed(0)} ms`).join(", ")}`,
    );
  }
  return { samples, steps, changes, floorMs: median(floor) };
}
