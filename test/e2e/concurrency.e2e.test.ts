/**
 * Four stacks, 100 rules each, `pulumi up` at the same time against ONE backend: once a SQLite
 * file, once a PostgreSQL server. Every rule must land exactly once, in one project, and the
 * stored state must pass the integrity checks.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StateBackend } from "../../provider/backends/types";
import { startPostgres, type PostgresServer } from "../../tools/postgres";
import { fleetConfig, fleetMismatches, openTestBackend, roomyProfile, type FleetShape } from "./fleet";
import { TestStack, tempDir } from "./harness";

const STACKS = 4;
const shapes: FleetShape[] = Array.from({ length: STACKS }, (_, n) => ({
  prefix: `c${n}`,
  groups: 1,
  rulesPerGroup: 100,
  servers: 0,
  attachPerServer: 0,
}));

let pg: PostgresServer;

beforeAll(async () => {
  pg = await startPostgres("concurrency");
});

afterAll(() => {
  pg?.stop();
});

describe.each([
  ["SQLite", () => `sqlite:${path.join(tempDir("concurrency-sqlite"), "cloud.db")}`],
  ["PostgreSQL", () => pg.url],
])("4 stacks x 100 rules, up at once against one %s backend", (_kind, backendUrl) => {
  let backend: StateBackend;

  afterAll(async () => {
    await backend?.close();
  });

  it("every stack succeeds, 400 of 400 rules are stored once each, integrity checks pass", async () => {
    const url = backendUrl();
    const profile = roomyProfile(fs.mkdtempSync(path.join(tempDir("concurrency-profile"), "p-")));
    const stacks = await Promise.all(
      shapes.map((shape, n) =>
        TestStack.create("fleet", `c${n}`, {
          ...fleetConfig(shape),
          "secgroups:backend": url,
          "secgroups:profile": profile,
          "secgroups:project": "shared",
        }),
      ),
    );
    const results = await Promise.all(stacks.map((s) => s.up()));
    for (const r of results) expect(r.code, r.stdout + r.stderr).toBe(0);

    backend = openTestBackend(url);
    const rules = (await backend.listRules("shared")).filter((r) => !r.isDefault);
    expect(rules).toHaveLength(400);
    expect(new Set(rules.map((r) => r.id)).size).toBe(400);
    expect((await backend.listGroups("shared")).map((g) => g.name)).toStrictEqual(["c0-g0", "c1-g0", "c2-g0", "c3-g0"]);
    for (const shape of shapes) expect(await fleetMismatches(backend, "shared", shape)).toStrictEqual([]);
    expect(await backend.checkIntegrity()).toStrictEqual([]);
    // Each stack's outputs agree with the backend: 100 rules of its own.
    for (const s of stacks) expect((await s.outputs()).ruleCount).toBe(100);
  }, 600_000);
});
