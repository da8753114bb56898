/**
 * The package's policy pack (policy/) under the real engine: `pulumi preview --policy-pack` on the
 * examples and on a program whose rule is known only after apply. A port open to the internet fails
 * the preview (mandatory) with the exposure engine's finding and the rule's own violation, on the
 * SQLite and the PostgreSQL backend and from a YAML program; set to advisory it warns and passes;
 * three-tier passes (its chains through remote groups warn); what is unknown at preview is never
 * reported until it is known.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type PostgresServer } from "../../tools/postgres";
import { PLUGIN_DIR, TestStack, exampleSource, hasStackTrace, sqliteUrl, typescriptProgram, writeProgram } from "./harness";

const PACK = path.join(__dirname, "..", "..", "policy");

const SSH_RULE = "secgroups-admin-port-rule";
const SSH_FINDING = "secgroups-admin-port-from-internet";
const RULE_MESSAGE =
  "[high] rule ssh opens SSH to 0.0.0.0/0; fix: allow it only from the networks that need it (a bastion or VPN CIDR, or a remote group)";
const FINDING_MESSAGE = "[high] vm-1 (public address known after apply) accepts tcp 22 (SSH) from the whole IPv4 internet";

/** The policy lines of a preview's output: `- [level] [severity: s]  policy  (type: name)`. */
function violations(text: string): string[] {
  return text
    .split("\n")
    .map((l) => /^\s+- \[(\w+)\] \[severity: \w+\]\s+(\S+)\s+\((.+)\)\s*$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]} ${m[2]} ${m[3]}`)
    .sort();
}

async function quickstart(backend: (dir: string) => string): Promise<TestStack> {
  const stack = await TestStack.create("quickstart", "dev", {}, undefined, exampleSource("quickstart"));
  await stack.setConfig("secgroups:backend", backend(stack.dir));
  return stack;
}

describe("the policy pack, under the real engine", () => {
  let pg: PostgresServer;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
  });

  it("SSH open to the internet fails the first preview: the rule's violation and the exposure finding, mandatory (SQLite)", async () => {
    const stack = await quickstart((dir) => sqliteUrl(dir));
    const r = await stack.preview(["--policy-pack", PACK]);
    const text = r.stdout + r.stderr;
    expect(r.code, text).not.toBe(0);
    expect(violations(text)).toEqual([
      `mandatory ${SSH_FINDING} pulumi-nodejs:dynamic/secgroups:SecurityGroupRule: ssh`,
      `mandatory ${SSH_RULE} pulumi-nodejs:dynamic/secgroups:SecurityGroupRule: ssh`,
    ]);
    expect(text).toContain(RULE_MESSAGE);
    expect(text).toContain(FINDING_MESSAGE);
    expect(hasStackTrace(text)).toBe(false);
  });

  it("the same on PostgreSQL; set to advisory by the pack's config, both warn and the preview passes", async () => {
    const stack = await quickstart(() => pg.url);
    const failed = await stack.preview(["--policy-pack", PACK]);
    expect(failed.code).not.toBe(0);
    expect(violations(failed.stdout + failed.stderr)).toHaveLength(2);
    const config = path.join(stack.dir, "policy-config.json");
    fs.writeFileSync(config, JSON.stringify({ [SSH_RULE]: "advisory", [SSH_FINDING]: "advisory" }));
    const r = await stack.preview(["--policy-pack", PACK, "--policy-pack-config", config]);
    const text = r.stdout + r.stderr;
    expect(r.code, text).toBe(0);
    expect(violations(text)).toEqual([
      `advisory ${SSH_FINDING} pulumi-nodejs:dynamic/secgroups:SecurityGroupRule: ssh`,
      `advisory ${SSH_RULE} pulumi-nodejs:dynamic/secgroups:SecurityGroupRule: ssh`,
    ]);
    expect(text).toContain(FINDING_MESSAGE);
  });

  it("a YAML program (the provider plugin's types) fails the same way", async () => {
    const stack = await TestStack.create("yaml-quickstart", "dev", {}, undefined, exampleSource("yaml-quickstart"));
    const file = path.join(stack.dir, "program", "Pulumi.yaml");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("  secgroups: ../../plugin\n", `  secgroups: ${PLUGIN_DIR}\n`));
    await stack.setConfig("secgroups:backend", sqliteUrl(stack.dir));
    const r = await stack.preview(["--policy-pack", PACK]);
    const text = r.stdout + r.stderr;
    expect(r.code, text).not.toBe(0);
    expect(violations(text)).toEqual([
      `mandatory ${SSH_FINDING} secgroups:index:SecurityGroupRule: ssh`,
      `mandatory ${SSH_RULE} secgroups:index:SecurityGroupRule: ssh`,
    ]);
    expect(text).toContain(FINDING_MESSAGE);
  });

  it("three-tier passes: no mandatory violation; its chains through remote groups warn, as secgroups exposure reports them", async () => {
    const stack = await TestStack.create("three-tier", "dev", {}, undefined, exampleSource("three-tier"));
    await stack.setConfig("secgroups:backend", sqliteUrl(stack.dir));
    const r = await stack.preview(["--policy-pack", PACK]);
    const text = r.stdout + r.stderr;
    expect(r.code, text).toBe(0);
    const found = violations(text);
    expect(found.filter((v) => v.startsWith("mandatory"))).toEqual([]);
    expect(found.filter((v) => !v.startsWith("advisory secgroups-group-chain-to-internet"))).toEqual([]);
    expect(found.length).toBe(4);
  });

  it("rackspace: the outbound group's egress to the internet warns (advisory), and nothing else is reported", async () => {
    const stack = await TestStack.create("rackspace", "dev", {}, undefined, exampleSource("rackspace"));
    await stack.setConfig("secgroups:backend", sqliteUrl(stack.dir));
    const r = await stack.preview(["--policy-pack", PACK]);
    const text = r.stdout + r.stderr;
    expect(r.code, text).toBe(0);
    expect(violations(text)).toEqual(["advisory secgroups-egress-to-internet pulumi-nodejs:dynamic/secgroups:SecurityGroupRule: outbound-any"]);
    expect(text).toContain(
      "[low] rule outbound-any lets any protocol out to the whole internet (0.0.0.0/0); fix: allow only the destinations the servers need",
    );
  });

  it("a rule known only after apply is not judged at the first preview, and is once it is known", async () => {
    const source = writeProgram(
      "policy-unknown",
      typescriptProgram(
        "policy-unknown",
        `import { SecurityGroup, SecurityGroupRule, Server, ServerAttachment } from "pulumi-secgroups";
