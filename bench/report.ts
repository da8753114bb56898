/** The benchmark's results: the machine, each figure with its samples, and the Markdown table. */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import type { OpSamples } from "./backend";
import type { EngineSample, Program } from "./engine";
import { median, p95, round } from "./stats";

/** Target ratios and sizes of the issue (one run's ratios). */
export const TARGETS = {
  engineRatioAt500: 1.2,
  providerBytesPerResource: 2048,
  backendRatio: 1.3,
  evaluationRatio: 11,
} as const;

/** The machine a run happened on. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  pulumiCli: string;
  pulumiSdk: string;
  date: string;
  loadAverageAtStart: number[];
}

/** The machine this process runs on, now. */
export function machine(repo: string): Machine {
  let osName = `${os.type()} ${os.release()}`;
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(fs.readFileSync("/etc/os-release", "utf8"))?.[1];
    if (pretty) osName = `${pretty} (${os.type()} ${os.release()})`;
  } catch {
    // No /etc/os-release: the kernel name and release will do.
  }
  let pulumiCli = "unknown";
  try {
    pulumiCli = execFileSync("pulumi", ["version"], { encoding: "utf8" }).trim();
  } catch {
    // Reported as unknown.
  }
  return {
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    cores: os.cpus().length,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    os: osName,
    node: process.version,
    pulumiCli,
    pulumiSdk: JSON.parse(fs.readFileSync(`${repo}/node_modules/@pulumi/pulumi/package.json`, "utf8")).version,
    date: new Date().toISOString(),
    loadAverageAtStart: os.loadavg().map((l) => round(l, 2)),
  };
}

/** Samples of one program and their median. */
interface Series {
  samplesMs: number[];
  medianMs: number;
}

/** One engine figure: ours against the no-op baseline. */
export interface EngineFigure {
  ours: Series;
  noop: Series;
  ratio: number;
  target: number | null;
  met: boolean | null;
}

/** Engine overhead and state size at one N. */
export interface EngineResult {
  n: number;
  repetitions: number;
  mix: Record<string, number>;
  up: EngineFigure;
  preview: EngineFigure;
  providerBytesPerResource: { ours: number; oursMax: number; noop: number; target: number; met: boolean };
  exportBytesPerResource: { ours: number; noop: number; ratio: number; samples: { ours: number[]; noop: number[] } };
}

/** One backend operation at two project sizes. */
export interface BackendFigure {
  bySize: Record<string, { samplesMs: number[]; medianMs: number; p95Ms: number }>;
  ratioMedian: number;
  ratioP95: number;
  target: number;
  /** Whether the median ratio meets the target. */
  met: boolean;
}

/** Exposure evaluation at two project sizes (servers). */
export interface EvaluationFigure {
  bySize: Record<string, Series & { findings: number; jsonBytes: number; htmlBytes: number }>;
  ratioMedian: number;
  target: number;
  met: boolean;
}

/** The evaluation figure from its samples (the smallest size is the baseline). */
export function evaluationResults(run: {
  samples: Record<string, number[]>;
  findings: Record<string, number>;
  jsonBytes: Record<string, number>;
  htmlBytes: Record<string, number>;
}): EvaluationFigure {
  const sizes = Object.keys(run.samples)
    .map(Number)
    .sort((a, b) => a - b);
  const bySize = Object.fromEntries(
    sizes.map((n) => [
      String(n),
      {
        ...series(run.samples[String(n)]!),
        findings: run.findings[String(n)]!,
        jsonBytes: run.jsonBytes[String(n)]!,
        htmlBytes: run.htmlBytes[String(n)]!,
      },
    ]),
  );
  const ratioMedian = round(median(run.samples[String(sizes[sizes.length - 1])]!) / median(run.samples[String(sizes[0])]!), 2);
  return { bySize, ratioMedian, target: TARGETS.evaluationRatio, met: ratioMedian <= TARGETS.evaluationRatio };
}

/** Everything bench/results.json holds. */
export interface Results {
  machine: Machine;
  run: { quick: boolean; engineSizes: number[]; repetitions: number; backendSizes: number[]; backendOps: number; seconds: number };
  engine: EngineResult[];
  backend: Record<string, { ruleCreate: BackendFigure; attachmentCreate: BackendFigure }>;
  evaluation: EvaluationFigure;
  notes: string[];
}

