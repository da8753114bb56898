/**
 * The services' processes: each runs in its own process group, started through a tiny exec wrapper
 * that sets the parent-death signal (prctl PR_SET_PDEATHSIG), so a test process that dies, even by
 * SIGKILL, takes its services along; a normal exit kills every group still alive, removes the
 * directories still registered and stops the PostgreSQL servers still owned (process 'exit').
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { PostgresServer } from "../postgres";
import { logReport } from "./logs";

/**
 * Run as `python -c WATCHDOG PARENT_PID PROGRAM ARGS…`: asks the kernel to send SIGTERM when the
 * parent (this Node process) dies, gives up if it already has, then becomes PROGRAM. The setting
 * survives execve.
 */
const WATCHDOG = [
  "import ctypes, os, signal, sys",
  "ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)",
  "os.getppid() == int(sys.argv[1]) or os._exit(70)",
  "os.execv(sys.argv[2], sys.argv[2:])",
].join("\n");

/** A started process group: its leader's pid, and when the leader exited (its code; -1 for a signal). */
export interface Live {
  pid: number;
  child: ChildProcess;
  exited: Promise<number | null>;
}

/** Every process group started and not yet reaped, and every directory not yet removed. */
const liveGroups = new Set<Live>();
export const liveDirs = new Set<string>();
/** The PostgreSQL servers a start made for itself and has not stopped yet. */
export const ownedPostgres = new Set<PostgresServer>();
let exitHookInstalled = false;

/** On the process's exit (installed once): kills the groups still alive, removes the directories, stops the PostgreSQL servers still owned. */
export function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const live of liveGroups) killGroup(live.pid, "SIGKILL");
    for (const dir of liveDirs) fs.rmSync(dir, { recursive: true, force: true });
    for (const server of ownedPostgres) {
      try {
        server.stop();
      } catch {
        // Exiting anyway.
      }
    }
  });
}

/** The process groups (their leaders' pids) and directories this process has started and not yet cleaned up. */
export function harnessLeftovers(): { groups: number[]; dirs: string[] } {
  return { groups: [...liveGroups].map((l) => l.pid).sort(), dirs: [...liveDirs].sort() };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Spawns `program args` through the watchdog, in its own process group, output appended to `logFile`. */
export function spawnService(
  python: string,
  program: string,
  args: string[],
  opts: { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string },
): Live {
  installExitHook();
  fs.appendFileSync(opts.logFile, `\n$ ${[path.basename(program), ...args].join(" ")}\n`);
  const fd = fs.openSync(opts.logFile, "a");
  let child: ChildProcess;
  try {
    child = spawn(python, ["-c", WATCHDOG, String(process.pid), program, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      detached: true,
      stdio: ["ignore", fd, fd],
    });
  } finally {
    fs.closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`could not start ${program}`);
  const live: Live = {
    pid: child.pid,
    child,
    exited: new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? -1 : null)))),
  };
  liveGroups.add(live);
  void live.exited.then(() => liveGroups.delete(live));
  // Without a handler, a failed spawn would be an uncaught 'error'; the exit above reports it.
  child.once("error", () => undefined);
  return live;
}

/** Runs a set-up command to its end; fails with the log's tail when it exits with an error. */
export async function runStep(
  python: string,
  program: string,
  args: string[],
  opts: { logFile: string; env?: NodeJS.ProcessEnv; label: string },
): Promise<void> {
  const live = spawnService(python, program, args, opts);
  const code = await live.exited;
  if (code !== 0) throw new Error(`${opts.label} failed (exit ${code}); ${logReport(opts.logFile)}`);
}

/** Stops a service's process group: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopGroup(live: Live, graceMs = 5000): Promise<void> {
  if (!liveGroups.has(live)) return;
  killGroup(live.pid, "SIGTERM");
  if ((await Promise.race([live.exited, sleep(graceMs, "late" as const, { ref: false })])) === "late") {
    killGroup(live.pid, "SIGKILL");
    await live.exited;
  }
  // The master is gone; a worker that outlived it in the group goes too.
  killGroup(live.pid, "SIGKILL");
}
