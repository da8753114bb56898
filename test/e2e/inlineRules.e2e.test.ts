/**
 * A security group's inline rules (`rules`), under the real engine: from Pulumi YAML through the
 * provider plugin (the case they exist for), and from TypeScript through the dynamic provider (the
 * same implementation). Each step reads the backend directly: the rules are real rules of the group,
 * managed by its stack (not among unmanagedRules), matched by identity (reordering changes nothing,
 * a changed rule is replaced alone), checked as SecurityGroupRule resources are (every failure at
 * once, under rules[i]), refreshed when deleted outside the program, and gone with the group.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { openTestBackend } from "./fleet";
import { PLUGIN_DIR, TestStack, hasStackTrace, sqliteUrl, typescriptProgram, writeProgram } from "./harness";
import { snapshotAt as snapshot } from "./snapshot";

const HTTPS = "{direction: ingress, protocol: tcp, portRangeMin: 443, portRangeMax: 443, remoteIpPrefix: 0.0.0.0/0}";
const SSH = "{protocol: tcp, portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: 192.0.2.0/24, description: admin}";
const EGRESS_ANY = ["egress IPv4 any any any", "egress IPv6 any any any"];

/** The YAML program: group `web` with `rules` (YAML flow mappings, one per line). */
function yamlProgram(rules: string[]): string {
  return `name: inline-rules
runtime: yaml
packages:
  secgroups: ${PLUGIN_DIR}
resources:
  web:
    type: secgroups:index:SecurityGroup
    properties:
      description: web tier
      rules:
${rules.map((r) => `        - ${r}`).join("\n")}
outputs:
  rules: \${web.rules}
  ruleIds: \${web.ruleIds}
  unmanagedRules: \${web.unmanagedRules}
`;
}

const canonicalHttps = {
  direction: "ingress",
  ethertype: "IPv4",
  protocol: "tcp",
  portRangeMin: 443,
  portRangeMax: 443,
  remoteIpPrefix: "0.0.0.0/0",
  description: "",
};
const canonicalSsh = {
  direction: "ingress",
  ethertype: "IPv4",
  protocol: "tcp",
  portRangeMin: 22,
  portRangeMax: 22,
  remoteIpPrefix: "192.0.2.0/24",
  description: "admin",
};

