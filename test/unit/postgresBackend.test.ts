/**
 * PostgresBackend against a real private PostgreSQL server: the essential cases of the SQLite
 * backend's tests (same codes, same results), plus concurrency across separate pools, concurrent
 * migrations and the masked location. Each test works in a project of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "pg";
import { startPostgres, type PostgresServer } from "../support/postgres";
import { PostgresBackend } from "../../provider/backends/postgres";
import type {
  AttachmentPolicy, DefaultRuleSpec, NewGroup, NewRule, NewServer, PortRecord, RuleLimits, RuleRecord, ServerRecord,
} from "../../provider/backends/types";
import { checkRule, ruleKey, type CanonicalRule, type RuleInput } from "../../provider/domain/rules";
import { attachmentPolicy, loadProfile, projectSetup, type Profile } from "../../provider/domain/profiles";
import { SecgroupsError } from "../../provider/errors";
import { rule, rejection, sleep } from "../support/backend";

const OPENSTACK = loadProfile("openstack", process.cwd());
const MESHCLOUD = loadProfile("meshcloud", process.cwd());
const RACKSPACE = loadProfile("rackspace", process.cwd());
const EVROC = loadProfile("evroc", process.cwd());
const PUBLICNET = "00000000-0000-0000-0000-000000000000";
const SERVICENET = "11111111-1111-1111-1111-111111111111";
const EGRESS_ANY: DefaultRuleSpec[] = [
  { direction: "egress", ethertype: "IPv4" },
  { direction: "egress", ethertype: "IPv6" },
];
const NO_LIMITS: RuleLimits = { profile: "openstack" };
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SSH: RuleInput = { protocol: "tcp", portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "10.0.0.0/8", description: "ssh" };

let server: PostgresServer;
let b: PostgresBackend;
const opened: PostgresBackend[] = [];
let counter = 0;

/** A project name no other test uses. */
function freshProject(): string {
  counter += 1;
  return `proj-${counter}`;
}

async function open(url: string = server.url, password?: string): Promise<PostgresBackend> {
  const backend = await PostgresBackend.open(url, password);
  opened.push(backend);
  return backend;
}

/** `server.url` pointing at another database of the same server. */
function urlOf(database: string): string {
  return server.url.replace(/\/[^/]+$/, `/${database}`);
}

beforeAll(async () => {
  server = await startPostgres("secgroups_backend");
  b = await open();
});

afterAll(async () => {
  for (const backend of opened) await backend.close();
  server?.stop();
});

function newGroup(project: string, name: string, overrides: Partial<NewGroup> = {}): NewGroup {
  return { project, name, description: "", stateful: true, tags: [], defaultRules: [], ...overrides };
}

function newServer(project: string, name: string, networks: string[], overrides: Partial<NewServer> = {}): NewServer {
  return { project, name, networks, securityGroupIds: [], bootSeconds: 0, ...overrides };
}




/** A fresh project set up for `profile`. */
async function project(profile: Profile): Promise<string> {
  const p = freshProject();
  await b.ensureProject(p, projectSetup(profile));
  return p;
}

function portOn(s: ServerRecord | undefined, networkName: string): PortRecord {
  expect(s).toBeDefined();
  const port = s!.ports.find((p) => p.networkName === networkName);
  expect(port, `port on ${networkName}`).toBeDefined();
  return port!;
}

async function groupsOn(p: string, serverId: string, networkName: string, backend: PostgresBackend = b): Promise<string[]> {
  return portOn(await backend.getServer(p, serverId), networkName).securityGroupIds;
}

async function groups(p: string, n: number, prefix = "g"): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 1; i <= n; i++) ids.push((await b.createGroup(newGroup(p, `${prefix}${i}`))).group.id);
  return ids;
}

