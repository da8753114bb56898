import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteBackend } from "../../provider/backends/sqlite";
import type { DefaultRuleSpec, NewGroup, NewRule, RuleLimits, RuleRecord } from "../../provider/backends/types";
import { checkRule, ruleKey, type CanonicalRule, type RuleInput } from "../../provider/domain/rules";
import { loadProfile } from "../../provider/domain/profiles";
import { SecgroupsError } from "../../provider/errors";
import { rule, rejection } from "../support/backend";

const OPENSTACK = loadProfile("openstack", process.cwd());
const EGRESS_ANY: DefaultRuleSpec[] = [
  { direction: "egress", ethertype: "IPv4" },
  { direction: "egress", ethertype: "IPv6" },
];
const NO_LIMITS: RuleLimits = { profile: "openstack" };
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function newGroup(overrides: Partial<NewGroup> = {}): NewGroup {
  return { project: "proj", name: "web", description: "", stateful: true, tags: [], defaultRules: [], ...overrides };
}


const SSH: RuleInput = { protocol: "tcp", portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "10.0.0.0/8", description: "ssh" };


let dir: string;
let file: string;
let opened: SqliteBackend[];

function open(f: string = file): SqliteBackend {
  const b = new SqliteBackend(f);
  opened.push(b);
  return b;
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-rules-"));
  file = path.join(dir, "cloud.db");
  opened = [];
});