describe("inline rules from Pulumi YAML (provider plugin)", () => {
  let stack: TestStack;
  let url: string;
  let program: string;
  const write = (rules: string[]) => fs.writeFileSync(path.join(program, "Pulumi.yaml"), yamlProgram(rules));

  beforeAll(async () => {
    const source = writeProgram("inline-yaml", { "Pulumi.yaml": yamlProgram([HTTPS, SSH]) });
    stack = await TestStack.create("inline-yaml", "dev", {}, undefined, source);
    program = path.join(stack.dir, "program");
    url = sqliteUrl(stack.dir);
    await stack.setConfig("secgroups:backend", url);
  });

  it("up makes the group with both rules, canonical, managed by the stack", async () => {
    const r = await stack.up();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const o = await stack.outputs();
    expect(o.rules).toEqual([canonicalHttps, canonicalSsh]);
    expect(o.ruleIds).toHaveLength(2);
    expect(new Set(o.ruleIds).size).toBe(2);
    expect(o.unmanagedRules).toEqual([]);
    const s = await snapshot(url);
    expect(s.groups.web).toEqual({
      description: "web tier",
      revision: 4,
      rules: [...EGRESS_ANY, "ingress IPv4 tcp 22-22 192.0.2.0/24", "ingress IPv4 tcp 443-443 0.0.0.0/0"],
    });
  });

  it("a second preview, and one of the list reordered, show no changes", async () => {
    expect((await stack.preview(["--expect-no-changes"])).code).toBe(0);
    write([SSH, HTTPS]);
    const r = await stack.preview(["--expect-no-changes"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    write([HTTPS, SSH]);
  });

  it("a changed rule is replaced alone: the other keeps its id", async () => {
    const before = await stack.outputs();
    write([HTTPS.replace(/443/g, "8443"), SSH]);
    const r = await stack.up();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const o = await stack.outputs();
    expect(o.rules).toEqual([{ ...canonicalHttps, portRangeMin: 8443, portRangeMax: 8443 }, canonicalSsh]);
    expect(o.ruleIds[1]).toBe(before.ruleIds[1]);
    expect(o.ruleIds[0]).not.toBe(before.ruleIds[0]);
    expect(o.unmanagedRules).toEqual([]);
    expect((await snapshot(url)).groups.web!.rules).toEqual([
      ...EGRESS_ANY,
      "ingress IPv4 tcp 22-22 192.0.2.0/24",
      "ingress IPv4 tcp 8443-8443 0.0.0.0/0",
    ]);
    write([HTTPS, SSH]);
    expect((await stack.up()).code).toBe(0);
  });

  it("a new description is a new rule of the same traffic: the old one goes first, the other rule stays", async () => {
    const before = await stack.outputs();
    write([HTTPS, SSH.replace("description: admin", "description: admins")]);
    const r = await stack.up();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const o = await stack.outputs();
    expect(o.rules).toEqual([canonicalHttps, { ...canonicalSsh, description: "admins" }]);
    expect(o.ruleIds[0]).toBe(before.ruleIds[0]);
    expect(o.ruleIds[1]).not.toBe(before.ruleIds[1]);
    expect((await snapshot(url)).groups.web!.rules).toEqual([
      ...EGRESS_ANY,
      "ingress IPv4 tcp 22-22 192.0.2.0/24",
      "ingress IPv4 tcp 443-443 0.0.0.0/0",
    ]);
    write([HTTPS, SSH]);
    expect((await stack.up()).code).toBe(0);
  });

  it("an invalid rule and a duplicate fail preview at once, under rules[i], and change nothing", async () => {
    const before = await snapshot(url);
    write([HTTPS, SSH.replace("portRangeMin: 22", "portRangeMin: 70000"), HTTPS.replace("}", ", description: again}")]);
    const r = await stack.preview();
    const text = r.stdout + r.stderr;
    expect(r.code, text).not.toBe(0);
    expect(text).toContain("property rules[1].portRangeMin value {<nil>} has a problem: SG_INVALID_INPUT: portRangeMin got 70000");
    expect(text).toContain("SG_RULE_EXISTS: allows the same traffic as rules[0]");
    expect(hasStackTrace(text)).toBe(false);
    expect(await snapshot(url)).toEqual(before);
    write([HTTPS, SSH]);
  });

  it("a rule deleted outside the program drops out at refresh, and up makes it again", async () => {
    const { ruleIds } = await stack.outputs();
    const backend = openTestBackend(url);
    try {
      expect(await backend.deleteRule("default", ruleIds[1])).toBe(true);
    } finally {
      await backend.close();
    }
    expect((await stack.refresh()).code).toBe(0);
    // What refresh recorded for the group (stack outputs keep the last up's values).
    const { deployment } = await stack.export();
    const refreshed = deployment.resources!.find((r) => r.type === "secgroups:index:SecurityGroup")!.outputs;
    expect(refreshed.rules).toEqual([canonicalHttps]);
    expect(refreshed.ruleIds).toEqual([ruleIds[0]]);
    expect((await stack.preview(["--expect-no-changes"])).code).not.toBe(0);
    expect((await stack.up()).code).toBe(0);
    const o = await stack.outputs();
    expect(o.rules).toEqual([canonicalHttps, canonicalSsh]);
    expect(o.ruleIds[0]).toBe(ruleIds[0]);
    expect((await snapshot(url)).groups.web!.rules).toHaveLength(4);
  });

  it("destroy removes the group and its rules", async () => {
    const r = await stack.destroy();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // (No server was made, so the project has no default group either.)
    expect((await snapshot(url)).groups).toEqual({});
  });
});

describe("inline rules from TypeScript (dynamic provider)", () => {
  it("SecurityGroup's rules make the same canonical rules, and go with the group", async () => {
    const source = writeProgram(
      "inline-ts",
      typescriptProgram(
        "inline-rules-ts",
        `import { SecurityGroup } from "pulumi-secgroups";
const web = new SecurityGroup("web", {
  description: "web tier",
  rules: [
    { direction: "ingress", protocol: "tcp", portRangeMin: 443, portRangeMax: 443, remoteIpPrefix: "0.0.0.0/0" },
    { protocol: "tcp", portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "192.0.2.0/24", description: "admin" },
  ],
});
export const rules = web.rules;
export const ruleIds = web.ruleIds;
export const unmanagedRules = web.unmanagedRules;
`,
      ),
    );
    const stack = await TestStack.create("inline-ts", "dev", {}, undefined, source);
    const url = sqliteUrl(stack.dir);
    await stack.setConfig("secgroups:backend", url);
    const up = await stack.up();
    expect(up.code, up.stdout + up.stderr).toBe(0);
    const o = await stack.outputs();
    expect(o.rules).toEqual([canonicalHttps, canonicalSsh]);
    expect(o.ruleIds).toHaveLength(2);
    expect(o.unmanagedRules).toEqual([]);
    expect((await snapshot(url)).groups.web!.rules).toEqual([
      ...EGRESS_ANY,
      "ingress IPv4 tcp 22-22 192.0.2.0/24",
      "ingress IPv4 tcp 443-443 0.0.0.0/0",
    ]);
    expect((await stack.preview(["--expect-no-changes"])).code).toBe(0);
    const down = await stack.destroy();
    expect(down.code, down.stdout + down.stderr).toBe(0);
    expect((await snapshot(url)).groups).toEqual({});
  });
});
