/**
 * The Keystone password never leaks: a stack on the openstack backend behind a real Keystone 30
 * and Neutron 29 (tools/neutron.ts), its clouds.yaml without a password and the password as the
 * Pulumi secret `secgroups:backendPassword`, through a whole life cycle (up, preview --diff,
 * refresh, a verbose engine log, the secgroups command, a wrong password, stack export, destroy).
 * Everything printed, every file the run wrote and the servers' logs are grepped for it.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNeutron, type NeutronServer } from "../../tools/neutron";
import { fleetConfig } from "./fleet";
import { TestStack, filesBelow, hasStackTrace, linesHolding, type CliResult } from "./harness";

/** The built `secgroups` command (the test command builds first). */
const CLI = path.join(__dirname, "..", "..", "dist", "provider", "cli", "main.js");

/** The Keystone user's password: distinctive, so a grep finds any copy. */
const PASSWORD = "Kx7-keystone_pw-not-in-logs-4b2d8e";

let neutron: NeutronServer;

beforeAll(async () => {
  neutron = await startNeutron({ keystone: true, adminPassword: PASSWORD });
}, 600_000);

afterAll(async () => {
  await neutron?.stop();
});

describe("the Keystone password", () => {
  it("appears in no output, log, state, export or error message", async () => {
    const ks = neutron.keystone!;
    expect(ks.password).toBe(PASSWORD);
    const outputs: CliResult[] = [];
    const run = (r: CliResult) => {
      outputs.push(r);
      return r;
    };
    const stack = await TestStack.create("fleet", "keystone", {
      ...fleetConfig({ prefix: "k", groups: 2, rulesPerGroup: 2, servers: 0, attachPerServer: 0 }),
      "secgroups:backend": "openstack://lab",
    });
    const program = path.join(stack.dir, "program");
    // clouds.yaml beside the program, as openstacksdk finds it, without the password.
    fs.writeFileSync(
      path.join(program, "clouds.yaml"),
      [
        "clouds:",
        "  lab:",
        "    auth:",
        `      auth_url: ${ks.authUrl}`,
        `      username: ${ks.username}`,
        `      project_name: ${ks.projectName}`,
        `      user_domain_name: ${ks.userDomainName}`,
        `      project_domain_name: ${ks.projectDomainName}`,
        `    region_name: ${ks.region}`,
        "",
      ].join("\n"),
    );

    // No password anywhere: a clear error that says where to put it, no trace.
    const none = run(await stack.up());
    expect(none.code).not.toBe(0);
    expect(none.stdout + none.stderr).toContain("SG_BACKEND_INVALID");
    expect(none.stdout + none.stderr).toContain("set the secret secgroups:backendPassword (pulumi config set --secret) or OS_PASSWORD");
    expect(hasStackTrace(none.stdout + none.stderr), none.stdout + none.stderr).toBe(false);

    run(await stack.must(["config", "set", "--secret", "--config-file", stack.configFile, "secgroups:backendPassword", PASSWORD]));
    const up = run(await stack.up());
    expect(up.code, up.stdout + up.stderr).toBe(0);
    const outs = await stack.outputs();
    expect(outs.ruleCount).toBe(4);
    run(await stack.must(["preview", "--diff", "--expect-no-changes", "--config-file", stack.configFile]));
    run(await stack.must(["refresh", "--yes", "--config-file", stack.configFile]));
    // Verbose engine log (at -v=9 the engine itself logs the values it marshals, secrets included).
    run(await stack.must(["preview", "--logtostderr", "-v=8", "--config-file", stack.configFile]));

    // The secgroups command in the program's directory reads the stack's backend and secret.
    fs.copyFileSync(stack.configFile, path.join(program, "Pulumi.keystone.yaml"));
    const listed = spawnSync(process.execPath, [CLI, "group", "list", "--format", "json", "--verbose"], {
      cwd: program,
      env: stack.env,
      encoding: "utf8",
      timeout: 120_000,
    });
    run({ code: listed.status ?? 1, stdout: listed.stdout, stderr: listed.stderr });
    expect(listed.status, listed.stderr).toBe(0);
    expect(
      JSON.parse(listed.stdout)
        .map((g: { name: string }) => g.name)
        .sort(),
    ).toStrictEqual(["default", "k-g0", "k-g1"]);

    // A wrong password (and a change, so the provider is configured anew): the auth URL, not the password.
    const wrong = `${PASSWORD}-wrong`;
    await stack.must(["config", "set", "--secret", "--config-file", stack.configFile, "secgroups:backendPassword", wrong]);
    await stack.setConfig("fleet:rulesPerGroup", "3");
    const refused = run(await stack.up());
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain(`SG_BACKEND_UNAVAILABLE: Keystone at ${ks.authUrl} refused the credentials (401)`);
    expect(hasStackTrace(refused.stdout + refused.stderr), refused.stdout + refused.stderr).toBe(false);
    await stack.must(["config", "set", "--secret", "--config-file", stack.configFile, "secgroups:backendPassword", PASSWORD]);
    await stack.setConfig("fleet:rulesPerGroup", "2");
    const restored = run(await stack.up());
    expect(restored.code, restored.stdout + restored.stderr).toBe(0);

    const exported = await stack.export();
    run({ code: 0, stdout: exported.text, stderr: "" });
    const providers = (exported.deployment.resources ?? []).filter((r) => r.inputs?.__provider !== undefined);
    expect(providers.length).toBe(2 + 4);
    const destroy = run(await stack.destroy());
    expect(destroy.code, destroy.stdout + destroy.stderr).toBe(0);

    // The lines that hold it or the wrong one (shown with the password replaced, to say where it leaked).
    expect(linesHolding(outputs, PASSWORD)).toStrictEqual([]);
    // Everything the run wrote (Pulumi state with history and backups, config, program copy), and
    // what Keystone and Neutron logged while serving it.
    const files = [...filesBelow(stack.dir), ks.logFile, neutron.logFile];
    expect(files.length).toBeGreaterThan(5);
    expect(files.filter((f) => fs.readFileSync(f).includes(PASSWORD))).toStrictEqual([]);
  }, 600_000);
});