afterEach(async () => {
  for (const b of opened) await b.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("SqliteBackend.createRule", () => {
  it("stores the rule as given and bumps the group's revision by 1 and its updatedAt", async () => {
    const b = open();
    const { group } = await b.createGroup(newGroup({ defaultRules: EGRESS_ANY }));
    expect(group.revisionNumber).toBe(2);

    const created = await b.createRule(rule(group.id, SSH), NO_LIMITS);
    expect(created).toEqual({
      id: created.id,
      project: "proj",
      securityGroupId: group.id,
      direction: "ingress",
      ethertype: "IPv4",
      protocol: "tcp",
      portRangeMin: 22,
      portRangeMax: 22,
      remoteIpPrefix: "10.0.0.0/8",
      remoteGroupId: null,
      remoteSubnetId: null,
      description: "ssh",
      isDefault: false,
      createdAt: created.createdAt,
      updatedAt: created.createdAt,
    });
    expect(created.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(created.createdAt).toMatch(ISO);
    expect(await b.getRule("proj", created.id)).toEqual(created);
    expect(await b.getRule("other", created.id)).toBeUndefined();

    const after = (await b.getGroup("proj", group.id))!.group;
    expect(after.revisionNumber).toBe(3);
    expect(after.updatedAt).toMatch(ISO);
    expect(Date.parse(after.updatedAt)).toBeGreaterThan(Date.parse(group.updatedAt));
    expect({ ...after, revisionNumber: 0, updatedAt: "" }).toEqual({ ...group, revisionNumber: 0, updatedAt: "" });

    const second = await b.createRule(rule(group.id, { ...SSH, portRangeMin: 443, portRangeMax: 443 }), NO_LIMITS);
    const after2 = (await b.getGroup("proj", group.id))!.group;
    expect(after2.revisionNumber).toBe(4);
    expect(Date.parse(after2.updatedAt)).toBeGreaterThan(Date.parse(after.updatedAt));
    expect((await b.listRules("proj", group.id)).filter((r) => !r.isDefault).map((r) => r.id)).toEqual([created.id, second.id]);
  });

  it("stores any protocol as null and keeps ICMP type and code, remote groups and IPv6", async () => {
    const b = open();
    const { group } = await b.createGroup(newGroup());
    const { group: other } = await b.createGroup(newGroup({ name: "db" }));
    const any = await b.createRule(rule(group.id, { remoteGroupId: other.id }), NO_LIMITS);
    expect(any).toMatchObject({ protocol: null, portRangeMin: null, portRangeMax: null, remoteIpPrefix: null, remoteGroupId: other.id, ethertype: "IPv4" });
    const icmp = await b.createRule(rule(group.id, { protocol: "icmp", portRangeMin: 8, portRangeMax: 0, remoteIpPrefix: "::/0" }), NO_LIMITS);
    expect(icmp).toMatchObject({ protocol: "ipv6-icmp", portRangeMin: 8, portRangeMax: 0, remoteIpPrefix: "::/0", ethertype: "IPv6" });
    expect(await b.getRule("proj", icmp.id)).toEqual(icmp);
    expect((await b.getGroup("proj", group.id))!.group.revisionNumber).toBe(2);
    expect((await b.getGroup("proj", other.id))!.group.revisionNumber).toBe(0);
  });

  it("refuses a duplicate (same key) with SG_RULE_EXISTS naming the existing rule, writing nothing", async () => {
    const b = open();
    const { group } = await b.createGroup(newGroup());
    const first = await b.createRule(rule(group.id, SSH), NO_LIMITS);
    const before = (await b.getGroup("proj", group.id))!.group;

    // Same rule in Neutron's eyes: another description, protocol by number, port spelled the same.
    const dup = rule(group.id, { ...SSH, protocol: 6, description: "another description" });
    expect(dup.key).toBe(rule(group.id, SSH).key);
    const err = await rejection(b.createRule(dup, NO_LIMITS));
    expect(err.code).toBe("SG_RULE_EXISTS");
    expect(err.message.startsWith("SG_RULE_EXISTS: ")).toBe(true);
    expect(err.message).toContain(first.id);

    expect(await b.listRules("proj", group.id)).toEqual([first]);
    expect((await b.getGroup("proj", group.id))!.group).toEqual(before);
  });

  it("treats 0.0.0.0/0 and no remote as the same; 1-65535 and no ports as the same", async () => {
    const b = open();
    const { group } = await b.createGroup(newGroup());
    const web = await b.createRule(rule(group.id, { protocol: "tcp", portRangeMin: 80, portRangeMax: 80 }), NO_LIMITS);
    const err = await rejection(b.createRule(rule(group.id, { protocol: "TCP", portRangeMin: 80, portRangeMax: 80, remoteIpPrefix: "0.0.0.0/0" }), NO_LIMITS));
    expect(err.code).toBe("SG_RULE_EXISTS");
    expect(err.message).toContain(web.id);

    const all = await b.createRule(rule(group.id, { protocol: "udp" }), NO_LIMITS);
    const err2 = await rejection(b.createRule(rule(group.id, { protocol: 17, portRangeMin: 1, portRangeMax: 65535 }), NO_LIMITS));
    expect(err2.code).toBe("SG_RULE_EXISTS");
    expect(err2.message).toContain(all.id);
    expect(await b.listRules("proj", group.id)).toEqual([web, all]);
  });

  it("accepts rules that differ in direction, ethertype, ports, protocol, remote or group", async () => {
    const b = open();
    const { group } = await b.createGroup(newGroup());
    const { group: other } = await b.createGroup(newGroup({ name: "other" }));
    const variants: Array<[string, RuleInput]> = [
      [group.id, SSH],
      [group.id, { ...SSH, direction: "egress" }],
      [group.id, { ...SSH, portRangeMin: 23, portRangeMax: 23 }],
      [group.id, { ...SSH, protocol: "udp" }],
      [group.id, { ...SSH, remoteIpPrefix: "10.0.0.0/16" }],
      [group.id, { ...SSH, remoteIpPrefix: "2001:db8::/32" }],
      [group.id, { ...SSH, remoteIpPrefix: undefined, remoteGroupId: other.id }],
      [other.id, SSH],
    ];
    const ids = [];
    for (const [g, input] of variants) ids.push((await b.createRule(rule(g, input), NO_LIMITS)).id);
    expect(new Set(ids).size).toBe(variants.length);
    expect(await b.listRules("proj")).toHaveLength(variants.length);
  });

  it("a rule duplicating a default egress rule → SG_RULE_EXISTS that explains the default rule and deleteDefaultRules", async () => {
    const b = open();
    const state = await b.createGroup(newGroup({ defaultRules: EGRESS_ANY }));
    const defaults = await b.listRules("proj", state.group.id);
    const v4 = defaults.find((r) => r.ethertype === "IPv4")!;
    const v6 = defaults.find((r) => r.ethertype === "IPv6")!;

    for (const [input, existing] of [
      [{ direction: "egress" }, v4],
      [{ direction: "egress", remoteIpPrefix: "0.0.0.0/0", description: "all out" }, v4],
      [{ direction: "egress", protocol: "any", ethertype: "IPv6" }, v6],
      [{ direction: "egress", remoteIpPrefix: "::/0" }, v6],
    ] as Array<[RuleInput, RuleRecord]>) {
      const err = await rejection(b.createRule(rule(state.group.id, input), NO_LIMITS));
      expect(err.code).toBe("SG_RULE_EXISTS");
      expect(err.message).toContain("default");
      expect(err.message).toContain("deleteDefaultRules");
      expect(err.message).toContain(existing.id);
    }
    expect(await b.listRules("proj", state.group.id)).toEqual(defaults);
    expect((await b.getGroup("proj", state.group.id))!.group.revisionNumber).toBe(2);

    // Egress with a narrower remote, or ingress, is not a duplicate.
    await b.createRule(rule(state.group.id, { direction: "egress", remoteIpPrefix: "10.0.0.0/8" }), NO_LIMITS);
    await b.createRule(rule(state.group.id, {}), NO_LIMITS);
    expect(await b.listRules("proj", state.group.id)).toHaveLength(4);
  });

  it("a missing group → SG_GROUP_NOT_FOUND on securityGroupId", async () => {
    const b = open();
    const err = await rejection(b.createRule(rule("no-such-group", SSH), NO_LIMITS));
    expect(err.code).toBe("SG_GROUP_NOT_FOUND");
    expect(err.details.property).toBe("securityGroupId");
    expect(err.message.startsWith("SG_GROUP_NOT_FOUND: ")).toBe(true);
    expect(err.message).toContain("no-such-group");
    expect(await b.listRules("proj")).toEqual([]);
  });

  it("a missing remote group (or one of another project) → SG_GROUP_NOT_FOUND on remoteGroupId", async () => {
    const b = open();
    const { group } = await b.createGroup(newGroup());
    const { group: foreign } = await b.createGroup(newGroup({ project: "elsewhere", name: "x" }));
    for (const remote of ["no-such-group", foreign.id]) {
      const err = await rejection(b.createRule(rule(group.id, { protocol: "tcp", remoteGroupId: remote }), NO_LIMITS));
      expect(err.code).toBe("SG_GROUP_NOT_FOUND");
      expect(err.details.property).toBe("remoteGroupId");
      expect(err.message).toContain(remote);
    }
    expect(await b.listRules("proj")).toEqual([]);
    expect((await b.getGroup("proj", group.id))!.group.revisionNumber).toBe(0);
    // A group may name itself as the remote.
    const self = await b.createRule(rule(group.id, { remoteGroupId: group.id }), NO_LIMITS);
    expect(self.remoteGroupId).toBe(group.id);
  });

  it("rulesPerGroup: SG_QUOTA_EXCEEDED once the group holds that many rules (defaults count), nothing written", async () => {
    const b = open();
    const { group } = await b.createGroup(newGroup({ defaultRules: EGRESS_ANY }));
    const { group: other } = await b.createGroup(newGroup({ name: "other" }));
    const limits: RuleLimits = { profile: "rackspace", rulesPerGroup: 3 };
    await b.createRule(rule(group.id, SSH), limits);
    const before = await b.listRules("proj");
    const beforeGroup = (await b.getGroup("proj", group.id))!.group;

    const err = await rejection(b.createRule(rule(group.id, { ...SSH, portRangeMin: 80, portRangeMax: 80 }), limits));
    expect(err.code).toBe("SG_QUOTA_EXCEEDED");
    expect(err.message.startsWith("SG_QUOTA_EXCEEDED: ")).toBe(true);
    expect(err.message).toContain("3");
    expect(err.message).toContain("rackspace");
    expect(await b.listRules("proj")).toEqual(before);
    expect((await b.getGroup("proj", group.id))!.group).toEqual(beforeGroup);

    // Another group of the project has room of its own.
    await b.createRule(rule(other.id, SSH), limits);
    await b.createRule(rule(other.id, { ...SSH, portRangeMin: 80, portRangeMax: 80 }), limits);
    await b.createRule(rule(other.id, { ...SSH, portRangeMin: 443, portRangeMax: 443 }), limits);
    expect((await rejection(b.createRule(rule(other.id, { ...SSH, portRangeMin: 8080, portRangeMax: 8080 }), limits))).code).toBe("SG_QUOTA_EXCEEDED");
    expect(await b.listRules("proj", other.id)).toHaveLength(3);
  });

  it("rulesPerProject: SG_QUOTA_EXCEEDED counting every group of the project (only that project), nothing written", async () => {
    const b = open();
    const { group: a } = await b.createGroup(newGroup({ name: "a", defaultRules: EGRESS_ANY }));
    const { group: c } = await b.createGroup(newGroup({ name: "c" }));
    const { group: foreign } = await b.createGroup(newGroup({ project: "elsewhere", name: "f", defaultRules: EGRESS_ANY }));
    const limits: RuleLimits = { profile: "openstack", rulesPerProject: 4 };
    await b.createRule(rule(a.id, SSH), limits);
    await b.createRule(rule(c.id, SSH), limits);
    const before = await b.listRules("proj");
    expect(before).toHaveLength(4);
    const beforeC = (await b.getGroup("proj", c.id))!.group;

    const err = await rejection(b.createRule(rule(c.id, { ...SSH, portRangeMin: 80, portRangeMax: 80 }), limits));
    expect(err.code).toBe("SG_QUOTA_EXCEEDED");
    expect(err.message).toContain("4");
    expect(await b.listRules("proj")).toEqual(before);
    expect((await b.getGroup("proj", c.id))!.group).toEqual(beforeC);

    // The other project's rules were never counted against this one.
    await b.createRule(rule(foreign.id, SSH), limits);
    await b.createRule(rule(foreign.id, { ...SSH, portRangeMin: 80, portRangeMax: 80 }), limits);
    expect((await rejection(b.createRule(rule(foreign.id, { ...SSH, portRangeMin: 443, portRangeMax: 443 }), limits))).code).toBe("SG_QUOTA_EXCEEDED");
  });

  it("a duplicate is reported as SG_RULE_EXISTS even when the quota is full", async () => {
    const b = open();
    const { group } = await b.createGroup(newGroup());
    const first = await b.createRule(rule(group.id, SSH), { profile: "rackspace", rulesPerGroup: 1 });
    const err = await rejection(b.createRule(rule(group.id, SSH), { profile: "rackspace", rulesPerGroup: 1 }));
    expect(err.code).toBe("SG_RULE_EXISTS");
    expect(err.message).toContain(first.id);
  });
});

describe("SqliteBackend.deleteRule", () => {
  it("deletes, bumps the group's revision and updatedAt, returns true then false", async () => {
    const b = open();
    const { group } = await b.createGroup(newGroup());
    const r = await b.createRule(rule(group.id, SSH), NO_LIMITS);
    const keep = await b.createRule(rule(group.id, { ...SSH, portRangeMin: 80, portRangeMax: 80 }), NO_LIMITS);
    const before = (await b.getGroup("proj", group.id))!.group;
    expect(before.revisionNumber).toBe(2);

    expect(await b.deleteRule("other-project", r.id)).toBe(false);
    expect((await b.getGroup("proj", group.id))!.group).toEqual(before);

    expect(await b.deleteRule("proj", r.id)).toBe(true);
    const after = (await b.getGroup("proj", group.id))!.group;
    expect(after.revisionNumber).toBe(3);
    expect(Date.parse(after.updatedAt)).toBeGreaterThan(Date.parse(before.updatedAt));
    expect(await b.getRule("proj", r.id)).toBeUndefined();
    expect(await b.listRules("proj", group.id)).toEqual([keep]);

    expect(await b.deleteRule("proj", r.id)).toBe(false);
    expect((await b.getGroup("proj", group.id))!.group).toEqual(after);
  });

  it("frees the key: the same rule can be created again", async () => {
    const b = open();
    const { group } = await b.createGroup(newGroup());
    const r = await b.createRule(rule(group.id, SSH), NO_LIMITS);
    expect(await b.deleteRule("proj", r.id)).toBe(true);
    const again = await b.createRule(rule(group.id, SSH), NO_LIMITS);
    expect(again.id).not.toBe(r.id);
    expect((await b.getGroup("proj", group.id))!.group.revisionNumber).toBe(3);
  });

  it("deleting a default rule frees its key", async () => {
    const b = open();
    const state = await b.createGroup(newGroup({ defaultRules: EGRESS_ANY }));
    const [first] = state.defaultRuleIds;
    const removed = (await b.getRule("proj", first!))!;
    expect(await b.deleteRule("proj", first!)).toBe(true);
    const recreated = await b.createRule(rule(state.group.id, { direction: "egress", ethertype: removed.ethertype }), NO_LIMITS);
    expect(recreated).toMatchObject({ direction: "egress", ethertype: removed.ethertype, protocol: null, isDefault: false });
    expect((await b.getGroup("proj", state.group.id))!.group.revisionNumber).toBe(4);
  });
});

describe("SqliteBackend.updateRuleDescription", () => {
  it("changes only the description (and updatedAt)", async () => {
    const b = open();
    const { group } = await b.createGroup(newGroup());
    const r = await b.createRule(rule(group.id, SSH), NO_LIMITS);
    const other = await b.createRule(rule(group.id, { ...SSH, portRangeMin: 80, portRangeMax: 80 }), NO_LIMITS);

    const updated = await b.updateRuleDescription("proj", r.id, "ssh from the office");
    expect(updated).toEqual({ ...r, description: "ssh from the office", updatedAt: updated.updatedAt });
    expect(updated.updatedAt).toMatch(ISO);
    expect(Date.parse(updated.updatedAt)).toBeGreaterThan(Date.parse(r.updatedAt));
    expect(updated.createdAt).toBe(r.createdAt);
    expect(await b.getRule("proj", r.id)).toEqual(updated);
    expect(await b.getRule("proj", other.id)).toEqual(other);

    // Still the same rule for duplicate purposes.
    const err = await rejection(b.createRule(rule(group.id, SSH), NO_LIMITS));
    expect(err.code).toBe("SG_RULE_EXISTS");
    expect(err.message).toContain(r.id);

    const again = await b.updateRuleDescription("proj", r.id, "");
    expect(again).toEqual({ ...r, description: "", updatedAt: again.updatedAt });
    expect(Date.parse(again.updatedAt)).toBeGreaterThan(Date.parse(updated.updatedAt));
  });

  it("SG_NOT_FOUND for a missing rule or another project's rule", async () => {
    const b = open();
    const { group } = await b.createGroup(newGroup());
    const r = await b.createRule(rule(group.id, SSH), NO_LIMITS);
    for (const [project, id] of [["proj", "no-such-rule"], ["other", r.id]]) {
      const err = await rejection(b.updateRuleDescription(project!, id!, "x"));
      expect(err.code).toBe("SG_NOT_FOUND");
      expect(err.details.property).toBe("id");
    }
    expect(await b.getRule("proj", r.id)).toEqual(r);
  });
});

describe("concurrent createRule across two backend instances", () => {
  it("exactly one of two identical rules is created", async () => {
    const b1 = open();
    const b2 = open();
    const { group } = await b1.createGroup(newGroup());
    const results = await Promise.allSettled([
      b1.createRule(rule(group.id, SSH), NO_LIMITS),
      b2.createRule(rule(group.id, { ...SSH, protocol: 6, description: "other" }), NO_LIMITS),
    ]);
    const fulfilled = results.filter((r): r is PromiseFulfilledResult<RuleRecord> => r.status === "fulfilled");
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    const err = rejected[0]!.reason as SecgroupsError;
    expect(err).toBeInstanceOf(SecgroupsError);
    expect(err.code).toBe("SG_RULE_EXISTS");
    expect(err.message).toContain(fulfilled[0]!.value.id);
    expect(await b1.listRules("proj", group.id)).toEqual([fulfilled[0]!.value]);
    expect(await b2.listRules("proj", group.id)).toEqual([fulfilled[0]!.value]);
    expect((await b2.getGroup("proj", group.id))!.group.revisionNumber).toBe(1);
  });

  it("many identical rules from two instances: one wins, the group's revision counts it once", async () => {
    const b1 = open();
    const b2 = open();
    const { group } = await b1.createGroup(newGroup());
    const attempts = Array.from({ length: 10 }, (_, i) => (i % 2 ? b1 : b2).createRule(rule(group.id, { ...SSH, description: `d${i}` }), NO_LIMITS));
    const results = await Promise.allSettled(attempts);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect((r.reason as SecgroupsError).code).toBe("SG_RULE_EXISTS");
    expect(await b1.listRules("proj", group.id)).toHaveLength(1);
    expect((await b1.getGroup("proj", group.id))!.group.revisionNumber).toBe(1);
  });
});
