/**
 * Adoption and out-of-band change, with the real engine on a real SQLite backend: a group, its
 * rule and its attachment made outside Pulumi come under a program's management through the
 * `import` resource option without being recreated and without a diff afterwards; an import whose
 * inputs differ fails the preview naming each difference and changes nothing; rules added or
 * deleted outside the program show in `pulumi preview --refresh` as what they are.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBackend } from "../../provider/backends";
import type { StateBackend } from "../../provider/backends/types";
import { attachmentPolicy, projectSetup } from "../../provider/domain/profiles";
import { loadProfile } from "../../provider/profileLoader";
import { newRuleOf } from "../../provider/domain/rules";
import { TestStack, hasStackTrace, sqliteUrl } from "./harness";

const PROJECT = "default";
const OPENSTACK = loadProfile("openstack", process.cwd());

interface Legacy {
  groupId: string;
  ruleId: string;
  serverId: string;
  attachmentId: string;
  portId: string;
}

/** What an operator made by hand before Pulumi: a group with an HTTPS rule, attached to a server. */
async function makeLegacy(b: StateBackend): Promise<Legacy> {
  await b.ensureProject(PROJECT, projectSetup(OPENSTACK));
  const group = await b.createGroup({
    project: PROJECT,
    name: "legacy-web",
    description: "made by hand",
    stateful: true,
    tags: [],
    defaultRules: OPENSTACK.newGroupRules,
  });
  const rule = await b.createRule(
    newRuleOf({
      securityGroupId: group.group.id,
      direction: "ingress",
      ethertype: "IPv4",
      protocol: "tcp",
      portRangeMin: 443,
      portRangeMax: 443,
      remoteIpPrefix: "0.0.0.0/0",
      description: "https",
    }),
    { profile: "openstack" },
  );
  const policy = attachmentPolicy(OPENSTACK);
  const server = await b.createServer({ project: PROJECT, name: "legacy-vm", networks: ["public"], securityGroupIds: [], bootSeconds: 0 }, policy);
  const attachment = await b.createAttachment(PROJECT, server.id, group.group.id, null, policy);
  return { groupId: group.group.id, ruleId: rule.id, serverId: server.id, attachmentId: attachment.id, portId: server.ports[0]!.id };
}

/** What the backend holds, in a form a test can compare before and after. */
async function snapshot(b: StateBackend): Promise<string[]> {
  const groups = await b.listGroups(PROJECT);
  const rules = await b.listRules(PROJECT);
  const attachments = await b.listAttachments(PROJECT);
  return [
    ...groups.map((g) => `group ${g.id} ${g.name} ${JSON.stringify(g.description)} rev ${g.revisionNumber}`),
    ...rules.map((r) => `rule ${r.id} ${r.securityGroupId} ${r.direction} ${r.protocol} ${r.portRangeMin} ${JSON.stringify(r.description)}`),
    ...attachments.map((a) => `attachment ${a.id} ${a.serverId} ${a.securityGroupId} ${a.portIds.join(",")}`),
  ];
}

/** The group's unmanagedRules as the stack records them (stack outputs change only on `up`). */
async function recordedUnmanagedRules(stack: TestStack): Promise<unknown> {
  const resources = (await stack.export()).deployment.resources ?? [];
  const group = resources.find((r) => String(r.urn).endsWith("SecurityGroup::web"));
  return group?.outputs?.unmanagedRules;
}

