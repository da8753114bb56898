/**
 * Networks, servers and attachments under the real Pulumi engine against a real SQLite backend:
 * the per-port limit at preview and at apply, launch-time groups, attachable networks, waiting
 * for ACTIVE, the in-place swap, and SG_IN_USE across stacks.
 */
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqliteBackend } from "../../provider/backends/sqlite";
import { TestStack, hasStackTrace, sqliteUrl } from "./harness";

const ATTACH = "pulumi-nodejs:dynamic/secgroups:ServerAttachment";

async function groupsOnPort(backend: SqliteBackend, serverId: string, network: string): Promise<string[]> {
  const server = await backend.getServer("default", serverId);
  return server?.ports.find((p) => p.networkName === network)?.securityGroupIds ?? [];
}

describe("rackspace: at most five groups per network per server", () => {
  let stack: TestStack;
  let backend: SqliteBackend;
  let serverId: string;

  beforeAll(async () => {
    stack = await TestStack.create("attach", "five", { "secgroups:profile": "rackspace", "test:groups": "6", "test:attachNetwork": "PublicNet" });
    await stack.setConfig("secgroups:backend", sqliteUrl(stack.dir));
    const r = await stack.up();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    serverId = (await stack.outputs()).serverIdOut;
    backend = new SqliteBackend(path.join(stack.dir, "cloud.db"));
  });

  afterAll(async () => {
    await backend?.close();
  });

  it("six attachments to a server an earlier up created fail at preview", async () => {
    await stack.setConfig("test:attach", "6");
    const r = await stack.preview();
    const text = r.stdout + r.stderr;
    expect(r.code, text).not.toBe(0);
    expect(text).toContain(
      "SG_LIMIT_GROUPS_PER_PORT: server web-1 would get 6 security groups (0 now, the rest planned in this update) on network PublicNet (limit of profile rackspace: 5)",
    );
    expect(hasStackTrace(text)).toBe(false);
    expect(await groupsOnPort(backend, serverId, "PublicNet")).toEqual([]);
  });

  it("five go up; a sixth added later fails at preview, and the port holds exactly five", async () => {
    await stack.setConfig("test:attach", "5");
    const up = await stack.up();
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(await groupsOnPort(backend, serverId, "PublicNet")).toHaveLength(5);

    await stack.setConfig("test:attach", "6");
    const r = await stack.preview();
    const text = r.stdout + r.stderr;
    expect(r.code, text).not.toBe(0);
    expect(text).toContain(
      "SG_LIMIT_GROUPS_PER_PORT: server web-1 already has 5 security groups on network PublicNet (limit of profile rackspace: 5)",
    );
    expect(await groupsOnPort(backend, serverId, "PublicNet")).toHaveLength(5);
  });

  it("swapping an attachment's group on the full port is an in-place update", async () => {
    await stack.setConfig("test:attach", "5");
    await stack.setConfig("test:swap", JSON.stringify({ "0": 5 }));
    const p = await stack.previewJson();
    expect(p.steps.find((s) => s.urn.endsWith(`${ATTACH}::a0`))?.op).toBe("update");
    const before = await stack.outputs();
    const r = await stack.up();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const after = await stack.outputs();
    expect(after.attachmentIds).toEqual(before.attachmentIds);
    const onPort = await groupsOnPort(backend, serverId, "PublicNet");
    expect(onPort).toHaveLength(5);
    expect(onPort).toContain(after.groupIds[5]);
    expect(onPort).not.toContain(after.groupIds[0]);
  });
});

/** A rackspace stack whose program creates a server and six groups, and attaches all six on PublicNet. */
async function sixAttachmentsToANewServer(name: string): Promise<TestStack> {
  const stack = await TestStack.create("attach", name, {
    "secgroups:profile": "rackspace",
    "test:groups": "6",
    "test:attach": "6",
    "test:attachNetwork": "PublicNet",
  });
  await stack.setConfig("secgroups:backend", sqliteUrl(stack.dir));
  return stack;
}

