/**
 * `npm run bench`: every figure of bench/README.md in one run, then bench/results.json, the
 * Markdown table on stdout and in bench/README.md. Not a test: nothing here asserts a timing.
 *
 *   --quick          N = 20, one repetition, 40 backend operations; writes test-output/bench/run/results.quick.json
 *                    and leaves bench/results.json and bench/README.md alone
 *   --profile[=N]    instead of the figures: CPU profiles of `pulumi up` of both programs at N (default 2 000),
 *                    kept in test-output/bench/profiles/, and a summary of where the time went (bench/profile.ts)
 *   --only=LIST      engine, backend, evaluation, report, openstack, peer (comma-separated; default all); the
 *                    figures not measured are kept from the previous bench/results.json
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { runPostgres, runSqlite } from "./backend";
import { runEngine } from "./engine";
import { runEvaluation } from "./evaluation";
import { runOpenstack } from "./openstack";
import { runPeer } from "./peer";
import { runPreviewReport } from "./previewReport";
import { runProfile } from "./profile";
import {
  backendResults,
  engineResults,
  evaluationResults,
  FIGURES,
  machine,
  markdown,
  mergeResults,
  openstackResults,
  peerResults,
  previewReportResults,
  TARGETS,
  withTable,
  type FigureName,
  type Results,
} from "./report";
import { REPO, WORK } from "./stack";

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== "--quick" && !a.startsWith("--only=") && !/^--profile(=\d+)?$/.test(a));
  if (unknown.length) throw new Error(`unknown option(s) ${unknown.join(" ")}; see the header of bench/run.ts`);
  const quick = args.includes("--quick");
  const profileArg = args.find((a) => a.startsWith("--profile"));
  if (profileArg) {
    fs.rmSync(WORK, { recursive: true, force: true });
    const n = profileArg.includes("=") ? Number(profileArg.slice("--profile=".length)) : quick ? 20 : 2000;
    if (!Number.isInteger(n) || n < 20)
      throw new Error(`--profile=N takes a whole number of resources, 20 or more (the mix needs them), got ${profileArg}`);
    console.log(await runProfile(n, (line) => console.error(`[bench] ${line}`)));
    return;
  }
  const only = (args.find((a) => a.startsWith("--only="))?.slice("--only=".length) ?? FIGURES.join(",")).split(",");
  const unknownFigures = only.filter((f) => !(FIGURES as readonly string[]).includes(f));
  if (unknownFigures.length) throw new Error(`unknown figure(s) ${unknownFigures.join(", ")}; --only takes ${FIGURES.join(", ")}`);
  const engineSizes = quick ? [20] : [500, 2000];
  const repetitions = quick ? 1 : 3;
  const backendSizes = quick ? [1000, 10000] : [1000, 100000];
  const backendOps = quick ? 40 : 200;
  const openstackSize = quick ? 20 : 500;
  const log = (line: string) => console.error(`[bench] ${line}`);

  fs.rmSync(WORK, { recursive: true, force: true });
  fs.mkdirSync(WORK, { recursive: true });
  const started = Date.now();
  const measuredNow = FIGURES.filter((f) => only.includes(f));
  const here = machine(REPO);
  let results: Results = {
    machine: here,
    run: { quick, engineSizes, repetitions, backendSizes, backendOps, openstackSize, seconds: 0 },
    engine: [],
    backend: {},
    evaluation: { bySize: {}, ratioMedian: NaN, target: TARGETS.evaluationRatio, met: false },
    measured: Object.fromEntries(measuredNow.map((f) => [f, here])) as Partial<Record<FigureName, typeof here>>,
    notes: [
      "Ratios are ours / no-op (engine, state), larger / smaller (backend: rules; evaluation: servers; preview-report: steps), Neutron / embedded (openstack) and ours / the peer (peer), from samples taken alternately in one run.",
      "Engine: wall time of `pulumi up --yes --skip-preview`, then `pulumi preview` with nothing to change, on a fresh stack per repetition; peak RSS and CPU of the program and the dynamic provider during up from bench/probe.ts.",
      "Backend: the target applies to the median and to the p95 ratio.",
      "Evaluation: evaluateExposure, findingsOf and the JSON and HTML reports in process on a synthetic openstack project (bench/evaluation.ts); peak RSS of a child process evaluating once.",
      "Preview-report: wall time of `secgroups preview-report FILE` (Markdown) on the first preview of bench/programs/ours at each N; judged less the command's start-up (an empty preview).",
      "Openstack: wall time of `pulumi up --yes --skip-preview`, then `pulumi destroy --yes --skip-preview`, of bench/programs/ours with its servers given (Server.get), on a real Neutron (noauth, one gunicorn worker) and on SQLite; no target.",
      "Peer: the same program on one Neutron behind Keystone: `pulumi up --yes`, `pulumi preview --refresh`, `pulumi destroy --yes` against `tofu apply -auto-approve`, `tofu plan`, `tofu destroy -auto-approve` (bench/peer.ts).",
      "measured: the machine, date and load of the run that measured each figure (a run with --only keeps the others from the previous results).",
    ],
  };
  log(results.machine.cpu + `, load ${results.machine.loadAverageAtStart.join(" ")}`);
  if (only.includes("engine")) {
    log(`engine overhead: N = ${engineSizes.join(", ")}, ${repetitions} repetition(s), ours and no-op alternating`);
    results.engine = engineResults(await runEngine(engineSizes, repetitions, log), engineSizes);
  }
  if (only.includes("backend")) {
    const rounds = quick ? 2 : 10;
    log(`backend scaling on SQLite: ${backendOps} rule and ${backendOps} attachment creates per size, ${rounds} alternating rounds`);
    results.backend.sqlite = backendResults(await runSqlite(backendSizes, backendOps, rounds, log));
    log("backend scaling on PostgreSQL");
    results.backend.postgres = backendResults(await runPostgres(backendSizes, backendOps, rounds, log));
  }
  if (only.includes("evaluation")) {
    const rounds = quick ? 5 : 15;
    const sizes = quick ? [100, 1000] : [1000, 10000];
    log(`evaluation scaling: exposure and findings of ${sizes.join(" and ")} servers, ${rounds} alternating rounds`);
    results.evaluation = evaluationResults(runEvaluation(sizes, rounds, log));
  }
  if (only.includes("report")) {
    const rounds = quick ? 3 : 15;
    const sizes = quick ? [20, 200] : [200, 2000];
    log(`preview-report: the first previews of N = ${sizes.join(" and ")}, ${rounds} alternating rounds`);
    results.report = previewReportResults(await runPreviewReport(sizes, rounds, log));
  }
  if (only.includes("openstack")) {
    log(`openstack: pulumi up and destroy of N = ${openstackSize} on a real Neutron and on SQLite, ${repetitions} alternating repetition(s)`);
    results.openstack = openstackResults(await runOpenstack(openstackSize, repetitions, log), openstackSize);
  }
  if (only.includes("peer")) {
    log(
      `peer: N = ${openstackSize} with our openstack backend and with OpenTofu + terraform-provider-openstack on one Neutron behind Keystone, ${repetitions} alternating repetition(s)`,
    );
    results.peer = peerResults(await runPeer(openstackSize, repetitions, log), openstackSize);
  }
  results.run.seconds = Math.round((Date.now() - started) / 1000);
  const previousFile = path.join(REPO, "bench", "results.json");
  if (!quick && measuredNow.length < FIGURES.length && fs.existsSync(previousFile)) {
    results = mergeResults(results, JSON.parse(fs.readFileSync(previousFile, "utf8")) as Results, measuredNow);
    log(`kept ${FIGURES.filter((f) => !measuredNow.includes(f)).join(", ")} from the previous bench/results.json`);
  }
  const table = markdown(results);
  const json = JSON.stringify(results, null, 2) + "\n";
  if (quick) {
    fs.writeFileSync(path.join(WORK, "results.quick.json"), json);
    log(
      `wrote ${path.relative(REPO, path.join(WORK, "results.quick.json"))} (a quick run leaves bench/results.json and bench/README.md as they are)`,
    );
  } else {
    fs.writeFileSync(previousFile, json);
    const readme = path.join(REPO, "bench", "README.md");
    fs.writeFileSync(readme, withTable(fs.readFileSync(readme, "utf8"), table));
    log("wrote bench/results.json and the table in bench/README.md");
  }
  console.log(table);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