describe("PostgresBackend groups", () => {
  it("creates the default rules with the group and counts them in the revision", async () => {
    const p = freshProject();
    const state = await b.createGroup(newGroup(p, "web", { description: "web servers", tags: ["zeta", "alpha", "mid"], defaultRules: EGRESS_ANY }));
    expect(state.group.revisionNumber).toBe(2);
    expect(state.group.tags).toEqual(["alpha", "mid", "zeta"]);
    expect(state.group.createdAt).toBe(state.group.updatedAt);
    expect(state.group.createdAt).toMatch(ISO);
    const rules = await b.listRules(p, state.group.id);
    expect(rules.map((r) => r.ethertype).sort()).toEqual(["IPv4", "IPv6"]);
    for (const r of rules) {
      expect(r).toMatchObject({
        project: p, securityGroupId: state.group.id, direction: "egress", protocol: null, portRangeMin: null, portRangeMax: null,
        remoteIpPrefix: null, remoteGroupId: null, remoteSubnetId: null, description: "", isDefault: true,
      });
    }
    expect([...state.defaultRuleIds].sort()).toEqual(rules.map((r) => r.id).sort());
    expect(await b.getGroup(p, state.group.id)).toEqual(state);
    expect((await b.findGroupByName(p, "web"))?.tags).toEqual(["alpha", "mid", "zeta"]);
    expect(b.kind).toBe("postgres");
  });

  it("rejects a name already used in the project (SG_NAME_TAKEN), and accepts it in another project", async () => {
    const p = freshProject();
    const first = await b.createGroup(newGroup(p, "web", { description: "web servers" }));
    const err = await rejection(b.createGroup(newGroup(p, "web", { description: "other" })));
    expect(err.code).toBe("SG_NAME_TAKEN");
    expect(err.details.property).toBe("name");
    expect(err.message.startsWith("SG_NAME_TAKEN: ")).toBe(true);
    expect(err.message).toContain(first.group.id);
    expect((await b.listGroups(p)).map((g) => g.description)).toEqual(["web servers"]);

    const q = freshProject();
    const other = await b.createGroup(newGroup(q, "web"));
    expect(other.group.id).not.toBe(first.group.id);
    expect(await b.listGroups(q)).toHaveLength(1);
    expect(await b.listGroups(p)).toHaveLength(1);
  });

  it("enforces the group quota (SG_QUOTA_EXCEEDED on project) and writes nothing when over it", async () => {
    const p = freshProject();
    await b.createGroup(newGroup(p, "a", { groupQuota: 2, defaultRules: EGRESS_ANY }));
    await b.createGroup(newGroup(p, "b", { groupQuota: 2, defaultRules: EGRESS_ANY }));
    const err = await rejection(b.createGroup(newGroup(p, "c", { groupQuota: 2, defaultRules: EGRESS_ANY })));
    expect(err.code).toBe("SG_QUOTA_EXCEEDED");
    expect(err.details.property).toBe("project");
    expect((await b.listGroups(p)).map((g) => g.name)).toEqual(["a", "b"]);
    expect(await b.findGroupByName(p, "c")).toBeUndefined();
    expect(await b.listRules(p)).toHaveLength(4);
  });

  it("lists groups by name in byte order", async () => {
    const p = freshProject();
    for (const name of ["b", "a", "B", "_x", "A"]) await b.createGroup(newGroup(p, name));
    expect((await b.listGroups(p)).map((g) => g.name)).toEqual(["A", "B", "_x", "a", "b"]);
  });

  it("updateGroup bumps the revision by one and updatedAt strictly; refuses a rename onto a taken name; SG_NOT_FOUND", async () => {
    const p = freshProject();
    const created = await b.createGroup(newGroup(p, "web", { defaultRules: EGRESS_ANY }));
    const first = await b.updateGroup(p, created.group.id, { description: "changed" });
    const second = await b.updateGroup(p, created.group.id, { description: "changed again" });
    expect(first.group.revisionNumber).toBe(3);
    expect(first.group.updatedAt > created.group.updatedAt).toBe(true);
    expect(second.group.revisionNumber).toBe(4);
    expect(second.group.updatedAt > first.group.updatedAt).toBe(true);
    expect(second.defaultRuleIds).toEqual(created.defaultRuleIds);
    expect(await b.getGroup(p, created.group.id)).toEqual(second);

    const taken = await b.createGroup(newGroup(p, "taken"));
    const err = await rejection(b.updateGroup(p, created.group.id, { name: "taken", description: "new", tags: ["u"] }));
    expect(err.code).toBe("SG_NAME_TAKEN");
    expect(err.details.property).toBe("name");
    expect(err.message).toContain(taken.group.id);
    expect(await b.getGroup(p, created.group.id)).toEqual(second);

    const same = await b.updateGroup(p, taken.group.id, { name: "taken", tags: ["b", "a"] });
    expect(same.group.tags).toEqual(["a", "b"]);
    expect(same.group.revisionNumber).toBe(1);

    const missing = await rejection(b.updateGroup(p, "no-such-id", { description: "x" }));
    expect(missing.code).toBe("SG_NOT_FOUND");
    expect(missing.details.property).toBe("id");
    expect((await rejection(b.updateGroup("other", created.group.id, { description: "x" }))).code).toBe("SG_NOT_FOUND");
  });

  it("deletes the default rules (revision +1 +2) and recreates them", async () => {
    const p = freshProject();
    const created = await b.createGroup(newGroup(p, "web", { defaultRules: EGRESS_ANY }));
    const removed = await b.updateGroup(p, created.group.id, { deleteDefaultRules: true });
    expect(removed.group.revisionNumber).toBe(5);
    expect(removed.defaultRuleIds).toEqual([]);
    expect(await b.listRules(p, created.group.id)).toEqual([]);
    const restored = await b.updateGroup(p, created.group.id, { deleteDefaultRules: false, defaultRules: EGRESS_ANY });
    expect(restored.group.revisionNumber).toBe(8);
    expect(restored.defaultRuleIds).toHaveLength(2);
    for (const id of restored.defaultRuleIds) expect(created.defaultRuleIds).not.toContain(id);
    const again = await b.updateGroup(p, created.group.id, { deleteDefaultRules: false, defaultRules: EGRESS_ANY });
    expect(again.group.revisionNumber).toBe(9);
    expect(await b.listRules(p, created.group.id)).toHaveLength(2);
  });

  it("restoring default rules next to an equal user rule fails with SG_RULE_EXISTS on deleteDefaultRules", async () => {
    const p = freshProject();
    const g = await b.createGroup(newGroup(p, "web"));
    const mine = await b.createRule(rule(g.group.id, { direction: "egress", description: "mine" }), NO_LIMITS);
    const err = await rejection(b.updateGroup(p, g.group.id, { deleteDefaultRules: false, defaultRules: EGRESS_ANY }));
    expect(err.code).toBe("SG_RULE_EXISTS");
    expect(err.details.property).toBe("deleteDefaultRules");
    expect(err.message).toContain(mine.id);
    expect((await b.listRules(p, g.group.id)).map((r) => r.id)).toEqual([mine.id]);
  });

  it("deleteGroup returns true then false, removes only the group's rules, not through another project", async () => {
    const p = freshProject();
    const g = await b.createGroup(newGroup(p, "web", { defaultRules: EGRESS_ANY }));
    const keep = await b.createGroup(newGroup(p, "keep", { defaultRules: EGRESS_ANY }));
    expect(await b.deleteGroup("other", g.group.id)).toBe(false);
    expect(await b.deleteGroup(p, g.group.id)).toBe(true);
    expect(await b.deleteGroup(p, g.group.id)).toBe(false);
    expect(await b.getGroup(p, g.group.id)).toBeUndefined();
    const left = await b.listRules(p);
    expect(left).toHaveLength(2);
    expect(left.every((r) => r.securityGroupId === keep.group.id)).toBe(true);
  });

  it("lets exactly one of concurrent creates of the same name win, across two pools", async () => {
    const p = freshProject();
    const other = await open();
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => (i % 2 ? b : other).createGroup(newGroup(p, "shared"))));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect((r.reason as SecgroupsError).code).toBe("SG_NAME_TAKEN");
    expect(await b.listGroups(p)).toHaveLength(1);
  });
});

