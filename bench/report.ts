/** The benchmark's results: the machine, each figure with its samples, and the Markdown table. */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import type { BackendRun, OpSamples } from "./backend";
import type { EngineSample, Program } from "./engine";
import type { OpenstackRun, Side } from "./openstack";
import type { PeerRun, PeerSample, Tool } from "./peer";
import { median, p95, round } from "./stats";
import { engineCpuMs } from "./stack";

/** Target ratios and sizes of the issue (one run's ratios). */
export const TARGETS = {
  /** `pulumi up`, ours / no-op, at each of ENGINE_TARGET_SIZES. */
  engineUpRatio: 1.15,
  /** `pulumi preview` with nothing to change, ours / no-op, at the largest of ENGINE_TARGET_SIZES. */
  enginePreviewRatio: 1.1,
  /** Peak RSS of the program and of the provider process during `up`, ours / no-op, at the largest size. */
  engineRssRatio: 1.3,
  providerBytesPerResource: 2048,
  backendRatio: 1.3,
  evaluationRatio: 11,
  previewReportRatio: 11,
  /** Ours / the peer (OpenTofu with terraform-provider-openstack) on the same Neutron. */
  peerRatio: 1.0,
} as const;

/** The sizes the engine targets are about (a quick run's N = 20 is judged against none). */
export const ENGINE_TARGET_SIZES = [500, 2000] as const;

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
  /** The commit measured (`git rev-parse --short HEAD`, `+changes` when the tree differed from it); runs before it was recorded lack it. */
  commit?: string;
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
  let commit: string | undefined;
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repo, encoding: "utf8" }).trim();
    const changed = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: repo, encoding: "utf8" }).trim() !== "";
    commit = `${head}${changed ? "+changes" : ""}`;
  } catch {
    // Not a git checkout: no commit to name.
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
    ...(commit ? { commit } : {}),
  };
}

/** The figures a run measures (`--only`), each its own part of results.json. */
export const FIGURES = ["engine", "backend", "evaluation", "report", "openstack", "peer"] as const;
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

/** Peak RSS (KiB) of one process kind, ours against the no-op's, medians of the repetitions. */
export interface RssFigure {
  oursKiB: number;
  noopKiB: number;
  ratio: number;
  target: number | null;
  met: boolean | null;
  samples: { ours: number[]; noop: number[] };
}

/** Where `up`'s CPU time went (medians, ms): the whole tree, the program, the provider, and the rest (the engine and its plugins). */
export interface CpuSplit {
  tree: number;
  program: number;
  provider: number;
  engine: number;
}

/** Engine overhead and state size at one N. */
export interface EngineResult {
  n: number;
  repetitions: number;
  mix: Record<string, number>;
  up: EngineFigure;
  preview: EngineFigure;
  /** Peak RSS during `up`. */
  rss: { program: RssFigure; provider: RssFigure };
  /** CPU time of `up` and of the no-change `preview` by process. */
  upCpu: { ours: CpuSplit; noop: CpuSplit };
  previewCpu?: { ours: CpuSplit; noop: CpuSplit };
  providerBytesPerResource: { ours: number; oursMax: number; noop: number; target: number; met: boolean };
  exportBytesPerResource: { ours: number; noop: number; ratio: number; samples: { ours: number[]; noop: number[] } };
}

/** One backend operation at two project sizes. */
export interface BackendFigure {
  bySize: Record<string, { samplesMs: number[]; medianMs: number; p95Ms: number }>;
  ratioMedian: number;
  ratioP95: number;
  target: number;
  /** Whether the median and the p95 ratio both meet the target. */
  met: boolean;
}

/** The backend figures of one database kind (`version`: the database's; results before it lack it). */
export interface BackendResult {
  version?: string;
  ruleCreate: BackendFigure;
  attachmentCreate: BackendFigure;
}