function series(samples: number[]): Series {
  return { samplesMs: samples.map((s) => round(s, 1)), medianMs: round(median(samples), 1) };
}

/** The engine figures of every N from the samples of both programs. */
export function engineResults(samples: EngineSample[], sizes: number[]): EngineResult[] {
  return sizes.map((n) => {
    const of = (p: Program) => samples.filter((s) => s.n === n && s.program === p);
    const ours = of("ours");
    const noop = of("noop");
    const figure = (pick: (s: EngineSample) => number): EngineFigure => {
      const ratio = round(median(ours.map(pick)) / median(noop.map(pick)), 2);
      const target = n === 500 ? TARGETS.engineRatioAt500 : null;
      return { ours: series(ours.map(pick)), noop: series(noop.map(pick)), ratio, target, met: target === null ? null : ratio <= target };
    };
    const bytes = (list: EngineSample[]) => list.flatMap((s) => s.providerBytes);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const perResource = (list: EngineSample[]) => list.map((s) => round(s.exportBytes / s.n, 0));
    const oursMax = Math.max(...bytes(ours));
    return {
      n,
      repetitions: Math.min(ours.length, noop.length),
      mix: ours[0]?.mix ?? {},
      up: figure((s) => s.upMs),
      preview: figure((s) => s.previewMs),
      providerBytesPerResource: {
        ours: round(mean(bytes(ours)), 0),
        oursMax,
        noop: round(mean(bytes(noop)), 0),
        target: TARGETS.providerBytesPerResource,
        met: oursMax <= TARGETS.providerBytesPerResource,
      },
      exportBytesPerResource: {
        ours: median(perResource(ours)),
        noop: median(perResource(noop)),
        ratio: round(median(perResource(ours)) / median(perResource(noop)), 2),
        samples: { ours: perResource(ours), noop: perResource(noop) },
      },
    };
  });
}

/** One backend figure from the samples at each size (the ratio is the largest size over the smallest). */
export function backendFigure(bySize: Record<number, number[]>): BackendFigure {
  const sizes = Object.keys(bySize)
    .map(Number)
    .sort((a, b) => a - b);
  const out: BackendFigure["bySize"] = {};
  for (const s of sizes)
    out[String(s)] = { samplesMs: bySize[s]!.map((x) => round(x, 3)), medianMs: round(median(bySize[s]!), 3), p95Ms: round(p95(bySize[s]!), 3) };
  const small = bySize[sizes[0]!]!;
  const large = bySize[sizes[sizes.length - 1]!]!;
  const ratioMedian = round(median(large) / median(small), 2);
  return {
    bySize: out,
    ratioMedian,
    ratioP95: round(p95(large) / p95(small), 2),
    target: TARGETS.backendRatio,
    met: ratioMedian <= TARGETS.backendRatio,
  };
}

/** The backend figures of one database kind. */
export function backendResults(samples: Record<number, OpSamples>): { ruleCreate: BackendFigure; attachmentCreate: BackendFigure } {
  const pick = (k: keyof OpSamples) => Object.fromEntries(Object.entries(samples).map(([s, o]) => [s, o[k]]));
  return { ruleCreate: backendFigure(pick("ruleCreate")), attachmentCreate: backendFigure(pick("attachmentCreate")) };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const bytes = (b: number) => (b >= 10240 ? `${(b / 1024).toFixed(1)} KiB` : `${Math.round(b)} B`);
const ms = (x: number) => `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`;
const yesNo = (met: boolean | null) => (met === null ? "—" : met ? "yes" : "**no**");
const thousands = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));