describe("PostgresBackend rules", () => {
  it("stores the rule as given and bumps the group's revision by 1 and its updatedAt", async () => {
    const p = freshProject();
    const { group } = await b.createGroup(newGroup(p, "web", { defaultRules: EGRESS_ANY }));
    const created = await b.createRule(rule(group.id, SSH), NO_LIMITS);
    expect(created).toEqual({
      id: created.id, project: p, securityGroupId: group.id, direction: "ingress", ethertype: "IPv4", protocol: "tcp",
      portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "10.0.0.0/8", remoteGroupId: null, remoteSubnetId: null,
      description: "ssh", isDefault: false, createdAt: created.createdAt, updatedAt: created.createdAt,
    });
    expect(created.createdAt).toMatch(ISO);
    expect(await b.getRule(p, created.id)).toEqual(created);
    expect(await b.getRule("other", created.id)).toBeUndefined();
    const after = (await b.getGroup(p, group.id))!.group;
    expect(after.revisionNumber).toBe(3);
    expect(Date.parse(after.updatedAt)).toBeGreaterThan(Date.parse(group.updatedAt));

    const icmp = await b.createRule(rule(group.id, { protocol: "icmp", portRangeMin: 8, portRangeMax: 0, remoteIpPrefix: "::/0" }), NO_LIMITS);
    expect(icmp).toMatchObject({ protocol: "ipv6-icmp", portRangeMin: 8, portRangeMax: 0, remoteIpPrefix: "::/0", ethertype: "IPv6" });
    expect((await b.listRules(p, group.id)).filter((r) => !r.isDefault).map((r) => r.id)).toEqual([created.id, icmp.id]);
    expect((await b.getGroup(p, group.id))!.group.revisionNumber).toBe(4);
  });

  it("refuses a duplicate (same key) with SG_RULE_EXISTS naming the existing rule, writing nothing", async () => {
    const p = freshProject();
    const { group } = await b.createGroup(newGroup(p, "web"));
    const first = await b.createRule(rule(group.id, SSH), NO_LIMITS);
    const before = (await b.getGroup(p, group.id))!.group;
    const err = await rejection(b.createRule(rule(group.id, { ...SSH, protocol: 6, description: "another description" }), NO_LIMITS));
    expect(err.code).toBe("SG_RULE_EXISTS");
    expect(err.message).toContain(first.id);
    expect(await b.listRules(p, group.id)).toEqual([first]);
    expect((await b.getGroup(p, group.id))!.group).toEqual(before);
    // Even with the quota full, a duplicate is a duplicate.
    const err2 = await rejection(b.createRule(rule(group.id, SSH), { profile: "rackspace", rulesPerGroup: 1 }));
    expect(err2.code).toBe("SG_RULE_EXISTS");
  });

  it("a rule duplicating a default egress rule → SG_RULE_EXISTS that explains the default rule and deleteDefaultRules", async () => {
    const p = freshProject();
    const state = await b.createGroup(newGroup(p, "web", { defaultRules: EGRESS_ANY }));
    const defaults = await b.listRules(p, state.group.id);
    const v4 = defaults.find((r) => r.ethertype === "IPv4")!;
    const v6 = defaults.find((r) => r.ethertype === "IPv6")!;
    for (const [input, existing] of [
      [{ direction: "egress" }, v4],
      [{ direction: "egress", remoteIpPrefix: "0.0.0.0/0", description: "all out" }, v4],
      [{ direction: "egress", remoteIpPrefix: "::/0" }, v6],
    ] as Array<[RuleInput, RuleRecord]>) {
      const err = await rejection(b.createRule(rule(state.group.id, input), NO_LIMITS));
      expect(err.code).toBe("SG_RULE_EXISTS");
      expect(err.message).toContain("default");
      expect(err.message).toContain("deleteDefaultRules");
      expect(err.message).toContain(existing.id);
    }
    expect(await b.listRules(p, state.group.id)).toEqual(defaults);
    expect((await b.getGroup(p, state.group.id))!.group.revisionNumber).toBe(2);
  });

  it("SG_GROUP_NOT_FOUND for a missing group and for a missing or foreign remote group", async () => {
    const p = freshProject();
    const e0 = await rejection(b.createRule(rule("no-such-group", SSH), NO_LIMITS));
    expect(e0.code).toBe("SG_GROUP_NOT_FOUND");
    expect(e0.details.property).toBe("securityGroupId");
    const { group } = await b.createGroup(newGroup(p, "web"));
    const { group: foreign } = await b.createGroup(newGroup(freshProject(), "x"));
    for (const remote of ["no-such-group", foreign.id]) {
      const err = await rejection(b.createRule(rule(group.id, { protocol: "tcp", remoteGroupId: remote }), NO_LIMITS));
      expect(err.code).toBe("SG_GROUP_NOT_FOUND");
      expect(err.details.property).toBe("remoteGroupId");
    }
    expect(await b.listRules(p)).toEqual([]);
    expect((await b.createRule(rule(group.id, { remoteGroupId: group.id }), NO_LIMITS)).remoteGroupId).toBe(group.id);
  });

  it("rulesPerGroup and rulesPerProject: SG_QUOTA_EXCEEDED, nothing written", async () => {
    const p = freshProject();
    const { group } = await b.createGroup(newGroup(p, "web", { defaultRules: EGRESS_ANY }));
    const perGroup: RuleLimits = { profile: "rackspace", rulesPerGroup: 3 };
    await b.createRule(rule(group.id, SSH), perGroup);
    const before = await b.listRules(p);
    const err = await rejection(b.createRule(rule(group.id, { ...SSH, portRangeMin: 80, portRangeMax: 80 }), perGroup));
    expect(err.code).toBe("SG_QUOTA_EXCEEDED");
    expect(err.message).toContain("rackspace");
    expect(await b.listRules(p)).toEqual(before);

    const { group: c } = await b.createGroup(newGroup(p, "c"));
    const perProject: RuleLimits = { profile: "openstack", rulesPerProject: 4 };
    await b.createRule(rule(c.id, SSH), perProject);
    const beforeC = (await b.getGroup(p, c.id))!.group;
    const err2 = await rejection(b.createRule(rule(c.id, { ...SSH, portRangeMin: 80, portRangeMax: 80 }), perProject));
    expect(err2.code).toBe("SG_QUOTA_EXCEEDED");
    expect(err2.message).toContain("4");
    expect((await b.getGroup(p, c.id))!.group).toEqual(beforeC);
    // Another project is not counted.
    const { group: f } = await b.createGroup(newGroup(freshProject(), "f"));
    await b.createRule(rule(f.id, SSH), perProject);
  });

  it("deleteRule bumps the revision and frees the key; updateRuleDescription changes only the description", async () => {
    const p = freshProject();
    const { group } = await b.createGroup(newGroup(p, "web"));
    const r = await b.createRule(rule(group.id, SSH), NO_LIMITS);
    const updated = await b.updateRuleDescription(p, r.id, "ssh from the office");
    expect(updated).toEqual({ ...r, description: "ssh from the office", updatedAt: updated.updatedAt });
    expect(Date.parse(updated.updatedAt)).toBeGreaterThan(Date.parse(r.updatedAt));
    const missing = await rejection(b.updateRuleDescription("other", r.id, "x"));
    expect(missing.code).toBe("SG_NOT_FOUND");
    expect(missing.details.property).toBe("id");

    expect(await b.deleteRule("other", r.id)).toBe(false);
    expect(await b.deleteRule(p, r.id)).toBe(true);
    expect(await b.deleteRule(p, r.id)).toBe(false);
    expect((await b.getGroup(p, group.id))!.group.revisionNumber).toBe(2);
    const again = await b.createRule(rule(group.id, SSH), NO_LIMITS);
    expect(again.id).not.toBe(r.id);
    expect((await b.getGroup(p, group.id))!.group.revisionNumber).toBe(3);
  });

  it("many identical rules from two pools: one wins, the revision counts it once", async () => {
    const p = freshProject();
    const other = await open();
    const { group } = await b.createGroup(newGroup(p, "web"));
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) =>
      (i % 2 ? b : other).createRule(rule(group.id, { ...SSH, description: `d${i}` }), NO_LIMITS)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect((r.reason as SecgroupsError).code).toBe("SG_RULE_EXISTS");
    expect(await b.listRules(p, group.id)).toHaveLength(1);
    expect((await b.getGroup(p, group.id))!.group.revisionNumber).toBe(1);
  });
});

