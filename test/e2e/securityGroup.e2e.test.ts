/**
 * SecurityGroup through its whole life cycle under the real Pulumi engine (CLI + language host +
 * dynamic provider process) against a real SQLite backend file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqliteBackend } from "../../provider/backends/sqlite";
import { TestStack, hasStackTrace, sqliteUrl } from "./harness";

const SG_TYPE = "pulumi-nodejs:dynamic/secgroups:SecurityGroup";

function groupResources(deployment: { resources?: Array<Record<string, any>> }): Array<Record<string, any>> {
  return (deployment.resources ?? []).filter((r) => r.type === SG_TYPE);
}

describe("SecurityGroup life cycle (real engine, SQLite)", () => {
  let stack: TestStack;
  let dbFile: string;
  let backend: SqliteBackend;
  let firstId: string;

  beforeAll(async () => {
    stack = await TestStack.create("group", "lifecycle", {});
    dbFile = path.join(stack.dir, "cloud.db");
    await stack.setConfig("secgroups:backend", sqliteUrl(stack.dir));
  });

  afterAll(async () => {
    await backend?.close();
  });

  it("up creates the group with the profile's two default egress rules", async () => {
    const r = await stack.up();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const out = await stack.outputs();
    expect(out.name).toBe("web");
    expect(out.description).toBe("");
    expect(out.project).toBe("default");
    expect(out.stateful).toBe(true);
    expect(out.tags).toEqual([]);
    expect(out.revisionNumber).toBe(2);
    expect(out.defaultRuleIds).toHaveLength(2);
    firstId = out.id;

    backend = new SqliteBackend(dbFile);
    const state = await backend.getGroup("default", firstId);
    expect(state?.group).toMatchObject({ id: firstId, name: "web", description: "", revisionNumber: 2, createdAt: out.createdAt });
    const rules = await backend.listRules("default", firstId);
    expect(rules.map((x) => [x.direction, x.ethertype, x.protocol, x.portRangeMin, x.remoteIpPrefix, x.isDefault]).sort()).toEqual([
      ["egress", "IPv4", null, null, null, true],
      ["egress", "IPv6", null, null, null, true],
    ]);
    expect(rules.map((x) => x.id).sort()).toEqual([...out.defaultRuleIds].sort());
    expect(fs.statSync(dbFile).mode & 0o777).toBe(0o600);
  });

  it("a second preview reports no changes", async () => {
    const r = await stack.preview(["--expect-no-changes"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const p = await stack.previewJson();
    expect(p.changeSummary).toEqual({ same: 2 });
  });

  it("changing description is an in-place update that bumps updatedAt and the revision", async () => {
    const before = await stack.outputs();
    await stack.setConfig("test:description", "Beispiel");
    const p = await stack.previewJson();
    const step = p.steps.find((s) => s.urn.includes(SG_TYPE));
    expect(step?.op).toBe("update");
    expect(p.changeSummary).toEqual({ same: 1, update: 1 });

    const r = await stack.up();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const after = await stack.outputs();
    expect(after.id).toBe(before.id);
    expect(after.description).toBe("Beispiel");
    expect(after.revisionNumber).toBe(before.revisionNumber + 1);
    expect(after.createdAt).toBe(before.createdAt);
    expect(Date.parse(after.updatedAt)).toBeGreaterThan(Date.parse(before.updatedAt));
    expect((await backend.getGroup("default", before.id))?.group.description).toBe("Beispiel");
  });

  it("changing project replaces the group, creating the new one before deleting the old", async () => {
    await stack.setConfig("test:project", "other");
    const p = await stack.previewJson();
    const step = p.steps.find((s) => s.urn.includes(SG_TYPE));
    expect(step?.op).toBe("replace");
    expect(step?.replaceReasons).toEqual(["project"]);

    const r = await stack.up();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const out = await stack.outputs();
    expect(out.project).toBe("other");
    expect(out.id).not.toBe(firstId);
    expect(await backend.getGroup("default", firstId)).toBeUndefined();
    expect((await backend.getGroup("other", out.id))?.group.name).toBe("web");
    expect(r.stdout).toMatch(/\+-\s+pulumi-nodejs:dynamic\/secgroups:SecurityGroup web replaced/);
  });

  it("refresh drops a group deleted out of band, and up creates it again", async () => {
    const before = await stack.outputs();
    expect(await backend.deleteGroup("other", before.id)).toBe(true);

    const refreshed = await stack.refresh();
    expect(refreshed.code, refreshed.stdout + refreshed.stderr).toBe(0);
    expect(groupResources((await stack.export()).deployment)).toHaveLength(0);

    const r = await stack.up();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const out = await stack.outputs();
    expect(out.id).not.toBe(before.id);
    expect((await backend.listGroups("other")).map((g) => g.id)).toEqual([out.id]);
  });

  it("stores a thin __provider shim under 4 KB per resource", async () => {
    const { deployment } = await stack.export();
    const resources = groupResources(deployment);
    expect(resources).toHaveLength(1);
    for (const where of ["inputs", "outputs"] as const) {
      const shim: string = resources[0]![where].__provider;
      const bytes = Buffer.byteLength(shim, "utf8");
      console.log(`__provider in ${where}: ${bytes} bytes`);
      expect(bytes).toBeLessThan(4096);
      expect(shim).toContain('require("pulumi-secgroups/provider")');
      // The implementation is loaded by name, never serialized by value.
      expect(shim).not.toContain("BEGIN IMMEDIATE");
      expect(shim).not.toContain("SG_NAME_TAKEN");
    }
  });

  it("destroy leaves the backend without the group", async () => {
    const out = await stack.outputs();
    const r = await stack.destroy();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await backend.getGroup("other", out.id)).toBeUndefined();
    expect(await backend.listGroups("other")).toEqual([]);
    expect(await backend.listRules("other")).toEqual([]);
    expect(groupResources((await stack.export()).deployment)).toHaveLength(0);
  });
});

describe("SecurityGroup names are unique per project across stacks", () => {
  it("a second stack on the same backend and project fails with SG_NAME_TAKEN and leaves the first group untouched", async () => {
    const first = await TestStack.create("group", "first", { "test:groupName": "shared-name", "test:description": "owned by first" });
    await first.setConfig("secgroups:backend", sqliteUrl(first.dir));
    const up1 = await first.up();
    expect(up1.code, up1.stdout + up1.stderr).toBe(0);
    const owned = await first.outputs();

    const second = await TestStack.create("group", "second", { "test:groupName": "shared-name", "test:description": "wanted by second" });
    await second.setConfig("secgroups:backend", sqliteUrl(first.dir));
    const up2 = await second.up();
    const text = up2.stdout + up2.stderr;
    expect(up2.code).not.toBe(0);
    expect(text).toContain(`SG_NAME_TAKEN: project default already has a security group named "shared-name" (id ${owned.id})`);
    expect(hasStackTrace(text)).toBe(false);
    expect(groupResources((await second.export()).deployment)).toHaveLength(0);

    const backend = new SqliteBackend(path.join(first.dir, "cloud.db"));
    try {
      const groups = await backend.listGroups("default");
      expect(groups).toHaveLength(1);
      expect(groups[0]).toMatchObject({ id: owned.id, description: "owned by first", revisionNumber: 2, updatedAt: owned.updatedAt });
    } finally {
      await backend.close();
    }
    const again = await first.preview(["--expect-no-changes"]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });
});

describe("SecurityGroup input errors", () => {
  it("preview fails on an invalid project with SG_INVALID_INPUT naming the property, no stack trace, nothing written", async () => {
    const stack = await TestStack.create("group", "invalid", { "test:project": "bad project!" });
    await stack.setConfig("secgroups:backend", sqliteUrl(stack.dir));
    const r = await stack.preview();
    const text = r.stdout + r.stderr;
    expect(r.code).not.toBe(0);
    expect(text).toContain('SG_INVALID_INPUT: project got "bad project!"');
    expect(hasStackTrace(text)).toBe(false);
    expect(fs.existsSync(path.join(stack.dir, "cloud.db"))).toBe(false);
  });
});
