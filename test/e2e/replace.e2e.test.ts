/**
 * `pulumi up --replace` with unchanged inputs: the replacement has the same URN and inputs as the
 * original, so the same client token. Once the engine has diffed the recorded object (any preview
 * or up after its create), its token is forgotten, so the replacement is never the object it
 * replaces (which the engine then deletes). (The engine skips the diff of a `--replace` target
 * itself; README "Crash safety".)
 */
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { SqliteBackend } from "../../provider/backends/sqlite";
import { TestStack, sqliteUrl } from "./harness";

describe("pulumi up --replace of unchanged resources, after a preview", () => {
  it("a server gets a new server and the old one is deleted; a group (unique name) fails with SG_NAME_TAKEN and stays", async () => {
    const stack = await TestStack.create("fleet", "replace", {
      "fleet:prefix": "r",
      "fleet:groups": "1",
      "fleet:rulesPerGroup": "1",
      "fleet:servers": "1",
      "fleet:attachPerServer": "0",
    });
    await stack.setConfig("secgroups:backend", sqliteUrl(stack.dir));
    const up = await stack.up();
    expect(up.code, up.stdout + up.stderr).toBe(0);
    const before = await stack.outputs();
    const resources = (await stack.export()).deployment.resources!;
    const urnOf = (type: string) => resources.find((r) => r.type === `pulumi-nodejs:dynamic/secgroups:${type}`)!.urn as string;
    const preview = await stack.preview(["--expect-no-changes"]);
    expect(preview.code, preview.stdout + preview.stderr).toBe(0);

    const server = await stack.run(["up", "--yes", "--skip-preview", "--replace", urnOf("Server"), "--config-file", stack.configFile]);
    expect(server.code, server.stdout + server.stderr).toBe(0);
    const after = await stack.outputs();
    expect(after.serverIds[0]).not.toBe(before.serverIds[0]);

    const group = await stack.run(["up", "--yes", "--skip-preview", "--replace", urnOf("SecurityGroup"), "--config-file", stack.configFile]);
    expect(group.code).not.toBe(0);
    expect(group.stdout + group.stderr).toContain(
      `SG_NAME_TAKEN: project default already has a security group named "r-g0" (id ${before.groupIds[0]})`,
    );

    const backend = new SqliteBackend(path.join(stack.dir, "cloud.db"));
    try {
      expect((await backend.listServers("default")).map((s) => s.id)).toStrictEqual([after.serverIds[0]]);
      expect((await backend.listGroups("default")).filter((g) => g.name === "r-g0").map((g) => g.id)).toStrictEqual([before.groupIds[0]]);
      expect((await backend.listRules("default", before.groupIds[0])).filter((r) => !r.isDefault)).toHaveLength(1);
      expect(await backend.checkIntegrity()).toStrictEqual([]);
    } finally {
      await backend.close();
    }
    const clean = await stack.preview(["--expect-no-changes"]);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
  });
});