describe("rackspace: a server created in the same program", () => {
  it("preview refuses the sixth attachment by name (its id unknown), and up with its preview creates nothing", async () => {
    const stack = await sixAttachmentsToANewServer("same-program-preview");
    const preview = await stack.preview();
    const text = preview.stdout + preview.stderr;
    expect(preview.code, text).not.toBe(0);
    const refusals = new Set(text.match(/SG_LIMIT_GROUPS_PER_PORT: [^\n]*/g) ?? []);
    expect([...refusals], text).toStrictEqual([
      "SG_LIMIT_GROUPS_PER_PORT: the server this program creates would get 6 security groups on network PublicNet; the program's attachments take its 5 places by name (a0, a1, a2, a3, a4) and this one, a5, comes after them (limit of profile rackspace: 5); fix: attach fewer groups to it, or merge groups",
    ]);
    expect(text).toMatch(/ServerAttachment \(a5\)/);
    expect(hasStackTrace(text)).toBe(false);
    // `pulumi up` runs the same preview first and stops there: nothing is created.
    const up = await stack.run(["up", "--yes", "--config-file", stack.configFile]);
    expect(up.code, up.stdout + up.stderr).not.toBe(0);
    expect((await stack.export()).deployment.resources ?? []).toStrictEqual([]);
    // Five preview clean.
    await stack.setConfig("test:attach", "5");
    const five = await stack.preview();
    expect(five.code, five.stdout + five.stderr).toBe(0);
  });

  it("up fails on the sixth attachment with SG_LIMIT_GROUPS_PER_PORT and the port holds exactly five", async () => {
    const stack = await sixAttachmentsToANewServer("same-program");
    const r = await stack.up();
    const text = r.stdout + r.stderr;
    expect(r.code, text).not.toBe(0);
    expect(text).toContain("SG_LIMIT_GROUPS_PER_PORT: server web-1");
    expect(text).toContain("on network PublicNet (limit of profile rackspace: 5)");
    const attached = (await stack.export()).deployment.resources?.filter((x) => x.type === ATTACH) ?? [];
    expect(attached).toHaveLength(5);
    const backend = new SqliteBackend(path.join(stack.dir, "cloud.db"));
    try {
      const server = (await backend.getServer("default", attached[0]!.outputs.serverId))!;
      expect(server.ports.find((p) => p.networkName === "PublicNet")?.securityGroupIds).toHaveLength(5);
    } finally {
      await backend.close();
    }
  });
});

describe("rackspace: groups only after boot, only on PublicNet and ServiceNet", () => {
  it("a Server with securityGroupIds fails at preview with SG_ATTACH_AT_BOOT", async () => {
    const stack = await TestStack.create("attach", "at-boot", { "secgroups:profile": "rackspace", "test:groups": "1", "test:launchGroups": "[0]" });
    await stack.setConfig("secgroups:backend", sqliteUrl(stack.dir));
    const r = await stack.preview();
    const text = r.stdout + r.stderr;
    expect(r.code, text).not.toBe(0);
    expect(text).toContain(
      "SG_ATTACH_AT_BOOT: profile rackspace applies security groups only to a server that is ACTIVE, never at launch (property securityGroupIds)",
    );
  });

  it("attaching to a private network fails with SG_NETWORK_NOT_ATTACHABLE", async () => {
    const stack = await TestStack.create("attach", "private", {
      "secgroups:profile": "rackspace",
      "test:groups": "1",
      "test:attach": "1",
      "test:privateNetwork": "true",
      "test:networks": JSON.stringify(["PublicNet", "private"]),
      "test:attachNetwork": "private",
    });
    await stack.setConfig("secgroups:backend", sqliteUrl(stack.dir));
    const r = await stack.up();
    const text = r.stdout + r.stderr;
    expect(r.code, text).not.toBe(0);
    expect(text).toContain(
      "SG_NETWORK_NOT_ATTACHABLE: profile rackspace applies security groups only to ports on PublicNet, ServiceNet, not on private",
    );
    expect((await stack.export()).deployment.resources?.filter((x) => x.type === ATTACH)).toHaveLength(0);
  });
});

describe("attachments wait for the server to boot", () => {
  it("a server with bootSeconds 3 and waitForActive false gets an attachment that waits and succeeds", async () => {
    const stack = await TestStack.create("attach", "boot", {
      "test:groups": "1",
      "test:attach": "1",
      "test:bootSeconds": "3",
      "test:waitForActive": "false",
      "test:networks": JSON.stringify(["public"]),
    });
    await stack.setConfig("secgroups:backend", sqliteUrl(stack.dir));
    const started = Date.now();
    const r = await stack.up();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    const out = await stack.outputs();
    const backend = new SqliteBackend(path.join(stack.dir, "cloud.db"));
    try {
      const server = (await backend.getServer("default", out.serverIdOut))!;
      expect(server.status).toBe("ACTIVE");
      // openstack: launched without groups, the port got `default`; the attachment added g0.
      const defaultGroup = (await backend.findGroupByName("default", "default"))!;
      expect(server.ports.find((p) => p.networkName === "public")?.securityGroupIds).toEqual([defaultGroup.id, out.groupIds[0]].sort());
    } finally {
      await backend.close();
    }
  });

  it("a server forced into ERROR gets SG_SERVER_NOT_ACTIVE", async () => {
    const stack = await TestStack.create("attach", "error", {
      "test:groups": "1",
      "test:bootSeconds": "600",
      "test:waitForActive": "false",
      "test:networks": JSON.stringify(["public"]),
    });
    await stack.setConfig("secgroups:backend", sqliteUrl(stack.dir));
    const r1 = await stack.up();
    expect(r1.code, r1.stdout + r1.stderr).toBe(0);
    const backend = new SqliteBackend(path.join(stack.dir, "cloud.db"));
    try {
      await backend.setServerError("default", (await stack.outputs()).serverIdOut);
    } finally {
      await backend.close();
    }
    await stack.setConfig("test:attach", "1");
    const r = await stack.up();
    const text = r.stdout + r.stderr;
    expect(r.code, text).not.toBe(0);
    expect(text).toContain("SG_SERVER_NOT_ACTIVE: server web-1");
    expect(text).toContain("is ERROR; security groups attach only to an ACTIVE server");
    expect(hasStackTrace(text)).toBe(false);
  });
});

