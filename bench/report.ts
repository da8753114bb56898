/** The benchmark's results: the machine, each figure with its samples, and the Markdown table. */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import type { OpSamples } from "./backend";
import type { EngineSample, Program } from "./engine";
import type { OpenstackRun, Side } from "./openstack";
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

/** The figures a run measures (`--only`), each its own part of results.json. */
export const FIGURES = ["engine", "backend", "evaluation", "openstack"] as const;
export type FigureName = (typeof FIGURES)[number];

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

/** One command of the openstack figure: the same program on Neutron and on the embedded backend. */
export interface SidesFigure {
  openstack: Series;
  embedded: Series;
  /** openstack / embedded, of the medians. */
  ratio: number;
}

/** The openstack figure: `pulumi up` and `pulumi destroy` of one program on a real Neutron against the embedded SQLite backend. */
export interface OpenstackFigure {
  n: number;
  repetitions: number;
  mix: Record<string, number>;
  /** What served the openstack side (Neutron, its libraries, gunicorn, Python, PostgreSQL). */
  versions: Record<string, string>;
  /** Starting the Neutron (not timed in the figure). */
  neutronStartSeconds: number;
  up: SidesFigure;
  destroy: SidesFigure;
}

/** Everything bench/results.json holds. */
export interface Results {
  /** The machine of the run that wrote the file. */
  machine: Machine;
  run: {
    quick: boolean;
    engineSizes: number[];
    repetitions: number;
    backendSizes: number[];
    backendOps: number;
    openstackSize: number;
    seconds: number;
  };
  engine: EngineResult[];
  backend: Record<string, { ruleCreate: BackendFigure; attachmentCreate: BackendFigure }>;
  evaluation: EvaluationFigure;
  openstack?: OpenstackFigure;
  /**
   * The machine as each figure was measured: a run with `--only` keeps the other figures of the
   * previous results, with the date and load they were measured at.
   */
  measured: Partial<Record<FigureName, Machine>>;
  notes: string[];
}

/** Whether `r` holds figure `f`. */
export function hasFigure(r: Results, f: FigureName): boolean {
  if (f === "engine") return r.engine.length > 0;
  if (f === "backend") return Object.keys(r.backend).length > 0;
  if (f === "evaluation") return Object.keys(r.evaluation.bySize).length > 0;
  return r.openstack !== undefined;
}

/**
 * `current` with the figures it did not measure taken from `previous` (an earlier results.json), each
 * with the machine it was measured on (files written before `measured` existed: their `machine`).
 */
export function mergeResults(current: Results, previous: Results, measuredNow: readonly FigureName[]): Results {
  const merged: Results = { ...current, measured: { ...current.measured } };
  for (const f of FIGURES) {
    if (measuredNow.includes(f) || !hasFigure(previous, f)) continue;
    if (f === "engine") merged.engine = previous.engine;
    else if (f === "backend") merged.backend = previous.backend;
    else if (f === "evaluation") merged.evaluation = previous.evaluation;
    else merged.openstack = previous.openstack!;
    merged.measured[f] = previous.measured?.[f] ?? previous.machine;
  }
  return merged;
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

/** The openstack figure from its run (the embedded backend is the baseline). */
export function openstackResults(run: OpenstackRun, n: number): OpenstackFigure {
  const of = (side: Side) => run.samples.filter((s) => s.side === side && s.n === n);
  const figure = (pick: (s: OpenstackRun["samples"][number]) => number): SidesFigure => {
    const openstack = of("openstack").map(pick);
    const embedded = of("embedded").map(pick);
    return { openstack: series(openstack), embedded: series(embedded), ratio: round(median(openstack) / median(embedded), 2) };
  };
  return {
    n,
    repetitions: Math.min(of("openstack").length, of("embedded").length),
    mix: of("openstack")[0]?.mix ?? {},
    versions: run.versions,
    neutronStartSeconds: run.neutronStartSeconds,
    up: figure((s) => s.upMs),
    destroy: figure((s) => s.destroyMs),
  };
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

/**
 * The one-line description of the machine that goes with the table; when the figures were measured
 * by different runs (`--only`), the date and load of each run, with the figures it measured.
 */
export function machineLine(m: Machine, measured: Results["measured"] = {}): string {
  const when = (x: Machine) => `${x.date.slice(0, 16).replace("T", " ")} UTC; load average at start ${x.loadAverageAtStart.join(" / ")}`;
  const runs = new Map<string, { machine: Machine; figures: string[] }>();
  for (const f of FIGURES) {
    const x = measured[f];
    if (!x) continue;
    const run = runs.get(x.date) ?? { machine: x, figures: [] };
    run.figures.push(f);
    runs.set(x.date, run);
  }
  const software = (x: Machine) => `${x.os}; Node ${x.node}, Pulumi CLI ${x.pulumiCli} (SDK ${x.pulumiSdk})`;
  const base = `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB`;
  if (runs.size <= 1) return `${base}, ${software(m)}; ${when(m)}.`;
  const each = [...runs.values()].sort((a, b) => a.machine.date.localeCompare(b.machine.date));
  return `${base}; ${each.map((r) => `${r.figures.join(", ")}: ${software(r.machine)}; ${when(r.machine)}`).join(" — ")}.`;
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
  const cloud = r.openstack;
  if (cloud) {
    const neutron = `Neutron ${cloud.versions.neutron ?? "?"} vs embedded SQLite`;
    for (const [command, f] of [
      ["up", cloud.up],
      ["destroy", cloud.destroy],
    ] as const)
      rows.push([
        `${neutron}: \`pulumi ${command}\`, N = ${cloud.n} (median of ${cloud.repetitions})`,
        seconds(f.openstack.medianMs),
        seconds(f.embedded.medianMs),
        `${f.ratio}×`,
        "—",
        "—",
      ]);
  }
  const header = ["Figure", "Measured", "Baseline", "Ratio", "Target", "Met"];
  const lines = [header, header.map(() => "---"), ...rows].map((cells) => `| ${cells.join(" | ")} |`);
  return [
    machineLine(r.machine, r.measured),
    "",
    ...lines,
    "",
    "Baseline: the no-op program at the same N (engine, state), the 1 000-rule project (backend), 100 servers (evaluation), " +
      "the same program on the embedded SQLite backend (Neutron).",
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
