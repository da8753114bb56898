/**
 * The PostgreSQL password never leaks: with a distinctive password as the Pulumi secret
 * `secgroups:backendPassword` against a server that requires it, a full life cycle (up, preview,
 * refresh, a verbose engine log, a run against an unreachable server, stack export, destroy) is
 * grepped for the password in everything it printed and every file it wrote.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type PostgresServer } from "../../tools/postgres";
import { fleetConfig } from "./fleet";
import { TestStack, filesBelow, hasStackTrace, linesHolding, type CliResult } from "./harness";

/** The built `secgroups` command (the test command builds first). */
const CLI = path.join(__dirname, "..", "..", "dist", "provider", "cli", "main.js");

const PASSWORD = "Zq8-kV3_pw-not-in-logs-7f1e9c";

let pg: PostgresServer;

beforeAll(async () => {
  pg = await startPostgres("secrets", { password: PASSWORD });
});

afterAll(() => {
  pg?.stop();
});

describe("the backend password", () => {
  it("appears in no output, log, state, export or error message", async () => {
    const outputs: CliResult[] = [];
    const stack = await TestStack.create("fleet", "secret", {
      ...fleetConfig({ prefix: "s", groups: 2, rulesPerGroup: 2, servers: 1, attachPerServer: 1 }),
      "secgroups:backend": pg.url,
    });
    // Without the password the server refuses us, with a clear error and no stack trace.
    const refused = await stack.up();
    outputs.push(refused);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain("SG_BACKEND_UNAVAILABLE");
    expect(hasStackTrace(refused.stdout + refused.stderr), refused.stdout + refused.stderr).toBe(false);

    outputs.push(await stack.must(["config", "set", "--secret", "--config-file", stack.configFile, "secgroups:backendPassword", PASSWORD]));
    const up = await stack.up();
    outputs.push(up);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    outputs.push(await stack.must(["preview", "--diff", "--config-file", stack.configFile]));

    // The secgroups command in the program's directory reads the backend and its password from the
    // stack (Pulumi.secret.yaml beside Pulumi.yaml, as a user has it), decrypting with the passphrase.
    const program = path.join(stack.dir, "program");
    fs.copyFileSync(stack.configFile, path.join(program, "Pulumi.secret.yaml"));
    const cli = (env: NodeJS.ProcessEnv): CliResult => {
      const r = spawnSync(process.execPath, [CLI, "group", "list", "--format", "json", "--verbose"], {
        cwd: program,
        env,
        encoding: "utf8",
        timeout: 120_000,
      });
      return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
    };
    const listed = cli(stack.env);
    outputs.push(listed);
    expect(listed.code, listed.stderr).toBe(0);
    expect(
      JSON.parse(listed.stdout)
        .map((g: { name: string }) => g.name)
        .sort(),
    ).toStrictEqual(["default", "s-g0", "s-g1"]);
    expect(listed.stderr).toContain(`secgroups: backend ${pg.url} (stack secret's config)`);
    // Without the passphrase the secret stays encrypted: the error says what is missing and what to set.
    const { PULUMI_CONFIG_PASSPHRASE: _passphrase, ...withoutPassphrase } = stack.env;
    const locked = cli(withoutPassphrase);
    outputs.push(locked);
    expect(locked.code).toBe(3);
    expect(locked.stderr).toContain("secgroups: the stack's secret secgroups:backendPassword could not be decrypted");
    expect(locked.stderr).toContain("SG_BACKEND_UNAVAILABLE: cannot reach the PostgreSQL backend: the server asks for a password and none was given");
    expect(locked.stderr).toContain("fix: set PGPASSWORD, or secgroups:backendPassword as a secret in the stack's config");
    expect(hasStackTrace(locked.stderr)).toBe(false);
    outputs.push(await stack.must(["refresh", "--yes", "--config-file", stack.configFile]));
    // Verbose engine log. (At -v=9 the engine itself logs every value it marshals to a provider,
    // decrypted secrets included — engine behaviour, see README "Secrets"; our code logs none.)
    outputs.push(await stack.must(["preview", "--logtostderr", "-v=8", "--config-file", stack.configFile]));
    const exported = await stack.export();
    outputs.push({ code: 0, stdout: exported.text, stderr: "" });
    expect(exported.text).toContain("pulumi-nodejs:dynamic/secgroups:SecurityGroup");

    // The server cannot be reached: the error names the location, never the password. (A password
    // written into the URL is masked too — unit-tested; in plain config it would sit in the config file.)
    // (A change is needed: refresh and a no-op up would use the provider configuration in the state.)
    await stack.setConfig("secgroups:backend", "postgres://secgroups@127.0.0.1:1/secrets");
    await stack.setConfig("fleet:rulesPerGroup", "3");
    const unreachable = await stack.up();
    outputs.push(unreachable);
    expect(unreachable.code).not.toBe(0);
    expect(unreachable.stdout + unreachable.stderr).toContain("SG_BACKEND_UNAVAILABLE");
    expect(unreachable.stdout + unreachable.stderr).toContain("postgres://secgroups@127.0.0.1:1/secrets");
    expect(hasStackTrace(unreachable.stdout + unreachable.stderr), unreachable.stdout + unreachable.stderr).toBe(false);
    await stack.setConfig("secgroups:backend", pg.url);
    await stack.setConfig("fleet:rulesPerGroup", "2");
    // The engine keeps the provider configuration of the last update in the state: an up restores it.
    const restored = await stack.up();
    outputs.push(restored);
    expect(restored.code, restored.stdout + restored.stderr).toBe(0);
    const destroy = await stack.destroy();
    outputs.push(destroy);
    expect(destroy.code, destroy.stdout + destroy.stderr).toBe(0);

    // The lines that hold it (shown with the password replaced, to say where it leaked).
    expect(linesHolding(outputs, PASSWORD)).toStrictEqual([]);
    // Everything the run wrote: Pulumi state (incl. history and backups), config, program copy.
    const files = filesBelow(stack.dir);
    expect(files.length).toBeGreaterThan(5);
    const leakingFiles = files.filter((f) => fs.readFileSync(f).includes(PASSWORD));
    expect(leakingFiles).toStrictEqual([]);
  }, 600_000);
});