describe("a group held by another stack's attachment", () => {
  it("cannot be removed from its program: SG_IN_USE, and nothing is lost", async () => {
    const owner = await TestStack.create("attach", "owner", { "test:groups": "1", "test:server": "false" });
    await owner.setConfig("secgroups:backend", sqliteUrl(owner.dir));
    const up1 = await owner.up();
    expect(up1.code, up1.stdout + up1.stderr).toBe(0);
    const groupId = (await owner.outputs()).groupIds[0];

    const user = await TestStack.create("attach", "user", {
      "test:attach": "1",
      "test:externalGroupId": groupId,
      "test:networks": JSON.stringify(["public"]),
    });
    await user.setConfig("secgroups:backend", sqliteUrl(owner.dir));
    const up2 = await user.up();
    expect(up2.code, up2.stdout + up2.stderr).toBe(0);

    await owner.setConfig("test:groups", "0");
    const r = await owner.up();
    const text = r.stdout + r.stderr;
    expect(r.code, text).not.toBe(0);
    expect(text).toContain(`SG_IN_USE: security group g0 (${groupId}) is still in use by server web-1 port`);
    expect(text).toContain("on network public");
    expect(hasStackTrace(text)).toBe(false);
    expect((await owner.export()).deployment.resources?.filter((x) => x.type === "pulumi-nodejs:dynamic/secgroups:SecurityGroup")).toHaveLength(1);
    const backend = new SqliteBackend(path.join(owner.dir, "cloud.db"));
    try {
      expect((await backend.getGroup("default", groupId))?.group.name).toBe("g0");
    } finally {
      await backend.close();
    }
  });
});

describe("evroc: default-allow-egress while a port has no custom group", () => {
  it("is joined at launch, dropped when a group is attached, restored when the last one goes", async () => {
    const stack = await TestStack.create("attach", "evroc", {
      "secgroups:profile": "evroc",
      "test:groups": "1",
      "test:networks": JSON.stringify(["public"]),
    });
    await stack.setConfig("secgroups:backend", sqliteUrl(stack.dir));
    const backend = new SqliteBackend(path.join(stack.dir, "cloud.db"));
    try {
      const up1 = await stack.up();
      expect(up1.code, up1.stdout + up1.stderr).toBe(0);
      const out = await stack.outputs();
      const egress = (await backend.findGroupByName("default", "default-allow-egress"))!;
      expect((await backend.listGroups("default")).map((g) => g.name)).toEqual([
        "default-allow-egress",
        "default-allow-ssh",
        "default-allow-web-protocols",
        "g0",
      ]);
      expect(await groupsOnPort(backend, out.serverIdOut, "public")).toEqual([egress.id]);

      await stack.setConfig("test:attach", "1");
      const up2 = await stack.up();
      expect(up2.code, up2.stdout + up2.stderr).toBe(0);
      expect(await groupsOnPort(backend, out.serverIdOut, "public")).toEqual([out.groupIds[0]]);

      await stack.setConfig("test:attach", "0");
      const up3 = await stack.up();
      expect(up3.code, up3.stdout + up3.stderr).toBe(0);
      expect(await groupsOnPort(backend, out.serverIdOut, "public")).toEqual([egress.id]);
    } finally {
      await backend.close();
    }
  });
});

describe("meshcloud: a server keeps at least one group", () => {
  it("refuses a launch with no group at preview; a server launched with default keeps it through attach and detach", async () => {
    const stack = await TestStack.create("attach", "meshcloud", {
      "secgroups:profile": "meshcloud",
      "test:groups": "1",
      "test:networks": JSON.stringify(["public"]),
      "test:launchGroups": "[]",
    });
    await stack.setConfig("secgroups:backend", sqliteUrl(stack.dir));
    const refused = await stack.preview();
    const text = refused.stdout + refused.stderr;
    expect(refused.code, text).not.toBe(0);
    expect(text).toContain(
      "SG_MIN_GROUPS: profile meshcloud requires every server to keep at least 1 security group (property securityGroupIds, got [])",
    );

    await stack.removeConfig("test:launchGroups");
    await stack.setConfig("test:attach", "1");
    const up1 = await stack.up();
    expect(up1.code, up1.stdout + up1.stderr).toBe(0);
    const out = await stack.outputs();
    const backend = new SqliteBackend(path.join(stack.dir, "cloud.db"));
    try {
      const def = (await backend.findGroupByName("default", "default"))!;
      expect(await groupsOnPort(backend, out.serverIdOut, "public")).toEqual([def.id, out.groupIds[0]].sort());
      await stack.setConfig("test:attach", "0");
      const up2 = await stack.up();
      expect(up2.code, up2.stdout + up2.stderr).toBe(0);
      expect(await groupsOnPort(backend, out.serverIdOut, "public")).toEqual([def.id]);
    } finally {
      await backend.close();
    }
  });
});