describe("PostgresBackend.ensureProject", () => {
  it("creates rackspace's built-in networks once, by id and by name, and no groups", async () => {
    const p = await project(RACKSPACE);
    const publicNet = await b.getNetwork(p, "PublicNet");
    expect(publicNet).toMatchObject({ id: PUBLICNET, project: p, name: "PublicNet", subnets: ["198.51.100.0/24"], builtin: true });
    expect(await b.getNetwork(p, PUBLICNET)).toEqual(publicNet);
    expect(await b.getNetwork(p, SERVICENET)).toMatchObject({ name: "ServiceNet", subnets: ["10.176.0.0/12"] });
    await b.ensureProject(p, projectSetup(RACKSPACE));
    expect(await b.getNetwork(p, "PublicNet")).toEqual(publicNet);
    expect(await b.listGroups(p)).toEqual([]);
    expect(await b.getNetwork(freshProject(), "PublicNet")).toBeUndefined();
  });

  it("gives an evroc project its three default groups with five rules, once, even when called concurrently", async () => {
    const p = freshProject();
    const other = await open();
    await Promise.all([b, other, b, other].map((x) => x.ensureProject(p, projectSetup(EVROC))));
    const list = await b.listGroups(p);
    expect(list.map((g) => g.name)).toEqual(["default-allow-egress", "default-allow-ssh", "default-allow-web-protocols"]);
    expect(await b.listRules(p)).toHaveLength(5);
    const ssh = await b.listRules(p, list[1]!.id);
    expect(ssh).toMatchObject([{ direction: "ingress", protocol: "tcp", portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "0.0.0.0/0", isDefault: true }]);
  });

  it("gives an openstack project a default group whose ingress rules admit its own members", async () => {
    const p = await project(OPENSTACK);
    const def = (await b.findGroupByName(p, "default"))!;
    expect(def.description).toBe("Default security group");
    const rules = await b.listRules(p, def.id);
    expect(rules).toHaveLength(4);
    for (const r of rules.filter((x) => x.direction === "ingress")) expect(r).toMatchObject({ remoteGroupId: def.id, remoteIpPrefix: null, protocol: null });
    expect(def.revisionNumber).toBe(4);
  });
});