/** Exposure evaluation at two project sizes (servers). */
export interface EvaluationFigure {
  bySize: Record<string, Series & { findings: number; jsonBytes: number; htmlBytes: number; peakRssKiB?: number }>;
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
  peakRssKiB: Record<string, number>;
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
        peakRssKiB: run.peakRssKiB[String(n)]!,
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

/** preview-report's work on a preview of each size (steps), in process. */
export interface PreviewReportFigure {
  bySize: Record<string, Series & { steps: number; changes: number }>;
  /** The command on a preview with no steps (its start-up), median. */
  floorMs: number;
  /** The ratio of the medians less that floor: the work that grows with the preview. */
  ratioBeyondFloor: number;
  ratioMedian: number;
  target: number;
  met: boolean;
}

/** The preview-report figure from its samples (the smallest preview is the baseline). */
export function previewReportResults(run: {
  samples: Record<string, number[]>;
  steps: Record<string, number>;
  changes: Record<string, number>;
  floorMs: number;
}): PreviewReportFigure {
  const sizes = Object.keys(run.samples)
    .map(Number)
    .sort((a, b) => a - b);
  const bySize = Object.fromEntries(
    sizes.map((n) => [String(n), { ...series(run.samples[String(n)]!), steps: run.steps[String(n)]!, changes: run.changes[String(n)]! }]),
  );
  const ratioMedian = round(median(run.samples[String(sizes[sizes.length - 1])]!) / median(run.samples[String(sizes[0])]!), 2);
  const beyond = (n: number) => median(run.samples[String(n)]!) - run.floorMs;
  // The small preview's work must stand above the start-up's noise, or the ratio means nothing (NaN: not met).
  const ratioBeyondFloor = beyond(sizes[0]!) > 0 ? round(beyond(sizes[sizes.length - 1]!) / beyond(sizes[0]!), 2) : NaN;
  return {
    bySize,
    floorMs: round(run.floorMs, 1),
    ratioBeyondFloor,
    ratioMedian,
    target: TARGETS.previewReportRatio,
    met: ratioBeyondFloor <= TARGETS.previewReportRatio,
  };
}

/** One command of the peer figure: ours against the peer's, with the target. */
export interface PeerCommand {
  ours: Series;
  peer: Series;
  /** The requests Neutron served during the command (medians), and those of the first repetition by kind. */
  requests: { ours: number; peer: number; oursByKind: Record<string, number>; peerByKind: Record<string, number> };
  /** ours / peer, of the medians. */
  ratio: number;
  target: number;
  met: boolean;
}

/** The peer figure: the same program on the same Neutron with our openstack backend and with OpenTofu + terraform-provider-openstack. */
export interface PeerFigure {
  n: number;
  repetitions: number;
  mix: Record<string, number>;
  versions: Record<string, string>;
  /** `pulumi up --yes` (a preview, then the update) against `tofu apply -auto-approve` (a plan, then the apply). */
  apply: PeerCommand;
  /** A preview/plan with nothing to change, right after: `pulumi preview --refresh` against `tofu plan`. */
  noChange: PeerCommand;
  /** `pulumi destroy --yes` against `tofu destroy -auto-approve`. */
  destroy: PeerCommand;
  /** Changes a second preview/plan shows after applying rules as users write them (ports 1-65535, a bare IP, protocol 6, TCP). */
  userWrittenRules: { ours: number; peer: number; peerDetail: string[] };
}

/** The peer figure from its run (the peer is the baseline). */
export function peerResults(run: PeerRun, n: number): PeerFigure {
  const of = (tool: Tool) => run.samples.filter((s) => s.tool === tool && s.n === n);
  const command = (pick: (s: PeerSample) => number, requests: (s: PeerSample) => number, which: keyof PeerSample["requestKinds"]): PeerCommand => {
    const ours = of("ours").map(pick);
    const peer = of("peer").map(pick);
    const ratio = round(median(ours) / median(peer), 2);
    return {
      ours: series(ours),
      peer: series(peer),
      requests: {
        ours: median(of("ours").map(requests)),
        peer: median(of("peer").map(requests)),
        oursByKind: of("ours")[0]?.requestKinds[which] ?? {},
        peerByKind: of("peer")[0]?.requestKinds[which] ?? {},
      },
      ratio,
      target: TARGETS.peerRatio,
      met: ratio <= TARGETS.peerRatio,
    };
  };
  return {
    n,
    repetitions: Math.min(of("ours").length, of("peer").length),
    mix: { ...run.mix },
    versions: run.versions,
    apply: command(
      (s) => s.applyMs,
      (s) => s.applyRequests,
      "apply",
    ),
    noChange: command(
      (s) => s.noChangeMs,
      (s) => s.noChangeRequests,
      "noChange",
    ),
    destroy: command(
      (s) => s.destroyMs,
      (s) => s.destroyRequests,
      "destroy",
    ),
    userWrittenRules: run.userWrittenRules,
  };
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
  backend: Record<string, BackendResult>;
  evaluation: EvaluationFigure;
  report?: PreviewReportFigure;
  openstack?: OpenstackFigure;
  peer?: PeerFigure;
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
  if (f === "report") return r.report !== undefined;
  if (f === "peer") return r.peer !== undefined;
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
    else if (f === "report") merged.report = previous.report!;
    else if (f === "peer") merged.peer = previous.peer!;
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
    const judged = (ENGINE_TARGET_SIZES as readonly number[]).includes(n);
    const largest = n === ENGINE_TARGET_SIZES[ENGINE_TARGET_SIZES.length - 1];
    const figure = (pick: (s: EngineSample) => number, target: number | null): EngineFigure => {
      const ratio = round(median(ours.map(pick)) / median(noop.map(pick)), 2);
      return { ours: series(ours.map(pick)), noop: series(noop.map(pick)), ratio, target, met: target === null ? null : ratio <= target };
    };
    const rss = (pick: (s: EngineSample) => number): RssFigure => {
      const target = largest ? TARGETS.engineRssRatio : null;
      const ratio = round(median(ours.map(pick)) / median(noop.map(pick)), 2);
      return {
        oursKiB: median(ours.map(pick)),
        noopKiB: median(noop.map(pick)),
        ratio,
        target,
        met: target === null ? null : ratio <= target,
        samples: { ours: ours.map(pick), noop: noop.map(pick) },
      };
    };
    const cpu = (list: EngineSample[], command: "up" | "preview" = "up"): CpuSplit => {
      const m = (pick: (s: EngineSample) => number) => round(median(list.map(pick)), 0);
      const usage = (s: EngineSample) => (command === "up" ? s.upUsage : s.previewUsage);
      const tree = (s: EngineSample) => (command === "up" ? s.upCpuMs : s.previewCpuMs);
      // Each sample's own engine share, then the median (medians of different samples would not add up).
      return {
        tree: m(tree),
        program: m((s) => usage(s).programCpuMs),
        provider: m((s) => usage(s).providerCpuMs),
        engine: m((s) => engineCpuMs(tree(s), usage(s))),
      };
    };
    const bytes = (list: EngineSample[]) => list.flatMap((s) => s.providerBytes);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const perResource = (list: EngineSample[]) => list.map((s) => round(s.exportBytes / s.n, 0));
    const oursMax = Math.max(...bytes(ours));
    return {
      n,
      repetitions: Math.min(ours.length, noop.length),
      mix: ours[0]?.mix ?? {},
      up: figure((s) => s.upMs, judged ? TARGETS.engineUpRatio : null),
      preview: figure((s) => s.previewMs, largest ? TARGETS.enginePreviewRatio : null),
      rss: { program: rss((s) => s.upUsage.programMaxRssKiB), provider: rss((s) => s.upUsage.providerMaxRssKiB) },
      upCpu: { ours: cpu(ours), noop: cpu(noop) },
      previewCpu: { ours: cpu(ours, "preview"), noop: cpu(noop, "preview") },
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
    met: ratioMedian <= TARGETS.backendRatio && round(p95(large) / p95(small), 2) <= TARGETS.backendRatio,
  };
}

/** The backend figures of one database kind, with its version. */
export function backendResults(run: BackendRun): BackendResult {
  const pick = (k: keyof OpSamples) => Object.fromEntries(Object.entries(run.samples).map(([s, o]) => [s, o[k]]));
  return { version: run.version, ruleCreate: backendFigure(pick("ruleCreate")), attachmentCreate: backendFigure(pick("attachmentCreate")) };
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
  const when = (x: Machine) =>
    `${x.date.slice(0, 16).replace("T", " ")} UTC${x.commit ? ` at ${x.commit}` : ""}; load average at start ${x.loadAverageAtStart.join(" / ")}`;
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
  const target = (t: number | null) => (t === null ? "—" : `≤ ${t}×`);
  const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
  for (const e of r.engine) {
    rows.push([
      `Engine: \`pulumi up\`, N = ${e.n} (median of ${e.repetitions})`,
      seconds(e.up.ours.medianMs),
      seconds(e.up.noop.medianMs),
      `${e.up.ratio}×`,
      target(e.up.target),
      yesNo(e.up.met),
    ]);
    rows.push([
      `Engine: \`pulumi preview\`, nothing to change, N = ${e.n} (median of ${e.repetitions})`,
      seconds(e.preview.ours.medianMs),
      seconds(e.preview.noop.medianMs),
      `${e.preview.ratio}×`,
      target(e.preview.target),
      yesNo(e.preview.met),
    ]);
    if (!e.rss) continue;
    for (const [who, f] of [
      ["program", e.rss.program],
      ["dynamic-provider process", e.rss.provider],
    ] as const)
      rows.push([
        `Engine: peak RSS of the ${who} during \`pulumi up\`, N = ${e.n}`,
        mib(f.oursKiB),
        mib(f.noopKiB),
        `${f.ratio}×`,
        target(f.target),
        yesNo(f.met),
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
    const name = `${kind === "sqlite" ? "SQLite" : "PostgreSQL"}${b.version ? ` ${b.version}` : ""}`;
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
        `≤ ${f.target}× (both)`,
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
      `Evaluation: exposure, findings, JSON and HTML report, ${thousands(evSizes[evSizes.length - 1]!)} vs ${thousands(evSizes[0]!)} servers (median of ${large.samplesMs.length}; HTML ${bytes(large.htmlBytes)} / ${bytes(small.htmlBytes)}` +
        (large.peakRssKiB && small.peakRssKiB ? `; peak RSS ${mib(large.peakRssKiB)} / ${mib(small.peakRssKiB)})` : ")"),
      ms(large.medianMs),
      ms(small.medianMs),
      `${ev.ratioMedian}×`,
      `≤ ${ev.target}×`,
      yesNo(ev.met),
    ]);
  }
  const rep = r.report;
  if (rep) {
    const sizes = Object.keys(rep.bySize)
      .map(Number)
      .sort((a, c) => a - c);
    const small = rep.bySize[String(sizes[0])]!;
    const large = rep.bySize[String(sizes[sizes.length - 1])]!;
    rows.push([
      `\`secgroups preview-report\`: a ${large.steps}-step preview vs a ${small.steps}-step one (the command's wall time, Markdown; median of ${large.samplesMs.length}; an empty preview takes ${ms(rep.floorMs)}; less that, ${rep.ratioBeyondFloor}×)`,
      ms(large.medianMs),
      ms(small.medianMs),
      `${rep.ratioMedian}×`,
      `≤ ${rep.target}× (less start-up)`,
      yesNo(rep.met),
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
  const peer = r.peer;
  if (peer) {
    const tofu = `OpenTofu ${peer.versions.opentofu ?? "?"} + terraform-provider-openstack ${peer.versions["terraform-provider-openstack"] ?? "?"}`;
    for (const [what, f] of [
      [`\`pulumi up\` vs \`tofu apply\``, peer.apply],
      [`no-change \`pulumi preview\` vs \`tofu plan\``, peer.noChange],
      [`\`pulumi destroy\` vs \`tofu destroy\``, peer.destroy],
    ] as const)
      rows.push([
        `Same Neutron, ours vs ${tofu}: ${what}, N = ${peer.n} (median of ${peer.repetitions}; Neutron requests ${f.requests.ours} / ${f.requests.peer})`,
        seconds(f.ours.medianMs),
        seconds(f.peer.medianMs),
        `${f.ratio}×`,
        `≤ ${f.target}×`,
        yesNo(f.met),
      ]);
    const u = peer.userWrittenRules;
    rows.push([
      "Same Neutron: changes a second preview/plan shows after rules written as users write them (1-65535, a bare IP, protocol 6, TCP)",
      String(u.ours),
      String(u.peer),
      "—",
      "ours 0",
      yesNo(u.ours === 0),
    ]);
  }
  const header = ["Figure", "Measured", "Baseline", "Ratio", "Target", "Met"];
  const lines = [header, header.map(() => "---"), ...rows].map((cells) => `| ${cells.join(" | ")} |`);
  return [
    machineLine(r.machine, r.measured),
    "",
    ...lines,
    "",
    "Baseline: the no-op program at the same N (engine, state), the smaller project (backend: rules; evaluation: servers), the smaller preview (preview-report), " +
      "the same program on the embedded SQLite backend (Neutron), OpenTofu with terraform-provider-openstack on the same Neutron (peer).",
    ...cpuTable(r),
    ...(r.run.quick ? ["", "**Quick run** (`--quick`): small N and few samples; not the figures the targets are about."] : []),
  ].join("\n");
}

/** Where the CPU time of `pulumi up` and of the no-change `pulumi preview` went, by process, at each N (empty without the engine figure). */
function cpuTable(r: Results): string[] {
  const withCpu = r.engine.filter((e) => e.upCpu);
  if (!withCpu.length) return [];
  const rows = withCpu.flatMap((e) =>
    (["up", "preview"] as const).flatMap((command) => {
      const split = command === "up" ? e.upCpu : e.previewCpu;
      if (!split) return [];
      return (["ours", "noop"] as const).map((p) => {
        const c = split[p];
        return `| ${e.n} | \`${command}\` | ${p === "ours" ? "ours" : "no-op"} | ${seconds(c.tree)} | ${seconds(c.engine)} | ${seconds(c.program)} | ${seconds(c.provider)} |`;
      });
    }),
  );
  return [
    "",
    "CPU time by process (medians; the engine's share is, per sample, the whole tree's less the program's and the provider's):",
    "",
    "| N | command | which | whole tree | engine and plugins | program | provider |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
  ];
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
