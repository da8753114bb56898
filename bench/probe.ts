/**
 * Loaded into every Node.js process of a benchmarked `pulumi` command with
 * `NODE_OPTIONS=--require …/probe.js` (bench/stack.ts sets it when BENCH_PROBE_DIR is given). In the
 * program (`@pulumi/pulumi/cmd/run`) and in the dynamic provider (`@pulumi/pulumi/cmd/dynamic-provider`)
 * it writes, when the process ends, `ROLE-PID.json` into BENCH_PROBE_DIR: the process's peak resident
 * set (getrusage's ru_maxrss, in KiB) and its CPU time (user and system, µs). With BENCH_CPU_PROFILE=1
 * it also records a V8 CPU profile of the whole process, written beside it as `ROLE-PID.cpuprofile`
 * (open it in Chrome's DevTools or speedscope). Every other Node.js process (the plugin's launcher
 * script, npm) is left alone.
 *
 * The program ends by itself (`exit`). The engine ends the provider with SIGINT to its process group,
 * then SIGKILL five seconds later: the record is written on SIGINT, and the signal's default action
 * (ending the process) is then taken again unless someone else listens for it. Node builtins only: the
 * probe runs before anything else in the process.
 */
import * as fs from "node:fs";
import * as inspector from "node:inspector";
import * as path from "node:path";

/** What the probe writes per process. */
export interface ProbeRecord {
  role: "program" | "provider";
  pid: number;
  /** Peak resident set size, KiB (getrusage ru_maxrss). */
  maxRssKiB: number;
  /** CPU time of the process, µs. */
  cpuUserUs: number;
  cpuSystemUs: number;
}

function roleOf(script: string): ProbeRecord["role"] | undefined {
  const s = script.replaceAll("\\", "/");
  if (/@pulumi\/pulumi\/cmd\/dynamic-provider(\/|$)/.test(s)) return "provider";
  if (/@pulumi\/pulumi\/cmd\/run(\/index\.js)?$/.test(s)) return "program";
  return undefined;
}

function install(): void {
  const dir = process.env.BENCH_PROBE_DIR;
  const role = roleOf(process.argv[1] ?? "");
  if (!dir || !role) return;
  const base = path.join(dir, `${role}-${process.pid}`);
  let session: inspector.Session | undefined;
  if (process.env.BENCH_CPU_PROFILE === "1") {
    session = new inspector.Session();
    session.connect();
    // The in-process session answers synchronously, so the profile runs from here on.
    session.post("Profiler.enable");
    session.post("Profiler.setSamplingInterval", { interval: 1000 });
    session.post("Profiler.start");
  }
  let profiled = false;
  // Written on a signal and again on exit (a process another listener keeps alive after the signal
  // ends later: its record then covers its whole life); the profile once.
  const write = (): void => {
    const cpu = process.cpuUsage();
    const record: ProbeRecord = { role, pid: process.pid, maxRssKiB: process.resourceUsage().maxRSS, cpuUserUs: cpu.user, cpuSystemUs: cpu.system };
    fs.writeFileSync(`${base}.json`, JSON.stringify(record));
    if (!session || profiled) return;
    profiled = true;
    session.post("Profiler.stop", (err, result) => {
      // A profile that could not be taken is a file of its own: the profile summary fails on it.
      if (err) fs.writeFileSync(`${base}.cpuprofile-error`, String(err));
      else fs.writeFileSync(`${base}.cpuprofile`, JSON.stringify(result.profile));
    });
  };
  process.on("exit", write);
  const onSignal = (signal: NodeJS.Signals): void => {
    write();
    process.removeListener(signal, onSignal);
    // Nobody else handles it: end as the signal's default action would have.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

install();
