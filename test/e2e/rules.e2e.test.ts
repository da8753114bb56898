/**
 * SecurityGroupRule under the real Pulumi engine against a real SQLite backend: canonical form
 * (no perpetual diff), the seed-001 SSH rule, and validation failures at preview.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqliteBackend } from "../../provider/backends/sqlite";
import { TestStack, hasStackTrace, sqliteUrl } from "./harness";

const RULE_TYPE = "pulumi-nodejs:dynamic/secgroups:SecurityGroupRule";

describe("SecurityGroupRule (real engine, SQLite)", () => {
  let stack: TestStack;
  let backend: SqliteBackend;

  beforeAll(async () => {
    stack = await TestStack.create("rules", "rules", { "test:drifty": "false" });
    await stack.setConfig("secgroups:backend", sqliteUrl(stack.dir));
  });

  afterAll(async () => {
    await backend?.close();
  });

  it("gives seed 001's group its tcp 22:22 from 0.0.0.0/0 rule: 3 rules, revision moved to 3", async () => {
    const r = await stack.up();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const out = await stack.outputs();
    expect(out.sshRule).toEqual({ protocol: "tcp", min: 22, max: 22, remote: "0.0.0.0/0", ethertype: "IPv4" });
    backend = new SqliteBackend(path.join(stack.dir, "cloud.db"));
    const rules = await backend.listRules("default", out.groupId);
    expect(rules).toHaveLength(3);
    expect(
      rules.filter((x) => !x.isDefault).map((x) => [x.direction, x.ethertype, x.protocol, x.portRangeMin, x.portRangeMax, x.remoteIpPrefix]),
    ).toEqual([["ingress", "IPv4", "tcp", 22, 22, "0.0.0.0/0"]]);
    expect((await backend.getGroup("default", out.groupId))?.group.revisionNumber).toBe(3);

    // The group's recorded revision catches up on refresh (which reads state, not the program).
    const recorded = async () =>
      (await stack.export()).deployment.resources?.find((x) => x.type === "pulumi-nodejs:dynamic/secgroups:SecurityGroup")?.outputs.revisionNumber;
    expect(out.revisionNumber).toBe(2);
    expect(await recorded()).toBe(2);
    const refreshed = await stack.refresh();
    expect(refreshed.code, refreshed.stdout + refreshed.stderr).toBe(0);
    expect(await recorded()).toBe(3);
    // read() hands back exactly the canonical inputs: refresh leaves nothing to change.
    const clean = await stack.preview(["--expect-no-changes"]);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
  });

  it("stores protocol 6, ports 1-65535 and remote 1.2.3.4 canonically, so the next preview is clean", async () => {
    await stack.setConfig("test:drifty", "true");
    const r = await stack.up();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const out = await stack.outputs();
    const id = out.ruleIds[1];
    const stored = await backend.getRule("default", id);
    expect(stored).toMatchObject({ protocol: "tcp", portRangeMin: null, portRangeMax: null, remoteIpPrefix: "1.2.3.4/32", ethertype: "IPv4" });

    const again = await stack.preview(["--expect-no-changes"]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect((await stack.previewJson()).changeSummary).toEqual({ same: 4 });
  });

  it("changes a rule's description in place and replaces it for any other change", async () => {
    const before = await stack.outputs();
    await stack.setConfig("test:ruleDescription", "admin host (new)");
    const p = await stack.previewJson();
    const step = p.steps.find((s) => s.urn.endsWith(`${RULE_TYPE}::all-tcp-from-host`));
    expect(step?.op).toBe("update");
    const r = await stack.up();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const after = await stack.outputs();
    expect(after.ruleIds).toEqual(before.ruleIds);
    expect((await backend.getRule("default", after.ruleIds[1]))?.description).toBe("admin host (new)");
  });

  it("destroy removes the rules and then the group", async () => {
    const out = await stack.outputs();
    const r = await stack.destroy();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await backend.listRules("default")).toEqual([]);
    expect(await backend.getGroup("default", out.groupId)).toBeUndefined();
  });
});

describe("invalid rules fail at preview, never reaching up", () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.create("invalid", "invalid", {});
    await stack.setConfig("secgroups:backend", sqliteUrl(stack.dir));
  });

  afterAll(() => {
    // Nothing was applied: no preview may have created the backend file.
    expect(fs.existsSync(path.join(stack.dir, "cloud.db"))).toBe(false);
  });

  const cases: Array<{ name: string; profile: string; rule: Record<string, unknown>; webRemote?: boolean; expected: string[] }> = [
    {
      name: "a remote group of the program (id unknown at preview) next to a CIDR",
      profile: "openstack",
      rule: { remoteIpPrefix: "10.0.0.0/8" },
      webRemote: true,
      expected: ["SG_INVALID_INPUT: remoteGroupId cannot be combined with remoteIpPrefix (got a value known only after apply)"],
    },
    {
      name: "a remote group of the program (id unknown at preview) under rackspace",
      profile: "rackspace",
      rule: {},
      webRemote: true,
      expected: [
        "SG_INVALID_INPUT: remoteGroupId is not supported by profile rackspace (got a value known only after apply); allowed: remotes of kind cidr",
      ],
    },
    {
      name: "a schema mistake and two domain mistakes, named in one preview",
      profile: "openstack",
      rule: { protocol: "foo", direction: "sideways", remoteIpPrefix: "10.0.0.1/24" },
      expected: [
        'SG_INVALID_INPUT: direction got "sideways"; allowed: "ingress", "egress"',
        'SG_INVALID_INPUT: protocol is not a known protocol (got "foo")',
        'SG_INVALID_INPUT: remoteIpPrefix has host bits set (got "10.0.0.1/24")',
      ],
    },
    {
      name: "host bits set in a CIDR",
      profile: "openstack",
      rule: { protocol: "tcp", portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "10.0.0.1/24" },
      expected: ['SG_INVALID_INPUT: remoteIpPrefix has host bits set (got "10.0.0.1/24")', "did you mean 10.0.0.0/24?"],
    },
    {
      name: "min > max",
      profile: "openstack",
      rule: { protocol: "tcp", portRangeMin: 90, portRangeMax: 80 },
      expected: ["SG_INVALID_INPUT: portRangeMin is greater than portRangeMax 80 (got 90)"],
    },
    {
      name: "ports on ICMP under evroc",
      profile: "evroc",
      rule: { protocol: "icmp", portRangeMin: 8, portRangeMax: 0 },
      expected: ["SG_INVALID_INPUT: portRangeMin cannot be set for protocol icmp under profile evroc (got 8)"],
    },
    {
      name: "an IPv6 CIDR with ethertype IPv4",
      profile: "openstack",
      rule: { remoteIpPrefix: "2001:db8::/32", ethertype: "IPv4" },
      expected: ['SG_INVALID_INPUT: ethertype does not match remoteIpPrefix 2001:db8::/32, an IPv6 network (got "IPv4")'],
    },
    {
      name: "two remotes",
      profile: "openstack",
      rule: { remoteIpPrefix: "10.0.0.0/8", remoteGroupId: "0f2c6a8e-0000-4000-8000-000000000001" },
      expected: ["SG_INVALID_INPUT: remoteGroupId cannot be combined with remoteIpPrefix"],
    },
    {
      name: "an unknown protocol",
      profile: "openstack",
      rule: { protocol: "tcpp" },
      expected: ['SG_INVALID_INPUT: protocol is not a known protocol (got "tcpp")'],
    },
    {
      name: "a remote group under rackspace",
      profile: "rackspace",
      rule: { remoteGroupId: "0f2c6a8e-0000-4000-8000-000000000001" },
      expected: ["SG_INVALID_INPUT: remoteGroupId is not supported by profile rackspace"],
    },
    {
      name: "three mistakes at once",
      profile: "openstack",
      rule: {
        protocol: "tcp",
        portRangeMin: 90,
        portRangeMax: 80,
        remoteIpPrefix: "10.0.0.1/24",
        remoteGroupId: "0f2c6a8e-0000-4000-8000-000000000001",
      },
      expected: [
        "SG_INVALID_INPUT: remoteIpPrefix has host bits set",
        "SG_INVALID_INPUT: remoteGroupId cannot be combined with remoteIpPrefix",
        "SG_INVALID_INPUT: portRangeMin is greater than portRangeMax 80",
      ],
    },
  ];

  for (const c of cases) {
    it(`${c.name}: preview fails with ${c.expected.length === 1 ? "the code and property" : "all of them"}`, async () => {
      await stack.setConfig("secgroups:profile", c.profile);
      await stack.setConfig("test:rule", JSON.stringify(c.rule));
      await stack.setConfig("test:webRemote", String(c.webRemote ?? false));
      const r = await stack.preview();
      const text = r.stdout + r.stderr;
      expect(r.code, text).not.toBe(0);
      for (const e of c.expected) expect(text).toContain(e);
      // The engine prints each failure twice (at the resource and in the summary): count distinct ones.
      const distinct = new Set(text.match(/SG_INVALID_INPUT: [^\n]*/g) ?? []);
      expect(distinct.size, text).toBe(c.expected.filter((e) => e.startsWith("SG_")).length);
      expect(hasStackTrace(text)).toBe(false);
    });
  }
});