describe("PostgresBackend servers", () => {
  it("gives each network a port with a distinct fixed IP; networks by id or name", async () => {
    const p = await project(RACKSPACE);
    const policy = attachmentPolicy(RACKSPACE);
    const s1 = await b.createServer(newServer(p, "web-1", ["PublicNet", "ServiceNet"]), policy);
    expect(s1.status).toBe("ACTIVE");
    expect(s1.ports.map((x) => x.networkName)).toEqual(["PublicNet", "ServiceNet"]);
    expect(portOn(s1, "PublicNet")).toMatchObject({ serverId: s1.id, networkId: PUBLICNET, fixedIp: "198.51.100.2", securityGroupIds: [] });
    expect(portOn(s1, "ServiceNet")).toMatchObject({ networkId: SERVICENET, fixedIp: "10.176.0.2" });
    const s2 = await b.createServer(newServer(p, "web-2", [PUBLICNET]), policy);
    expect(portOn(s2, "PublicNet").fixedIp).toBe("198.51.100.3");
    expect(await b.getServer(p, s1.id)).toEqual(s1);
    expect(await b.getServer("other", s1.id)).toBeUndefined();
    expect(await b.serverProject(s1.id)).toBe(p);
    expect(await b.serverProject("nope")).toBeUndefined();
  });

  it("hands out private addresses once and then SG_NO_ADDRESSES; SG_NAME_TAKEN for a network name", async () => {
    const p = await project(OPENSTACK);
    const net = await b.createNetwork(p, "private", ["10.9.0.0/29"]);
    expect(net).toMatchObject({ project: p, name: "private", subnets: ["10.9.0.0/29"], builtin: false });
    expect(await b.getNetwork(p, net.id)).toEqual(net);
    expect((await rejection(b.createNetwork(p, "private", ["10.10.0.0/24"]))).code).toBe("SG_NAME_TAKEN");
    const ips: string[] = [];
    for (let i = 0; i < 5; i++) ips.push(portOn(await b.createServer(newServer(p, `s${i}`, ["private"]), attachmentPolicy(OPENSTACK)), "private").fixedIp);
    expect(ips).toEqual(["10.9.0.2", "10.9.0.3", "10.9.0.4", "10.9.0.5", "10.9.0.6"]);
    expect((await rejection(b.createServer(newServer(p, "s5", ["private"]), attachmentPolicy(OPENSTACK)))).code).toBe("SG_NO_ADDRESSES");
  });

  it("is BUILD until bootSeconds have passed, then ACTIVE; ERROR after setServerError", async () => {
    const p = await project(RACKSPACE);
    const policy = attachmentPolicy(RACKSPACE);
    const quick = await b.createServer(newServer(p, "quick", ["PublicNet"], { bootSeconds: 1 }), policy);
    expect(quick.status).toBe("BUILD");
    const boot = Date.parse(quick.activeAt) - Date.parse(quick.createdAt);
    expect(boot).toBeGreaterThanOrEqual(900);
    expect(boot).toBeLessThanOrEqual(1100);
    await sleep(Math.max(0, Date.parse(quick.activeAt) - Date.now()) + 50);
    expect((await b.getServer(p, quick.id))!.status).toBe("ACTIVE");
    await b.setServerError(p, quick.id);
    expect((await b.getServer(p, quick.id))!.status).toBe("ERROR");
    expect((await rejection(b.setServerError(p, "nope"))).code).toBe("SG_SERVER_NOT_FOUND");
  });

  it("launch rules: SG_ATTACH_AT_BOOT, SG_NETWORK_NOT_FOUND networks[i], SG_GROUP_NOT_FOUND, SG_LIMIT_GROUPS_PER_PORT, SG_MIN_GROUPS", async () => {
    const p = await project(RACKSPACE);
    const [g1, g2, g3] = await groups(p, 3);
    const e0 = await rejection(b.createServer(newServer(p, "web-1", ["PublicNet"], { securityGroupIds: [g1!] }), attachmentPolicy(RACKSPACE)));
    expect(e0.code).toBe("SG_ATTACH_AT_BOOT");
    expect(e0.details.property).toBe("securityGroupIds");
    const e1 = await rejection(b.createServer(newServer(p, "vm", ["PublicNet", "nowhere"]), attachmentPolicy(RACKSPACE)));
    expect(e1.code).toBe("SG_NETWORK_NOT_FOUND");
    expect(e1.details.property).toBe("networks[1]");
    const custom: Profile = { ...RACKSPACE, name: "two-per-port", groupsAtLaunch: true, groupsPerPort: 2 };
    const e2 = await rejection(b.createServer(newServer(p, "vm", ["PublicNet"], { securityGroupIds: [g1!, "no-such-group"] }), attachmentPolicy(custom)));
    expect(e2.code).toBe("SG_GROUP_NOT_FOUND");
    expect(e2.details.property).toBe("securityGroupIds[1]");
    const e3 = await rejection(b.createServer(newServer(p, "big", ["PublicNet"], { securityGroupIds: [g1!, g2!, g3!] }), attachmentPolicy(custom)));
    expect(e3.code).toBe("SG_LIMIT_GROUPS_PER_PORT");
    expect(e3.message).toContain("two-per-port");
    const ok = await b.createServer(newServer(p, "ok", ["PublicNet", "ServiceNet"], { securityGroupIds: [g1!, g2!] }), attachmentPolicy(custom));
    expect(portOn(ok, "PublicNet").securityGroupIds).toEqual([g1!, g2!].sort());
    // Nothing was created by the refused launches: the first address went to "ok".
    expect(portOn(ok, "PublicNet").fixedIp).toBe("198.51.100.2");

    const m = await project(MESHCLOUD);
    const { launchGroup: _none, ...noLaunchGroup } = attachmentPolicy(MESHCLOUD);
    const e4 = await rejection(b.createServer(newServer(m, "vm", ["public"]), noLaunchGroup));
    expect(e4.code).toBe("SG_MIN_GROUPS");
    expect(e4.details.property).toBe("securityGroupIds");
  });

  it("puts openstack's default group on every port of a server launched without groups", async () => {
    const p = await project(OPENSTACK);
    await b.createNetwork(p, "private", ["10.0.0.0/24"]);
    const def = (await b.findGroupByName(p, "default"))!;
    const s = await b.createServer(newServer(p, "vm", ["public", "private"]), attachmentPolicy(OPENSTACK));
    for (const port of s.ports) expect(port.securityGroupIds).toEqual([def.id]);
    expect(portOn(s, "public").fixedIp).toBe("203.0.113.2");
  });

  it("deleteServer removes ports and attachments; deleteNetwork refuses ports and built-ins (SG_IN_USE)", async () => {
    const p = await project(RACKSPACE);
    const policy = attachmentPolicy(RACKSPACE);
    const [g1] = await groups(p, 1);
    const net = await b.createNetwork(p, "backend", ["192.168.10.0/24"]);
    const s = await b.createServer(newServer(p, "web-1", ["PublicNet", "backend"]), policy);
    const a = await b.createAttachment(p, s.id, g1!, null, policy);
    const inUse = await rejection(b.deleteNetwork(p, net.id));
    expect(inUse.code).toBe("SG_IN_USE");
    expect(inUse.message).toContain("web-1");
    const builtin = await rejection(b.deleteNetwork(p, PUBLICNET));
    expect(builtin.code).toBe("SG_IN_USE");
    expect(await b.deleteServer("other", s.id)).toBe(false);
    expect(await b.deleteServer(p, s.id)).toBe(true);
    expect(await b.getServer(p, s.id)).toBeUndefined();
    expect(await b.getAttachment(p, a.id)).toBeUndefined();
    expect(await b.deleteGroup(p, g1!)).toBe(true);
    expect(await b.deleteNetwork(p, net.id)).toBe(true);
    expect(await b.deleteNetwork(p, net.id)).toBe(false);
    expect(await b.deleteServer(p, s.id)).toBe(false);
  });
});

