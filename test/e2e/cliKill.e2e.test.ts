/**
 * README "Crash safety", the case where the `pulumi` CLI itself is killed in the middle of an `up`
 * (not only the provider): the documented recovery, exactly as written —
 *
 *   1. wait for the processes the killed CLI started to end (they notice the engine is gone);
 *   2. with the file backend, delete the empty `.attrs` sidecar files a kill mid-write leaves
 *      (`find STATE/.pulumi -name '*.attrs' -empty -delete`), then `pulumi cancel --yes` (the
 *      stack is still locked by the killed update);
 *   3. `pulumi refresh --yes --clear-pending-creates` (the state holds creates the CLI never finished);
 *   4. `pulumi up --yes`;
 *
 * — must leave exactly the program in the backend, and a preview with no changes and no warning.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expect, it } from "vitest";
import { cmdline, descendants, fleetConfig, fleetMismatches, fleetSize, openTestBackend, upUntilObjects, type FleetShape } from "./fleet";
import { TestStack, hasStackTrace, sqliteUrl } from "./harness";

function alive(pid: number): boolean {
  return cmdline(pid) !== "";
}

it("the pulumi CLI killed during up: the documented steps recover exactly the program, with no warning left", async () => {
  const shape: FleetShape = { prefix: "c", groups: 5, rulesPerGroup: 7, servers: 3, attachPerServer: 2 };
  const project = "clikill";
  expect(fleetSize(shape)).toBe(50);
  const stack = await TestStack.create("fleet", "cli-kill", { ...fleetConfig(shape), "secgroups:project": project });
  const url = sqliteUrl(stack.dir);
  await stack.setConfig("secgroups:backend", url);
  const backend = openTestBackend(url);
  try {
    const { up, ended } = await upUntilObjects(stack, backend, project, shape.prefix, 20);
    expect(ended(), "the up ended before the kill").toBe(false);
    const started = descendants(up.pid);
    const names = started.map(cmdline);
    expect(
      names.some((c) => c.includes("pulumi-language-nodejs")),
      names.join("\n"),
    ).toBe(true);
    process.kill(up.pid, "SIGKILL");
    await up.result;

    // 1. The processes it started end by themselves once the engine is gone.
    const deadline = Date.now() + 60_000;
    while (started.some(alive) && Date.now() < deadline) await sleep(200);
    expect(started.filter(alive).map((p) => `${p} ${cmdline(p)}`)).toStrictEqual([]);
    // Whatever the kill interrupted was committed whole or not at all.
    expect(await backend.checkIntegrity()).toStrictEqual([]);

    // 2-4. The documented commands, in order.
    execFileSync("find", [path.join(stack.stateDir, ".pulumi"), "-name", "*.attrs", "-empty", "-delete"]);
    for (const args of [
      ["cancel", "--yes"],
      ["refresh", "--yes", "--clear-pending-creates", "--config-file", stack.configFile],
      ["up", "--yes", "--config-file", stack.configFile],
    ]) {
      const r = await stack.run(args);
      expect(r.code, `pulumi ${args.join(" ")}\n${r.stdout}${r.stderr}`).toBe(0);
      expect(hasStackTrace(r.stdout + r.stderr)).toBe(false);
    }
    expect(await fleetMismatches(backend, project, shape)).toStrictEqual([]);
    const preview = await stack.preview(["--expect-no-changes"]);
    const text = preview.stdout + preview.stderr;
    expect(preview.code, text).toBe(0);
    expect(text).not.toMatch(/warning/i);
  } finally {
    await backend.close();
  }
}, 600_000);
