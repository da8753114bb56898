/**
 * `npm run bench -- --profile[=N]`: where the time of `pulumi up` and of the no-change `pulumi
 * preview` after it goes. One fresh stack of bench/programs/ours and one of the no-op program at N
 * (default 2 000) run both with bench/probe.ts
 * recording a V8 CPU profile of the program and of the dynamic-provider process; the profiles are
 * kept under test-output/bench/profiles/ (open them in Chrome's DevTools or speedscope), and a
 * summary is printed: each process's CPU time by whose code ran (ours, the Pulumi SDK, gRPC and
 * protobuf, Node.js and V8, the program's own file, the garbage collector) and the functions with
 * the most self time. The engine's share is the command's whole process tree less those two.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { runEngineOnce, type EngineSample, type Program } from "./engine";
import { engineCpuMs, WORK } from "./stack";

/** The parts of a V8 CPU profile (`Profiler.stop`) the summary reads. */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

/** Whose code a profile node is, from its script's URL. */
export function ownerOf(url: string, functionName: string): string {
  const u = url.replaceAll("\\", "/");
  if (!u) return functionName === "(garbage collector)" ? "garbage collector" : functionName === "(idle)" ? "idle" : "V8 and Node.js (native)";
  if (/\/node_modules\/@pulumi\/pulumi\//.test(u)) return "Pulumi SDK";
  if (/\/node_modules\/(@grpc|google-protobuf|@protobufjs|protobufjs)\//.test(u)) return "gRPC and protobuf";
  if (/\/node_modules\//.test(u)) return "other packages";
  if (u.startsWith("node:")) return "Node.js (JavaScript)";
  if (/\/(dist|sdk|provider)\//.test(u) && !/\/program\//.test(u)) return "ours";
  return "the program's file";
}

/** Self time (ms) by owner and by function (top `top`), of one profile. */
export function summarize(
  profile: CpuProfile,
  top = 12,
): { byOwner: Record<string, number>; topFunctions: Array<{ name: string; owner: string; ms: number }> } {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byOwner: Record<string, number> = {};
  const byFunction = new Map<string, { owner: string; us: number }>();
  for (const [id, us] of selfUs) {
    const f = nodes.get(id)!.callFrame;
    const owner = ownerOf(f.url, f.functionName);
    if (owner === "idle") continue;
    byOwner[owner] = (byOwner[owner] ?? 0) + us / 1000;
    const where = f.url ? `${f.url.replace(/^.*\/(node_modules|dist|program)\//, "$1/")}:${f.lineNumber + 1}` : "";
    const name = `${f.functionName || "(anonymous)"}${where ? ` ${where}` : ""}`;
    const entry = byFunction.get(name) ?? { owner, us: 0 };
    entry.us += us;
    byFunction.set(name, entry);
  }
  const topFunctions = [...byFunction]
    .sort((a, b) => b[1].us - a[1].us)
    .slice(0, top)
    .map(([name, e]) => ({ name, owner: e.owner, ms: Math.round(e.us / 1000) }));
  for (const k of Object.keys(byOwner)) byOwner[k] = Math.round(byOwner[k]!);
  return { byOwner, topFunctions };
}

/** Profiles `up` of both programs at `n` and prints the summary; the profiles stay in test-output/bench/profiles/. */
export async function runProfile(n: number, log: (line: string) => void): Promise<string> {
  const out = path.join(path.dirname(WORK), "profiles");
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const lines: string[] = [`CPU profile of \`pulumi up\`, N = ${n} (one run each; ms of CPU)`];
  for (const program of ["ours", "noop"] as Program[]) {
    log(`profiling pulumi up of ${program}, N = ${n}`);
    const sample: EngineSample = await runEngineOnce(program, n, 0, true, true);
    for (const [command, wallMs, treeCpuMs, u] of [
      ["up", sample.upMs, sample.upCpuMs, sample.upUsage],
      ["preview", sample.previewMs, sample.previewCpuMs, sample.previewUsage],
    ] as const) {
      lines.push(
        "",
        `## ${program}, pulumi ${command}: wall ${(wallMs / 1000).toFixed(1)} s; CPU of the whole tree ${(treeCpuMs / 1000).toFixed(1)} s, ` +
          `program ${(u.programCpuMs / 1000).toFixed(1)} s, provider ${(u.providerCpuMs / 1000).toFixed(1)} s, ` +
          `engine and plugins ${(engineCpuMs(treeCpuMs, u) / 1000).toFixed(1)} s`,
      );
      for (const role of ["program", "provider"] as const) {
        for (const [i, file] of u.profiles[role].entries()) {
          const kept = path.join(out, `${program}-${n}-${command}-${role}${i ? `-${i}` : ""}.cpuprofile`);
          fs.copyFileSync(file, kept);
          const s = summarize(JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile);
          const owners = Object.entries(s.byOwner)
            .sort((a, b) => b[1] - a[1])
            .map(([o, ms]) => `${o} ${ms}`)
            .join(", ");
          lines.push("", `### ${role} (${path.relative(path.dirname(path.dirname(WORK)), kept)}): ${owners}`, "");
          for (const f of s.topFunctions) lines.push(`- ${f.ms} ms  ${f.name}  [${f.owner}]`);
        }
      }
    }
  }
  const text = lines.join("\n");
  fs.writeFileSync(path.join(out, "summary.md"), text + "\n");
  return text;
}
