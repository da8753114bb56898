/**
 * The built CLI on a private PostgreSQL server (the one CLI test file that starts one): exposure
 * and can-reach as on SQLite, listings of the shared backend, an unreachable server.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type PostgresServer } from "../../tools/postgres";
import { fillAt, secgroups, STACK_LINE, type Filled } from "../support/cli";
import { exposureOn } from "./cliExposureCases";

describe("secgroups CLI on a PostgreSQL backend", () => {
  let pg: PostgresServer;
  let dir: string;
  let data: Filled;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-cli-pg-"));
    pg = await startPostgres("secgroups_cli");
    data = await fillAt(pg.url, dir);
  });

  afterAll(() => {
    pg?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  exposureOn(() => ({ url: pg.url, dir, data }));

  it("group list --format json and rule list read the shared backend, and the process exits by itself", () => {
    const started = Date.now();
    const r = secgroups(["group", "list", "--format", "json"], { cwd: dir, env: { SECGROUPS_BACKEND: pg.url } });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([data.ssh, data.defaultGroup]);
    const rules = secgroups(["rule", "list", "--group", data.ssh.id, "--format", "json", "--backend", pg.url], { cwd: dir });
    expect(JSON.parse(rules.stdout)).toEqual(data.sshRules);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("an unreachable server: exit 3, SG_BACKEND_UNAVAILABLE with the password masked", () => {
    const r = secgroups(["group", "list", "--backend", "postgres://secgroups:hunter2@127.0.0.1:1/secgroups"], {
      cwd: dir,
      env: { PGPASSWORD: "s3cret-pw" },
    });
    expect(r.status).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "SG_BACKEND_UNAVAILABLE: cannot reach the PostgreSQL backend: connect ECONNREFUSED 127.0.0.1:1 " +
        '(property --backend, got "postgres://secgroups:***@127.0.0.1:1/secgroups"); fix: check that the server is reachable, the database exists, ' +
        "the user and password (secgroups:backendPassword or PGPASSWORD) are right and the user may create tables in it\n",
    );
    expect(r.stderr).not.toContain("hunter2");
    expect(r.stderr).not.toContain("s3cret-pw");
    expect(r.stderr).not.toMatch(STACK_LINE);
  });
});