const group = new SecurityGroup("later", { description: "its SSH port comes from an output" });
// Known only after the group exists.
const port = group.revisionNumber.apply(() => 22);
new SecurityGroupRule("ssh", { securityGroupId: group.id, protocol: "tcp", portRangeMin: port, portRangeMax: port, remoteIpPrefix: "0.0.0.0/0" });
const vm = new Server("vm-1", { networks: ["public"], bootSeconds: 1 });
new ServerAttachment("vm-1-later", { serverId: vm.id, securityGroupId: group.id });
`,
      ),
    );
    const stack = await TestStack.create("policy-unknown", "dev", {}, undefined, source);
    await stack.setConfig("secgroups:backend", sqliteUrl(stack.dir));
    const first = await stack.preview(["--policy-pack", PACK]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(violations(first.stdout + first.stderr)).toEqual([]);
    const up = await stack.up();
    expect(up.code, up.stdout + up.stderr).toBe(0);
    const known = await stack.preview(["--policy-pack", PACK]);
    const text = known.stdout + known.stderr;
    expect(known.code, text).not.toBe(0);
    expect(violations(text)).toEqual([
      `mandatory ${SSH_FINDING} pulumi-nodejs:dynamic/secgroups:SecurityGroupRule: ssh`,
      `mandatory ${SSH_RULE} pulumi-nodejs:dynamic/secgroups:SecurityGroupRule: ssh`,
    ]);
    // After apply the port's address is known.
    expect(text).toContain("[high] vm-1 (public 203.0.113.2) accepts tcp 22 (SSH) from the whole IPv4 internet");
  });
});