describe("PostgresBackend attachments", () => {
  const POLICY = attachmentPolicy(RACKSPACE);

  it("rackspace: five groups on a PublicNet port, the sixth refused (SG_LIMIT_GROUPS_PER_PORT), per port", async () => {
    const p = await project(RACKSPACE);
    const ids = await groups(p, 7);
    const s = await b.createServer(newServer(p, "web-1", ["PublicNet", "ServiceNet"]), POLICY);
    const publicPort = portOn(s, "PublicNet");
    for (const g of ids.slice(0, 5)) {
      const a = await b.createAttachment(p, s.id, g, "PublicNet", POLICY);
      expect(a).toMatchObject({ project: p, serverId: s.id, securityGroupId: g, networkId: PUBLICNET, portIds: [publicPort.id] });
      expect(await b.getAttachment(p, a.id)).toEqual(a);
    }
    expect(await groupsOn(p, s.id, "PublicNet")).toEqual(ids.slice(0, 5).sort());
    const err = await rejection(b.createAttachment(p, s.id, ids[5]!, "PublicNet", POLICY));
    expect(err.code).toBe("SG_LIMIT_GROUPS_PER_PORT");
    expect(err.details.property).toBe("securityGroupId");
    expect(err.message).toContain("web-1");
    expect(err.message).toContain("PublicNet");
    expect(err.message).toContain("rackspace");
    expect((await rejection(b.createAttachment(p, s.id, ids[6]!, PUBLICNET, POLICY))).code).toBe("SG_LIMIT_GROUPS_PER_PORT");
    const svc = await b.createAttachment(p, s.id, ids[5]!, SERVICENET, POLICY);
    expect(svc.portIds).toEqual([portOn(s, "ServiceNet").id]);
    expect(await groupsOn(p, s.id, "PublicNet")).toEqual(ids.slice(0, 5).sort());
  });

  it("refuses private networks, BUILD/ERROR servers, missing things, duplicates and a stateful mix", async () => {
    const p = await project(RACKSPACE);
    await b.createNetwork(p, "backend", ["192.168.10.0/24"]);
    const [g] = await groups(p, 1);
    const stateless = (await b.createGroup(newGroup(p, "stateless", { stateful: false }))).group.id;
    const s = await b.createServer(newServer(p, "web-1", ["PublicNet", "backend"]), POLICY);
    const notAttachable = await rejection(b.createAttachment(p, s.id, g!, "backend", POLICY));
    expect(notAttachable.code).toBe("SG_NETWORK_NOT_ATTACHABLE");
    expect(notAttachable.details.property).toBe("network");

    const booting = await b.createServer(newServer(p, "booting", ["PublicNet"], { bootSeconds: 30 }), POLICY);
    const e1 = await rejection(b.createAttachment(p, booting.id, g!, "PublicNet", POLICY));
    expect(e1.code).toBe("SG_SERVER_NOT_ACTIVE");
    expect(e1.message).toContain("BUILD");
    await b.setServerError(p, booting.id);
    expect((await rejection(b.createAttachment(p, booting.id, g!, "PublicNet", POLICY))).message).toContain("ERROR");

    expect((await rejection(b.createAttachment(p, "no-such-server", g!, "PublicNet", POLICY))).code).toBe("SG_SERVER_NOT_FOUND");
    expect((await rejection(b.createAttachment(p, s.id, "no-such-group", "PublicNet", POLICY))).code).toBe("SG_GROUP_NOT_FOUND");
    expect((await rejection(b.createAttachment(p, s.id, g!, "nowhere", POLICY))).code).toBe("SG_NETWORK_NOT_FOUND");
    expect((await rejection(b.createAttachment(p, s.id, g!, "ServiceNet", POLICY))).code).toBe("SG_NETWORK_NOT_FOUND");

    const first = await b.createAttachment(p, s.id, g!, "PublicNet", POLICY);
    const dup = await rejection(b.createAttachment(p, s.id, g!, "PublicNet", POLICY));
    expect(dup.code).toBe("SG_ALREADY_ATTACHED");
    const mix = await rejection(b.createAttachment(p, s.id, stateless, "PublicNet", POLICY));
    expect(mix.code).toBe("SG_STATEFUL_MIX");
    expect(await groupsOn(p, s.id, "PublicNet")).toEqual([g]);
    expect(await b.getAttachment(p, first.id)).toEqual(first);

    // stateful cannot flip while the group is on a port.
    const flip = await rejection(b.updateGroup(p, g!, { stateful: false }));
    expect(flip.code).toBe("SG_IN_USE");
    expect(flip.details.property).toBe("stateful");

    const hidden = await b.createServer(newServer(p, "hidden", ["backend"]), POLICY);
    expect((await rejection(b.createAttachment(p, hidden.id, g!, null, POLICY))).code).toBe("SG_NETWORK_NOT_ATTACHABLE");
  });

  it("swaps a group on a full port in place (still five), refusing SG_ALREADY_ATTACHED and SG_NOT_FOUND", async () => {
    const p = await project(RACKSPACE);
    const ids = await groups(p, 6);
    const s = await b.createServer(newServer(p, "web-1", ["PublicNet"]), POLICY);
    const attachments = [];
    for (const g of ids.slice(0, 5)) attachments.push(await b.createAttachment(p, s.id, g, "PublicNet", POLICY));
    const before = attachments[2]!;
    const swapped = await b.swapAttachment(p, before.id, ids[5]!, POLICY);
    expect(swapped).toEqual({ ...before, securityGroupId: ids[5] });
    expect(await groupsOn(p, s.id, "PublicNet")).toEqual([...ids.slice(0, 2), ...ids.slice(3, 6)].sort());
    expect(await b.deleteGroup(p, ids[2]!)).toBe(true);

    const already = await rejection(b.swapAttachment(p, attachments[0]!.id, ids[1]!, POLICY));
    expect(already.code).toBe("SG_ALREADY_ATTACHED");
    expect((await rejection(b.swapAttachment(p, attachments[0]!.id, "no-such-group", POLICY))).code).toBe("SG_GROUP_NOT_FOUND");
    expect((await rejection(b.swapAttachment(p, "no-such-attachment", ids[0]!, POLICY))).code).toBe("SG_NOT_FOUND");
    expect(await b.getAttachment(p, attachments[0]!.id)).toEqual(attachments[0]);
  });

  it("evroc: drops default-allow-egress when a custom group is attached and restores it when the last one goes", async () => {
    const p = await project(EVROC);
    const policy = attachmentPolicy(EVROC);
    const egress = (await b.findGroupByName(p, "default-allow-egress"))!.id;
    const [c1, c2] = await groups(p, 2, "custom");
    const s = await b.createServer(newServer(p, "vm", ["public"]), policy);
    expect(portOn(s, "public").securityGroupIds).toEqual([egress]);
    const a1 = await b.createAttachment(p, s.id, c1!, "public", policy);
    expect(await groupsOn(p, s.id, "public")).toEqual([c1]);
    const a2 = await b.createAttachment(p, s.id, c2!, "public", policy);
    expect(await groupsOn(p, s.id, "public")).toEqual([c1!, c2!].sort());
    expect(await b.deleteAttachment(p, a1.id, policy)).toBe(true);
    expect(await groupsOn(p, s.id, "public")).toEqual([c2]);
    expect(await b.deleteAttachment(p, a2.id, policy)).toBe(true);
    expect(await groupsOn(p, s.id, "public")).toEqual([egress]);
    expect(await b.deleteAttachment(p, a2.id, policy)).toBe(false);
    await b.createAttachment(p, s.id, c1!, null, policy);
    expect(await groupsOn(p, s.id, "public")).toEqual([c1]);
  });

  it("refuses to go below minGroupsPerServer (SG_MIN_GROUPS) and rolls back", async () => {
    const p = await project(OPENSTACK);
    const policy: AttachmentPolicy = { ...attachmentPolicy(OPENSTACK), minGroupsPerServer: 2 };
    const def = (await b.findGroupByName(p, "default"))!.id;
    const [x] = await groups(p, 1, "x");
    const s = await b.createServer(newServer(p, "vm", ["public"]), attachmentPolicy(OPENSTACK));
    const a = await b.createAttachment(p, s.id, x!, "public", policy);
    const err = await rejection(b.deleteAttachment(p, a.id, policy));
    expect(err.code).toBe("SG_MIN_GROUPS");
    expect(err.message).toContain("vm");
    expect(err.message).toContain("openstack");
    expect(await b.getAttachment(p, a.id)).toEqual(a);
    expect(await groupsOn(p, s.id, "public")).toEqual([def, x!].sort());
    const [y] = await groups(p, 1, "y");
    await b.createAttachment(p, s.id, y!, "public", policy);
    expect(await b.deleteAttachment(p, a.id, policy)).toBe(true);
    expect(await groupsOn(p, s.id, "public")).toEqual([def, y!].sort());
  });

  it("deleteGroup refuses an attached group or one another group's rule points at (SG_IN_USE naming the holders)", async () => {
    const p = await project(RACKSPACE);
    const g = await b.createGroup(newGroup(p, "web"));
    const s = await b.createServer(newServer(p, "web-1", ["PublicNet"]), POLICY);
    const a = await b.createAttachment(p, s.id, g.group.id, "PublicNet", POLICY);
    const err = await rejection(b.deleteGroup(p, g.group.id));
    expect(err.code).toBe("SG_IN_USE");
    expect(err.details.property).toBe("id");
    expect(err.message).toContain("web-1");
    expect(err.message).toContain("PublicNet");
    expect(await b.getGroup(p, g.group.id)).toEqual(g);
    expect(await b.deleteAttachment(p, a.id, POLICY)).toBe(true);
    expect(await b.deleteGroup(p, g.group.id)).toBe(true);

    const target = await b.createGroup(newGroup(p, "db"));
    const holder = await b.createGroup(newGroup(p, "app"));
    const r = await b.createRule(rule(holder.group.id, { protocol: "tcp", portRangeMin: 5432, portRangeMax: 5432, remoteGroupId: target.group.id }), NO_LIMITS);
    const err2 = await rejection(b.deleteGroup(p, target.group.id));
    expect(err2.code).toBe("SG_IN_USE");
    expect(err2.message).toContain(r.id);
    expect(err2.message).toContain("app");
    expect(await b.deleteRule(p, r.id)).toBe(true);
    expect(await b.deleteGroup(p, target.group.id)).toBe(true);
    // A group's own rules pointing at itself do not hold it.
    await b.createRule(rule(holder.group.id, { remoteGroupId: holder.group.id }), NO_LIMITS);
    expect(await b.deleteGroup(p, holder.group.id)).toBe(true);
  });

  it("50 concurrent attachments on one rackspace port through 4 pools: exactly 5 win, 45 SG_LIMIT_GROUPS_PER_PORT (5 rounds)", async () => {
    const p = await project(RACKSPACE);
    const ids = await groups(p, 50);
    const pools = [b, await open(), await open(), await open()];
    for (let round = 0; round < 5; round++) {
      const s = await b.createServer(newServer(p, `web-${round}`, ["PublicNet"]), POLICY);
      const results = await Promise.allSettled(ids.map((g, i) => pools[i % 4]!.createAttachment(p, s.id, g, "PublicNet", POLICY)));
      const fulfilled = results.filter((r) => r.status === "fulfilled");
      const codes = results.filter((r): r is PromiseRejectedResult => r.status === "rejected")
        .map((r) => (r.reason instanceof SecgroupsError ? r.reason.code : String(r.reason)));
      expect(fulfilled).toHaveLength(5);
      expect(codes).toEqual(Array.from({ length: 45 }, () => "SG_LIMIT_GROUPS_PER_PORT"));
      const onPort = await groupsOn(p, s.id, "PublicNet", pools[round % 4]);
      expect(onPort).toHaveLength(5);
      expect(onPort).toEqual(fulfilled.map((r) => (r as PromiseFulfilledResult<{ securityGroupId: string }>).value.securityGroupId).sort());
    }
  });
});