describe("adopting existing objects with the import option (real engine, SQLite)", () => {
  let stack: TestStack;
  let backend: StateBackend;
  let legacy: Legacy;

  beforeAll(async () => {
    stack = await TestStack.create("adopt", "dev", {});
    const url = sqliteUrl(stack.dir);
    backend = openBackend(url, stack.dir);
    legacy = await makeLegacy(backend);
    for (const [k, v] of Object.entries({
      "secgroups:backend": url,
      "adopt:groupId": legacy.groupId,
      "adopt:ruleId": legacy.ruleId,
      "adopt:serverId": legacy.serverId,
      "adopt:attachmentId": legacy.attachmentId,
      "adopt:description": "made by hand",
      "adopt:ruleDescription": "https",
    }))
      await stack.setConfig(k, v);
  });

  afterAll(async () => {
    await backend?.close();
  });

  it("fails the preview naming the difference when the program differs, and changes nothing", async () => {
    const before = await snapshot(backend);
    try {
      await stack.setConfig("adopt:description", "web tier");
      const r = await stack.preview(["--diff"]);
      const out = r.stdout + r.stderr;
      expect(r.code).not.toBe(0);
      expect(out).toContain(
        `SG_IMPORT_MISMATCH: security group legacy-web (${legacy.groupId}) of project default differs from the program in description (property description, got "web tier"); allowed: "made by hand", its value in the backend; fix: set description to "made by hand" to adopt it as it is, then change it in a later update`,
      );
      expect(hasStackTrace(out)).toBe(false);
      // `up` refuses the same way.
      const up = await stack.up();
      expect(up.code).not.toBe(0);
      expect(up.stdout + up.stderr).toContain("SG_IMPORT_MISMATCH: security group legacy-web");
      // The group matches, the rule does not: the rule's difference is named.
      await stack.setConfig("adopt:description", "made by hand");
      await stack.setConfig("adopt:ruleDescription", "TLS");
      const rule = await stack.preview(["--diff"]);
      expect(rule.code).not.toBe(0);
      expect(rule.stdout + rule.stderr).toContain(
        `SG_IMPORT_MISMATCH: rule ${legacy.ruleId} of group ${legacy.groupId} differs from the program in description (property description, got "TLS"); allowed: "https", its value in the backend`,
      );
      // Nothing was written: not the group the failed up may have adopted, nor anything else.
      expect(await snapshot(backend)).toEqual(before);
    } finally {
      await stack.setConfig("adopt:description", "made by hand");
      await stack.setConfig("adopt:ruleDescription", "https");
    }
  });

  it("fails the preview with SG_NOT_FOUND for an id that names nothing", async () => {
    await stack.setConfig("adopt:attachmentId", "no-such-attachment");
    try {
      const r = await stack.preview();
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toContain(
        `SG_NOT_FOUND: there is no ServerAttachment "no-such-attachment" to import (property import, got "no-such-attachment")`,
      );
    } finally {
      await stack.setConfig("adopt:attachmentId", legacy.attachmentId);
    }
  });

  it("refuses an attachment made for another network and a group's default rule, naming why", async () => {
    const before = await snapshot(backend);
    const defaultRule = (await backend.listRules(PROJECT, legacy.groupId)).find((r) => r.isDefault)!;
    await stack.setConfig("adopt:network", "public");
    try {
      // One at a time: the engine stops the preview at the first resource that fails its check.
      const r = await stack.preview();
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toContain(
        `SG_IMPORT_MISMATCH: attachment ${legacy.attachmentId} of group ${legacy.groupId} to server ${legacy.serverId} is made for every attachable network (network absent) (property network, got "public"); fix: leave network out to adopt it as it is`,
      );
      await stack.removeConfig("adopt:network");
      await stack.setConfig("adopt:ruleId", defaultRule.id);
      const rule = await stack.preview();
      const out = rule.stdout + rule.stderr;
      expect(rule.code).not.toBe(0);
      expect(out).toContain(
        `SG_IMPORT_MISMATCH: rule ${defaultRule.id} is a default rule of group ${legacy.groupId}, which the group manages (property import, got "${defaultRule.id}"); fix: leave default rules to the group`,
      );
      expect(hasStackTrace(out)).toBe(false);
      expect(await snapshot(backend)).toEqual(before);
    } finally {
      await stack.run(["config", "rm", "--config-file", stack.configFile, "adopt:network"]);
      await stack.setConfig("adopt:ruleId", legacy.ruleId);
    }
  });

  it("adopts the group, rule and attachment without recreating them, and shows no diff afterwards", async () => {
    const before = await snapshot(backend);
    const up = await stack.up();
    expect(up.code, up.stdout + up.stderr).toBe(0);
    const out = await stack.outputs();
    expect(out.groupId).toBe(legacy.groupId);
    expect(out.httpsRuleId).toBe(legacy.ruleId);
    expect(out.attachmentId).toBe(legacy.attachmentId);
    expect(out.portIds).toEqual([legacy.portId]);
    expect(out.groupDescription).toBe("made by hand");
    // The group was adopted before its rule (the rule needs the group's id), so its outputs still
    // list the rule as unmanaged; a refresh reads the group again and finds it managed.
    expect(out.unmanagedRules).toEqual([
      {
        id: legacy.ruleId,
        direction: "ingress",
        ethertype: "IPv4",
        protocol: "tcp",
        portRangeMin: 443,
        portRangeMax: 443,
        remoteIpPrefix: "0.0.0.0/0",
        description: "https",
      },
    ]);
    // Nothing was created, changed or deleted in the backend.
    expect(await snapshot(backend)).toEqual(before);
    const again = await stack.preview(["--expect-no-changes", "--diff"]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const refresh = await stack.refresh();
    expect(refresh.code, refresh.stdout + refresh.stderr).toBe(0);
    expect(await recordedUnmanagedRules(stack)).toEqual([]);
    expect(await snapshot(backend)).toEqual(before);
  });

  it("changes an adopted group in place on the next update (same id)", async () => {
    await stack.setConfig("adopt:description", "web tier");
    const preview = await stack.preview(["--diff"]);
    expect(preview.code, preview.stdout + preview.stderr).toBe(0);
    expect(preview.stdout).toMatch(/~ description\s*: "made by hand" => "web tier"/);
    expect(preview.stdout).not.toContain("SG_IMPORT_MISMATCH");
    const up = await stack.up();
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect((await stack.outputs()).groupId).toBe(legacy.groupId);
    expect((await backend.getGroup(PROJECT, legacy.groupId))!.group.description).toBe("web tier");
  });

  it("shows a rule added outside the program in preview --refresh, as the rule it is", async () => {
    const added = await backend.createRule(
      newRuleOf({
        securityGroupId: legacy.groupId,
        direction: "ingress",
        ethertype: "IPv4",
        protocol: "tcp",
        portRangeMin: 22,
        portRangeMax: 22,
        remoteIpPrefix: "0.0.0.0/0",
        description: "added by hand",
      }),
      { profile: "openstack" },
    );
    const r = await stack.preview(["--refresh", "--diff"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const text = r.stdout.replace(/\s+/g, " ");
    expect(text).toContain(
      '~ unmanagedRules : [ + [0]: { + description : "added by hand" + direction : "ingress" + ethertype : "IPv4" ' +
        `+ id : "${added.id}" + portRangeMax : 22 + portRangeMin : 22 + protocol : "tcp" + remoteIpPrefix: "0.0.0.0/0" } ]`,
    );
    const refresh = await stack.refresh();
    expect(refresh.code, refresh.stdout + refresh.stderr).toBe(0);
    expect(await recordedUnmanagedRules(stack)).toEqual([
      {
        id: added.id,
        direction: "ingress",
        ethertype: "IPv4",
        protocol: "tcp",
        portRangeMin: 22,
        portRangeMax: 22,
        remoteIpPrefix: "0.0.0.0/0",
        description: "added by hand",
      },
    ]);
    // Removed outside the program again: the next refresh shows it gone.
    expect(await backend.deleteRule(PROJECT, added.id)).toBe(true);
    const gone = await stack.preview(["--refresh", "--diff"]);
    expect(gone.code).toBe(0);
    expect(gone.stdout.replace(/\s+/g, " ")).toContain(`- [0]: { - description : "added by hand"`);
  });

  it("shows a managed rule deleted outside the program in preview --refresh, and up recreates it", async () => {
    expect(await backend.deleteRule(PROJECT, legacy.ruleId)).toBe(true);
    // While the program still imports it, the rule cannot be recreated: the import names what is gone.
    const stillImported = await stack.preview(["--refresh"]);
    expect(stillImported.code).not.toBe(0);
    expect(stillImported.stdout + stillImported.stderr).toContain(`SG_NOT_FOUND: there is no SecurityGroupRule "${legacy.ruleId}" to import`);
    await stack.removeConfig("adopt:ruleId");
    const r = await stack.preview(["--refresh", "--diff"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const text = r.stdout.replace(/\s+/g, " ");
    // The refresh finds the rule gone (all its outputs removed); the update then creates it again.
    expect(text).toContain(`~ pulumi-nodejs:dynamic/secgroups:SecurityGroupRule: (refresh) [id=${legacy.ruleId}]`);
    expect(text).toContain('- description : "https" - direction : "ingress"');
    const json = await stack.run(["preview", "--refresh", "--json", "--config-file", stack.configFile]);
    const steps = (JSON.parse(json.stdout).steps as Array<{ op: string; urn: string }>).filter((x) => x.op !== "same" && x.op !== "refresh");
    expect(
      steps.map((x) => `${x.op} ${x.urn.split("::").pop()}`),
      json.stdout,
    ).toEqual(["create https"]);
    const up = await stack.run(["up", "--yes", "--refresh", "--skip-preview", "--config-file", stack.configFile]);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    const ruleId = (await stack.outputs()).httpsRuleId as string;
    expect(ruleId).not.toBe(legacy.ruleId);
    const rules = (await backend.listRules(PROJECT, legacy.groupId)).filter((x) => !x.isDefault);
    expect(rules.map((x) => `${x.id} ${x.protocol} ${x.portRangeMin} ${x.description}`)).toEqual([`${ruleId} tcp 443 https`]);
  });

  it("destroy deletes what it adopted, as for any managed object", async () => {
    const d = await stack.destroy();
    expect(d.code, d.stdout + d.stderr).toBe(0);
    expect((await backend.listGroups(PROJECT)).map((g) => g.name)).toEqual(["default"]);
    expect(await backend.listAttachments(PROJECT)).toEqual([]);
  });
});
