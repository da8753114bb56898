/**
 * Crash safety under the real engine: `up` of a 50-object fleet, the provider process SIGKILLed
 * at a random moment (after a random number of the fleet's objects exist, plus a random delay),
 * then `pulumi refresh` and `pulumi up`, as the README tells users. Afterwards the backend must
 * hold exactly what the program declares — no duplicate from a create whose result the engine
 * never recorded, no orphan, no half-applied change — and a preview must show nothing to do.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { expect, it } from "vitest";
import type { StateBackend } from "../../provider/backends/types";
import { cmdline, descendants, fleetConfig, fleetMismatches, fleetObjects, fleetSize, type FleetShape } from "./fleet";
import { TestStack, type CliResult } from "./harness";

/** 5 groups x 7 rules + a network + 3 servers x (1 + 2 attachments) = 50 objects (46 with existing servers: no network, no server made). */
const SHAPE = { groups: 5, rulesPerGroup: 7, servers: 3, attachPerServer: 2 };

/** Waits until the fleet has `target` objects (or the up ends), then kills the dynamic provider. */
async function killProviderAt(
  count: () => Promise<number>,
  pid: number,
  target: number,
  delayMs: number,
  done: () => boolean,
): Promise<{ killed: boolean; seen: number }> {
  let seen = 0;
  while (!done()) {
    seen = await count().catch(() => seen);
    const providers = descendants(pid).filter((p) => cmdline(p).includes("dynamic-provider"));
    if (providers.length && seen >= target) {
      await sleep(delayMs);
      for (const p of providers) {
        try {
          process.kill(p, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
      return { killed: true, seen };
    }
    await sleep(20);
  }
  return { killed: false, seen };
}

/** What a backend other than the embedded ones needs of the crash runs (a real Neutron). */
export interface CrashHooks {
  /** Before the stack: the environment its CLI runs with, and servers that exist already in `project` (ids). */
  prepare(project: string): Promise<{ env: Record<string, string>; serverIds?: string[] }>;
  /** After the last up: every way the backend's own listing differs from the fleet (duplicates, leaks); [] = exact. */
  verify(project: string, shape: FleetShape): Promise<string[]>;
  /**
   * The most objects to wait for before the kill (default: the whole fleet). Counting is slow on a
   * real Neutron (several listings), so an up can finish between two counts near its end.
   */
  latestTarget?: number;
  /** How many of the fleet's objects exist now, read faster than fleetObjects can through the backend. */
  count?(project: string, shape: FleetShape): Promise<number>;
}

/**
 * CRASH_RUNS (default 3), checked: how many kill-refresh-up runs each backend gets. The test command
 * runs 3 of each; scripts/soak.sh runs 10 of each (a soak, outside the test command).
 */
function crashRunCount(): number {
  const raw = process.env.CRASH_RUNS ?? "3";
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`CRASH_RUNS must be a whole number of runs (1 or more), got ${JSON.stringify(raw)}`);
  return n;
}

/** Registers the kill-refresh-up runs (CRASH_RUNS) against the backend `open()` gives (URL `url()`). */
export function crashRuns(kind: string, url: () => string, open: () => StateBackend, hooks?: CrashHooks): void {
  const RUNS = crashRunCount();
  for (let run = 0; run < RUNS; run++) {
    it(`${kind} run ${run + 1}/${RUNS}: SIGKILL of the provider during up, then refresh + up, leaves exactly the program`, async () => {
      const project = `crash${run}`;
      const prepared = await hooks?.prepare(project);
      const shape: FleetShape = { prefix: `k${run}`, ...SHAPE, ...(prepared?.serverIds ? { serverIds: prepared.serverIds } : {}) };
      const size = fleetSize(shape);
      expect(size).toBe(prepared?.serverIds ? 46 : 50);
      const backend = open();
      try {
        const stack = await TestStack.create("fleet", `k${run}`, { ...fleetConfig(shape), "secgroups:backend": url(), "secgroups:project": project });
        Object.assign(stack.env, prepared?.env ?? {});
        const target = Math.floor(Math.random() * (hooks?.latestTarget ?? size));
        const delayMs = Math.floor(Math.random() * 100);
        const up = stack.start(["up", "--yes", "--skip-preview", "--config-file", stack.configFile]);
        let ended = false;
        let first: CliResult | undefined;
        void up.result.then((r) => {
          ended = true;
          first = r;
        });
        const count = hooks?.count ? () => hooks.count!(project, shape) : () => fleetObjects(backend, project, shape.prefix, shape.serverIds);
        const kill = await killProviderAt(count, up.pid, target, delayMs, () => ended);
        await up.result;
        const note = `target ${target} delay ${delayMs}ms, killed=${kill.killed} at ${kill.seen} objects\n${first?.stdout}\n${first?.stderr}`;
        console.log(
          `${kind} run ${run + 1}: kill after ${target} objects + ${delayMs} ms; killed=${kill.killed} at ${kill.seen}; first up exit ${first?.code}`,
        );
        expect(kill.killed, note).toBe(true);
        // The kill lands mid-run (the up fails), unless the up had already finished its last step.
        if (kill.killed && first!.code === 0) expect(await fleetObjects(backend, project, shape.prefix, shape.serverIds), note).toBe(size);
        // Whatever the kill interrupted was either committed whole or not at all.
        expect(await backend.checkIntegrity(), note).toStrictEqual([]);

        const refresh = await stack.refresh();
        expect(refresh.code, note + refresh.stdout + refresh.stderr).toBe(0);
        const again = await stack.up();
        expect(again.code, note + again.stdout + again.stderr).toBe(0);
        expect(await fleetMismatches(backend, project, shape), note).toStrictEqual([]);
        if (hooks) expect(await hooks.verify(project, shape), note).toStrictEqual([]);
        const preview = await stack.preview(["--expect-no-changes"]);
        expect(preview.code, note + preview.stdout + preview.stderr).toBe(0);
      } finally {
        await backend.close();
      }
    }, 600_000);
  }
}
