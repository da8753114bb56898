/**
 * Backend faults in the middle of `pulumi up`, under the real engine, while 66 objects are being
 * created: the private PostgreSQL server stopped hard (`pg_ctl -m immediate`), and the disk under
 * the SQLite file filled up (a small tmpfs, filled by another file). Everything the user sees must
 * be an error with our code and no JavaScript stack frame (pg's clients emit `error` events when
 * their connection dies; none may reach the output), and once the fault is gone `refresh` + `up`
 * must leave exactly the program: no duplicate, no orphan, nothing half-written.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type PostgresServer } from "../../tools/postgres";
import { fleetConfig, fleetMismatches, fleetObjects, fleetSize, openTestBackend, upUntilObjects, type FleetShape } from "./fleet";
import { hasStackTrace, TestStack, type CliResult } from "./harness";

let pg: PostgresServer;

beforeAll(async () => {
  pg = await startPostgres("outage");
});

afterAll(() => {
  pg?.stop();
});

/** The diagnostics the engine printed for resources: each `error:` line after "Diagnostics:". */
function diagnosticErrors(r: CliResult): string[] {
  const text = r.stdout + r.stderr;
  const at = text.indexOf("Diagnostics:");
  return at < 0
    ? []
    : text
        .slice(at)
        .split("\n")
        .filter((l) => /^\s+error: /.test(l))
        .map((l) => l.trim());
}

const SHAPE: FleetShape = { prefix: "o", groups: 6, rulesPerGroup: 10, servers: 0, attachPerServer: 0 };

/**
 * `up` of the 66-object fleet on `url`; `fault()` once 20 objects exist, `mend()` after the up
 * ends; then the assertions on what the user saw, and refresh + up to exactly the program.
 */
async function outage(url: string, stackName: string, fault: () => void, mend: () => void): Promise<void> {
  const project = stackName;
  expect(fleetSize(SHAPE)).toBe(66);
  const stack = await TestStack.create("fleet", stackName, { ...fleetConfig(SHAPE), "secgroups:backend": url, "secgroups:project": project });
  let backend = openTestBackend(url);
  try {
    const { up, ended } = await upUntilObjects(stack, backend, project, SHAPE.prefix, 20);
    expect(ended(), "the up ended before the fault").toBe(false);
    fault();
    const first = await up.result;
    mend();
    // The test's own connections died with the server too (a pooled one may not know it yet): a fresh backend.
    await backend.close().catch(() => undefined);
    backend = openTestBackend(url);
    const output = first.stdout + first.stderr;
    expect(first.code, output).not.toBe(0);
    expect(hasStackTrace(output), output).toBe(false);
    // The driver's own words appear only inside our coded message, never as a bare `Error:` line.
    expect(
      output
        .split("\n")
        .filter((l) => /Connection terminated|ECONN|EPIPE|disk is full|SQLITE|^\s*Error: /.test(l) && !l.includes("SG_BACKEND_UNAVAILABLE")),
      output,
    ).toStrictEqual([]);
    const errors = diagnosticErrors(first);
    // Each failing resource says what happened with our code; the engine's own summary lines say how many failed.
    expect(errors.filter((l) => l.includes("SG_BACKEND_UNAVAILABLE")).length, output).toBeGreaterThan(0);
    for (const line of errors) {
      expect(line.includes("SG_BACKEND_UNAVAILABLE") || /^error: update failed$|^error: \d+ errors? occurred/.test(line), `${line}\n${output}`).toBe(
        true,
      );
    }
    // Whatever the fault interrupted was committed whole or not at all.
    expect(await backend.checkIntegrity()).toStrictEqual([]);

    const refresh = await stack.refresh();
    expect(refresh.code, refresh.stdout + refresh.stderr).toBe(0);
    const again = await stack.up();
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(hasStackTrace(refresh.stdout + refresh.stderr + again.stdout + again.stderr)).toBe(false);
    expect(await fleetMismatches(backend, project, SHAPE)).toStrictEqual([]);
    expect(await fleetObjects(backend, project, SHAPE.prefix)).toBe(66);
    const preview = await stack.preview(["--expect-no-changes"]);
    expect(preview.code, preview.stdout + preview.stderr).toBe(0);
  } finally {
    await backend.close();
  }
}

/** Writes zeros into `file` until the file system is full. */
function fillDisk(file: string): void {
  const fd = fs.openSync(file, "w");
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
  } finally {
    fs.closeSync(fd);
  }
}

describe("backend faults during up", () => {
  it("PostgreSQL stopped hard: every message carries a code and no stack frame; refresh + up after the restart leave exactly the program", async () => {
    await outage(
      pg.url,
      "outage-pg",
      () => pg.halt(),
      () => pg.resume(),
    );
  }, 600_000);

  it("the disk under the SQLite file full: SG_BACKEND_UNAVAILABLE, nothing half-written; refresh + up once there is space leave exactly the program", async () => {
    // A file system of our own to fill: a 16 MiB tmpfs (mounting needs root, as the tests' PostgreSQL does).
    expect(process.getuid?.(), "mounting the small file system to fill needs root").toBe(0);
    const mount = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-full-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=16m,mode=0755", "tmpfs", mount]);
    try {
      const filler = path.join(mount, "filler");
      await outage(
        `sqlite:${path.join(mount, "db", "cloud.db")}`,
        "outage-sqlite",
        () => fillDisk(filler),
        () => fs.rmSync(filler),
      );
    } finally {
      execFileSync("umount", ["-l", mount]);
      fs.rmSync(mount, { recursive: true, force: true });
    }
  }, 600_000);
});