/** The one-line description of the machine that goes with the table. */
export function machineLine(m: Machine): string {
  return (
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}, Pulumi CLI ${m.pulumiCli} (SDK ${m.pulumiSdk}); ` +
    `${m.date.slice(0, 16).replace("T", " ")} UTC; load average at start ${m.loadAverageAtStart.join(" / ")}.`
  );
}

/** The Markdown table of a run (with its machine line above it). */
export function markdown(r: Results): string {
  const rows: string[][] = [];
  for (const e of r.engine) {
    const target = (f: EngineFigure) => (f.target === null ? "—" : `≤ ${f.target}×`);
    rows.push([
      `Engine: \`pulumi up\`, N = ${e.n} (median of ${e.repetitions})`,
      seconds(e.up.ours.medianMs),
      seconds(e.up.noop.medianMs),
      `${e.up.ratio}×`,
      target(e.up),
      yesNo(e.up.met),
    ]);
    rows.push([
      `Engine: \`pulumi preview\`, N = ${e.n} (median of ${e.repetitions})`,
      seconds(e.preview.ours.medianMs),
      seconds(e.preview.noop.medianMs),
      `${e.preview.ratio}×`,
      target(e.preview),
      yesNo(e.preview.met),
    ]);
  }
  for (const e of r.engine) {
    const p = e.providerBytesPerResource;
    rows.push([
      `State: \`__provider\` per resource, N = ${e.n} (mean; max ${bytes(p.oursMax)})`,
      bytes(p.ours),
      bytes(p.noop),
      `${round(p.ours / p.noop, 2)}×`,
      `≤ ${bytes(p.target)}`,
      yesNo(p.met),
    ]);
    const x = e.exportBytesPerResource;
    rows.push([`State: \`pulumi stack export\` per resource, N = ${e.n}`, bytes(x.ours), bytes(x.noop), `${x.ratio}×`, "—", "—"]);
  }
  for (const [kind, b] of Object.entries(r.backend)) {
    const name = kind === "sqlite" ? "SQLite" : "PostgreSQL";
    for (const [op, f] of [
      ["rule create", b.ruleCreate],
      ["attachment create", b.attachmentCreate],
    ] as const) {
      const sizes = Object.keys(f.bySize)
        .map(Number)
        .sort((a, c) => a - c);
      const small = f.bySize[String(sizes[0])]!;
      const large = f.bySize[String(sizes[sizes.length - 1])]!;
      rows.push([
        `Backend ${name}: ${op}, ${thousands(sizes[sizes.length - 1]!)} vs ${thousands(sizes[0]!)} rules (median / p95 of ${large.samplesMs.length})`,
        `${ms(large.medianMs)} / ${ms(large.p95Ms)}`,
        `${ms(small.medianMs)} / ${ms(small.p95Ms)}`,
        `${f.ratioMedian}× / ${f.ratioP95}×`,
        `≤ ${f.target}× (median)`,
        yesNo(f.met),
      ]);
    }
  }
  const ev = r.evaluation;
  const evSizes = Object.keys(ev.bySize)
    .map(Number)
    .sort((a, c) => a - c);
  if (evSizes.length) {
    const small = ev.bySize[String(evSizes[0])]!;
    const large = ev.bySize[String(evSizes[evSizes.length - 1])]!;
    rows.push([
      `Evaluation: exposure, findings, JSON and HTML report, ${thousands(evSizes[evSizes.length - 1]!)} vs ${thousands(evSizes[0]!)} servers (median of ${large.samplesMs.length}; HTML ${bytes(large.htmlBytes)} / ${bytes(small.htmlBytes)})`,
      ms(large.medianMs),
      ms(small.medianMs),
      `${ev.ratioMedian}×`,
      `≤ ${ev.target}×`,
      yesNo(ev.met),
    ]);
  }
  const header = ["Figure", "Measured", "Baseline", "Ratio", "Target", "Met"];
  const lines = [header, header.map(() => "---"), ...rows].map((cells) => `| ${cells.join(" | ")} |`);
  return [
    machineLine(r.machine),
    "",
    ...lines,
    "",
    "Baseline: the no-op program at the same N (engine, state), the 1 000-rule project (backend), 100 servers (evaluation).",
    ...(r.run.quick ? ["", "**Quick run** (`--quick`): small N and few samples; not the figures the targets are about."] : []),
  ].join("\n");
}

/** Markers around the results table in bench/README.md. */
export const README_START = "<!-- bench:results:start -->";
export const README_END = "<!-- bench:results:end -->";

/** Replaces the text between the markers of `readme` with `table`. */
export function withTable(readme: string, table: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`bench/README.md lacks the markers ${README_START} … ${README_END}`);
  return `${readme.slice(0, start + README_START.length)}\n${table}\n${readme.slice(end)}`;
}