describe("PostgresBackend schema and location", () => {
  it("two instances opening a fresh database at once both succeed and apply each migration exactly once", async () => {
    const admin = new Client({ connectionString: server.url });
    await admin.connect();
    try {
      await admin.query("CREATE DATABASE secgroups_fresh");
    } finally {
      await admin.end();
    }
    const url = urlOf("secgroups_fresh");
    const [x, y] = await Promise.all([open(url), open(url)]);
    const g = await x.createGroup(newGroup("p", "web", { defaultRules: EGRESS_ANY }));
    expect((await y.getGroup("p", g.group.id))?.group.name).toBe("web");
    // A third open later migrates nothing.
    await open(url);
    const check = new Client({ connectionString: url });
    await check.connect();
    try {
      const versions = (await check.query("SELECT version FROM schema_migrations ORDER BY version")).rows.map((r: { version: number }) => r.version);
      expect(versions).toEqual([1, 2, 3]);
      const tables = (await check.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name")).rows
        .map((r: { table_name: string }) => r.table_name);
      expect(tables).toEqual(["attachments", "networks", "port_groups", "ports", "projects", "schema_migrations", "security_group_rules", "security_groups", "servers"]);
    } finally {
      await check.end();
    }
  });

  it("masks the password in location, and keeps it out of a connection error", async () => {
    const withPassword = server.url.replace("secgroups@", "secgroups:s3cr3t-pw@");
    const backend = await open(withPassword);
    expect(backend.location).toBe(server.url.replace("secgroups@", "secgroups:***@"));
    expect(backend.location).not.toContain("s3cr3t-pw");
    expect(await backend.listGroups(freshProject())).toEqual([]);
    const separate = await open(server.url, "other-s3cr3t");
    expect(separate.location).toBe(server.url);

    const unreachable = `postgres://secgroups:s3cr3t-pw@127.0.0.1:1/${server.database}`;
    const err = await rejection(PostgresBackend.open(unreachable));
    expect(err.code).toBe("SG_BACKEND_UNAVAILABLE");
    expect(err.message).not.toContain("s3cr3t-pw");
    expect(err.message).toContain("secgroups:***@127.0.0.1:1");
  });

  it("is unusable after close", async () => {
    const backend = await PostgresBackend.open(server.url);
    await backend.close();
    await expect(backend.listGroups("p")).rejects.toThrow("the PostgreSQL backend is closed");
  });
});
