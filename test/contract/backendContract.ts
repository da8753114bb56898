/**
 * The backend contract (keyv's test-suite pattern): every invariant of the StateBackend interface,
 * registered once as vitest tests against a factory of fresh backends, and run by
 * sqlite.contract.test.ts and postgres.contract.test.ts against real SQLite files and a real
 * PostgreSQL server. Both backends are one SqlStore over two drivers, so every test expects the
 * same codes, values and counts from both. What only one backend has (files and their modes, the
 * pool, the masked password) is tested in that backend's file.
 */
import * as path from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../provider/backends/store";
import type {
  AttachmentPolicy, AttachmentRecord, DefaultRuleSpec, GroupState, NewGroup, NewServer, PortRecord, RuleLimits, RuleRecord,
  ServerRecord, StateBackend,
} from "../../provider/backends/types";
import { attachmentPolicy, loadProfile, projectSetup, type Profile } from "../../provider/domain/profiles";
import type { RuleInput } from "../../provider/domain/rules";
import { SecgroupsError } from "../../provider/errors";
import { rejection, rule, sleep } from "../support/backend";
import { outcomesOf, removeCompiledProvider, runChildren, type Call, type Outcome } from "./children";

/** One fresh backend, as a factory hands it to the contract. */
export interface BackendUnderTest {
  /** Opens one more connection to this backend (its own pool, or its own handle on the file). */
  open(): Promise<StateBackend>;
  /** The backend as `secgroups:backend` names it, for child processes (openBackend). */
  url: string;
  /** The password child processes get as PGPASSWORD, if the backend needs one. */
  password?: string;
  /**
   * What the database records about its schema: the versions of the applied migrations, one entry
   * per record (SQLite records a count in user_version; PostgreSQL a row per version), and its
   * tables, without the backend's own bookkeeping tables.
   */
  schema(): Promise<{ migrations: number[]; tables: string[] }>;
  /** Removes the backend; called after every connection the test opened is closed. */
  dispose(): Promise<void>;
}

/** Gives the contract its backends. */
export interface BackendFactory {
  /** A fresh, empty backend: nothing created or migrated yet. */
  fresh(): Promise<BackendUnderTest>;
  /** How often each race runs: 50 attachments in one process and across 4 processes, two processes migrating a fresh backend. */
  repetitions: number;
}

const REPO = path.resolve(__dirname, "../..");
const PROJECT = "proj";
const PUBLICNET = "00000000-0000-0000-0000-000000000000";
const SERVICENET = "11111111-1111-1111-1111-111111111111";
const OPENSTACK = loadProfile("openstack", REPO);
const MESHCLOUD = loadProfile("meshcloud", REPO);
const RACKSPACE = loadProfile("rackspace", REPO);
const EVROC = loadProfile("evroc", REPO);
const EGRESS_ANY: DefaultRuleSpec[] = [
  { direction: "egress", ethertype: "IPv4" },
  { direction: "egress", ethertype: "IPv6" },
];
const NO_LIMITS: RuleLimits = { profile: "openstack" };
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SSH: RuleInput = { protocol: "tcp", portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "10.0.0.0/8", description: "ssh" };
/** SSH's rule on another TCP port: a different rule, not a duplicate. */
const sshOn = (port: number): RuleInput => ({ ...SSH, portRangeMin: port, portRangeMax: port });
/** The store's tables after every migration. */
const TABLES = ["attachments", "networks", "port_groups", "ports", "project_rule_counts", "projects", "security_group_rules", "security_groups", "servers"];
/** What the schema records once every migration has been applied exactly once. */
const MIGRATED = { migrations: MIGRATIONS.map((_, i) => i + 1), tables: TABLES };

/** The 50-attachment race: groups racing for one rackspace PublicNet port that takes 5. */
const RACERS = 50;
const LIMIT = 5;
const PROCESSES = 4;
const CONNECTIONS = 4;

/**
 * Names that break naive SQL: quotes, semicolons, LIKE wildcards, backslashes, whitespace and
 * non-ASCII (combining marks, emoji, CJK). Each must be stored and read back byte for byte.
 */
const AWKWARD = [
  `it's a "quoted" name`,
  "semi;colon'); DROP TABLE security_groups; --",
  "100% _under_score_",
  "back\\slash \\' \\\" \\\\",
  "Ünïcødé 🚀 名前",
  "tab\tnew\nline  ",
  "%",
  "_",
];

function newGroup(name: string, overrides: Partial<NewGroup> = {}): NewGroup {
  return { project: PROJECT, name, description: "", stateful: true, tags: [], defaultRules: [], ...overrides };
}

function newServer(name: string, networks: string[], overrides: Partial<NewServer> = {}): NewServer {
  return { project: PROJECT, name, networks, securityGroupIds: [], bootSeconds: 0, ...overrides };
}

/** The server's port on a network (by name), failing the test if there is none. */
function portOn(server: ServerRecord | undefined, networkName: string): PortRecord {
  expect(server).toBeDefined();
  const port = server!.ports.find((p) => p.networkName === networkName);
  expect(port, `port on ${networkName}`).toBeDefined();
  return port!;
}

/** Groups on the server's port on `networkName`, as stored now. */
async function groupsOn(b: StateBackend, serverId: string, networkName: string, project = PROJECT): Promise<string[]> {
  return portOn(await b.getServer(project, serverId), networkName).securityGroupIds;
}

/** Creates groups `${prefix}1`..`${prefix}N` and returns their ids. */
async function groups(b: StateBackend, n: number, prefix = "g"): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 1; i <= n; i++) ids.push((await b.createGroup(newGroup(`${prefix}${i}`))).group.id);
  return ids;
}

/**
 * Runs `attempt`, which must fail with a SecgroupsError, and expects it to have written nothing:
 * the project's rules and the group `groupId` are as they were. Returns the error.
 */
async function refusedWritingNothing(b: StateBackend, groupId: string, attempt: () => Promise<unknown>): Promise<SecgroupsError> {
  const rules = await b.listRules(PROJECT);
  const group = (await b.getGroup(PROJECT, groupId))!.group;
  const err = await rejection(attempt());
  expect(await b.listRules(PROJECT)).toEqual(rules);
  expect((await b.getGroup(PROJECT, groupId))!.group).toEqual(group);
  return err;
}

/** `names` in byte order of their UTF-8 encoding (SQLite's BINARY, PostgreSQL's "C" collation). */
function byteOrder(names: string[]): string[] {
  return [...names].sort((x, y) => Buffer.compare(Buffer.from(x, "utf8"), Buffer.from(y, "utf8")));
}

/** Deals `items` round-robin into `n` nearly equal slices (13, 13, 12, 12 for 50 over 4). */
function slices<T>(items: T[], n: number): T[][] {
  const out: T[][] = Array.from({ length: n }, () => []);
  items.forEach((item, i) => out[i % n]!.push(item));
  return out;
}

/** Registers the contract's tests for the backends `factory` makes. */
export function backendContract(name: string, factory: BackendFactory): void {
  // At the file's top level: after every test of the file, the backend's own ones included.
  afterAll(removeCompiledProvider);
  /** The races (50 attachments, two processes migrating a fresh backend) run this often. */
  const REPETITIONS = Array.from({ length: factory.repetitions }, (_, i) => i + 1);

  describe(`${name} backend contract`, () => {
    let target: BackendUnderTest;
    let opened: StateBackend[];

    beforeEach(async () => {
      opened = [];
      target = await factory.fresh();
    });

    afterEach(async () => {
      for (const b of opened) await b.close();
      await target.dispose();
    });

    /** One more connection to this test's backend, closed after the test. */
    async function open(): Promise<StateBackend> {
      const b = await target.open();
      opened.push(b);
      return b;
    }

    /** A connection with project `project` set up for `profile`. */
    async function project(profile: Profile, p = PROJECT): Promise<StateBackend> {
      const b = await open();
      await b.ensureProject(p, projectSetup(profile));
      return b;
    }

    describe("groups", () => {
      it("creates the default rules with the group and counts them in the revision", async () => {
        const b = await open();
        const state = await b.createGroup(newGroup("web", { description: "web servers", tags: ["zeta", "alpha", "mid"], defaultRules: EGRESS_ANY }));

        expect(state.group.revisionNumber).toBe(2);
        expect(state.group.tags).toEqual(["alpha", "mid", "zeta"]);
        expect(state.group.createdAt).toBe(state.group.updatedAt);
        expect(state.group.createdAt).toMatch(ISO);

        const rules = await b.listRules(PROJECT, state.group.id);
        expect(rules).toHaveLength(2);
        expect(rules.map((r) => r.ethertype).sort()).toEqual(["IPv4", "IPv6"]);
        for (const r of rules) {
          expect(r).toMatchObject({
            project: PROJECT, securityGroupId: state.group.id, direction: "egress", protocol: null, portRangeMin: null,
            portRangeMax: null, remoteIpPrefix: null, remoteGroupId: null, remoteSubnetId: null, description: "", isDefault: true,
          });
        }
        expect([...state.defaultRuleIds].sort()).toEqual(rules.map((r) => r.id).sort());
        expect(new Set(state.defaultRuleIds).size).toBe(2);

        // What is stored is what was returned.
        expect(await b.getGroup(PROJECT, state.group.id)).toEqual(state);
        expect((await b.findGroupByName(PROJECT, "web"))?.tags).toEqual(["alpha", "mid", "zeta"]);
      });

      it("starts a group without default rules at revision 0", async () => {
        const b = await open();
        const state = await b.createGroup(newGroup("web", { stateful: false }));
        expect(state.group.revisionNumber).toBe(0);
        expect(state.group.stateful).toBe(false);
        expect(state.defaultRuleIds).toEqual([]);
        expect(await b.listRules(PROJECT)).toEqual([]);
      });

      it("rejects a name already used in the project (SG_NAME_TAKEN), and accepts it in another project", async () => {
        const b = await open();
        const first = await b.createGroup(newGroup("web", { description: "web servers" }));

        const err = await rejection(b.createGroup(newGroup("web", { description: "other" })));
        expect(err.code).toBe("SG_NAME_TAKEN");
        expect(err.details.property).toBe("name");
        expect(err.message.startsWith("SG_NAME_TAKEN: ")).toBe(true);
        expect(err.message).toContain(first.group.id);

        const list = await b.listGroups(PROJECT);
        expect(list).toHaveLength(1);
        expect(list[0]!.description).toBe("web servers");

        const other = await b.createGroup(newGroup("web", { project: "proj-b" }));
        expect(other.group.project).toBe("proj-b");
        expect(other.group.name).toBe("web");
        expect(other.group.id).not.toBe(first.group.id);
        expect(await b.listGroups("proj-b")).toHaveLength(1);
        expect(await b.listGroups(PROJECT)).toHaveLength(1);
      });

      it("enforces the group quota (SG_QUOTA_EXCEEDED on project) and writes nothing when over it", async () => {
        const b = await open();
        await b.createGroup(newGroup("a", { groupQuota: 2, defaultRules: EGRESS_ANY }));
        await b.createGroup(newGroup("b", { groupQuota: 2, defaultRules: EGRESS_ANY }));

        const err = await rejection(b.createGroup(newGroup("c", { groupQuota: 2, defaultRules: EGRESS_ANY })));
        expect(err.code).toBe("SG_QUOTA_EXCEEDED");
        expect(err.details.property).toBe("project");

        expect((await b.listGroups(PROJECT)).map((g) => g.name)).toEqual(["a", "b"]);
        expect(await b.findGroupByName(PROJECT, "c")).toBeUndefined();
        expect(await b.listRules(PROJECT)).toHaveLength(4);

        // The quota is per project.
        const elsewhere = await b.createGroup(newGroup("c", { project: "other", groupQuota: 2 }));
        expect(elsewhere.group.name).toBe("c");
      });

      it("lists groups by name in byte order", async () => {
        const b = await open();
        for (const n of ["b", "a", "B", "_x", "A"]) await b.createGroup(newGroup(n));
        expect((await b.listGroups(PROJECT)).map((g) => g.name)).toEqual(["A", "B", "_x", "a", "b"]);
      });

      it("updateGroup bumps the revision by one and updatedAt strictly, even immediately after create", async () => {
        const b = await open();
        const created = await b.createGroup(newGroup("web", { defaultRules: EGRESS_ANY }));
        const first = await b.updateGroup(PROJECT, created.group.id, { description: "changed" });
        const second = await b.updateGroup(PROJECT, created.group.id, { description: "changed again" });

        expect(first.group.description).toBe("changed");
        expect(first.group.revisionNumber).toBe(3);
        expect(first.group.updatedAt > created.group.updatedAt).toBe(true);
        expect(first.group.createdAt).toBe(created.group.createdAt);
        expect(second.group.revisionNumber).toBe(4);
        expect(second.group.updatedAt > first.group.updatedAt).toBe(true);
        expect(second.defaultRuleIds).toEqual(created.defaultRuleIds);

        expect(await b.getGroup(PROJECT, created.group.id)).toEqual(second);
      });

      it("updateGroup rejects a rename onto an existing name (SG_NAME_TAKEN) and leaves the group unchanged", async () => {
        const b = await open();
        const taken = await b.createGroup(newGroup("taken"));
        const g = await b.createGroup(newGroup("mine", { tags: ["t"] }));

        const err = await rejection(b.updateGroup(PROJECT, g.group.id, { name: "taken", description: "new", tags: ["u"] }));
        expect(err.code).toBe("SG_NAME_TAKEN");
        expect(err.details.property).toBe("name");
        expect(err.message).toContain(taken.group.id);

        expect(await b.getGroup(PROJECT, g.group.id)).toEqual(g);
        expect((await b.listGroups(PROJECT)).map((x) => x.name)).toEqual(["mine", "taken"]);
      });

      it("updateGroup allows renaming a group to its own name", async () => {
        const b = await open();
        const g = await b.createGroup(newGroup("same"));
        const u = await b.updateGroup(PROJECT, g.group.id, { name: "same", tags: ["b", "a"] });
        expect(u.group.name).toBe("same");
        expect(u.group.tags).toEqual(["a", "b"]);
        expect(u.group.revisionNumber).toBe(1);
      });

      it("updateGroup reports SG_NOT_FOUND for a missing id and for a group of another project", async () => {
        const b = await open();
        const g = await b.createGroup(newGroup("web", { description: "web servers" }));

        const missing = await rejection(b.updateGroup(PROJECT, "no-such-id", { description: "x" }));
        expect(missing.code).toBe("SG_NOT_FOUND");
        expect(missing.details.property).toBe("id");

        const wrongProject = await rejection(b.updateGroup("other", g.group.id, { description: "x" }));
        expect(wrongProject.code).toBe("SG_NOT_FOUND");
        expect((await b.getGroup(PROJECT, g.group.id))?.group.description).toBe("web servers");
      });

      it("updateGroup deletes the default rules (revision +1 +2) and recreates them", async () => {
        const b = await open();
        const created = await b.createGroup(newGroup("web", { defaultRules: EGRESS_ANY }));
        expect(created.group.revisionNumber).toBe(2);

        const removed = await b.updateGroup(PROJECT, created.group.id, { deleteDefaultRules: true });
        expect(removed.group.revisionNumber).toBe(5);
        expect(removed.defaultRuleIds).toEqual([]);
        expect(await b.listRules(PROJECT, created.group.id)).toEqual([]);

        const restored = await b.updateGroup(PROJECT, created.group.id, { deleteDefaultRules: false, defaultRules: EGRESS_ANY });
        expect(restored.group.revisionNumber).toBe(8);
        expect(restored.defaultRuleIds).toHaveLength(2);
        const rules = await b.listRules(PROJECT, created.group.id);
        expect(rules.map((r) => `${r.direction}/${r.ethertype}/${r.isDefault}`).sort()).toEqual(["egress/IPv4/true", "egress/IPv6/true"]);
        expect([...restored.defaultRuleIds].sort()).toEqual(rules.map((r) => r.id).sort());
        // New rules, not the old ids.
        for (const id of restored.defaultRuleIds) expect(created.defaultRuleIds).not.toContain(id);

        // false again while the rules exist: no duplicates, only the plain +1.
        const again = await b.updateGroup(PROJECT, created.group.id, { deleteDefaultRules: false, defaultRules: EGRESS_ANY });
        expect(again.group.revisionNumber).toBe(9);
        expect(await b.listRules(PROJECT, created.group.id)).toHaveLength(2);
      });

      it("restoring default rules next to an equal user rule fails with SG_RULE_EXISTS on deleteDefaultRules, not a raw database error", async () => {
        const b = await open();
        const g = await b.createGroup(newGroup("web"));
        const mine = await b.createRule(rule(g.group.id, { direction: "egress", description: "mine" }), NO_LIMITS);
        expect(mine).toMatchObject({ direction: "egress", ethertype: "IPv4", protocol: null, remoteIpPrefix: null, isDefault: false });
        const err = await rejection(b.updateGroup(PROJECT, g.group.id, { deleteDefaultRules: false, defaultRules: EGRESS_ANY }));
        expect(err.code).toBe("SG_RULE_EXISTS");
        expect(err.details.property).toBe("deleteDefaultRules");
        expect(err.message).toContain(mine.id);
        expect((await b.listRules(PROJECT, g.group.id)).map((r) => r.id)).toEqual([mine.id]);
      });

      it("deleteGroup returns true then false and removes the group's rules only", async () => {
        const b = await open();
        const g = await b.createGroup(newGroup("web", { defaultRules: EGRESS_ANY }));
        const keep = await b.createGroup(newGroup("keep", { defaultRules: EGRESS_ANY }));
        expect(await b.listRules(PROJECT)).toHaveLength(4);

        expect(await b.deleteGroup(PROJECT, g.group.id)).toBe(true);
        expect(await b.deleteGroup(PROJECT, g.group.id)).toBe(false);

        expect(await b.getGroup(PROJECT, g.group.id)).toBeUndefined();
        expect(await b.listRules(PROJECT, g.group.id)).toEqual([]);
        const left = await b.listRules(PROJECT);
        expect(left).toHaveLength(2);
        expect(left.every((r) => r.securityGroupId === keep.group.id)).toBe(true);
        expect((await b.listGroups(PROJECT)).map((x) => x.name)).toEqual(["keep"]);
      });

      it("deleteGroup does not delete a group through another project", async () => {
        const b = await open();
        const g = await b.createGroup(newGroup("web"));
        expect(await b.deleteGroup("other", g.group.id)).toBe(false);
        expect((await b.getGroup(PROJECT, g.group.id))?.group.id).toBe(g.group.id);
      });
    });

    describe("rules", () => {
      it("createRule stores the rule as given and bumps the group's revision by 1 and its updatedAt", async () => {
        const b = await open();
        const { group } = await b.createGroup(newGroup("web", { defaultRules: EGRESS_ANY }));
        expect(group.revisionNumber).toBe(2);

        const created = await b.createRule(rule(group.id, SSH), NO_LIMITS);
        expect(created).toEqual({
          id: created.id, project: PROJECT, securityGroupId: group.id, direction: "ingress", ethertype: "IPv4", protocol: "tcp",
          portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "10.0.0.0/8", remoteGroupId: null, remoteSubnetId: null,
          description: "ssh", isDefault: false, createdAt: created.createdAt, updatedAt: created.createdAt,
        });
        expect(created.id).toMatch(UUID);
        expect(created.createdAt).toMatch(ISO);
        expect(await b.getRule(PROJECT, created.id)).toEqual(created);
        expect(await b.getRule("other", created.id)).toBeUndefined();

        const after = (await b.getGroup(PROJECT, group.id))!.group;
        expect(after.revisionNumber).toBe(3);
        expect(after.updatedAt).toMatch(ISO);
        expect(Date.parse(after.updatedAt)).toBeGreaterThan(Date.parse(group.updatedAt));
        expect({ ...after, revisionNumber: 0, updatedAt: "" }).toEqual({ ...group, revisionNumber: 0, updatedAt: "" });

        const second = await b.createRule(rule(group.id, sshOn(443)), NO_LIMITS);
        const after2 = (await b.getGroup(PROJECT, group.id))!.group;
        expect(after2.revisionNumber).toBe(4);
        expect(Date.parse(after2.updatedAt)).toBeGreaterThan(Date.parse(after.updatedAt));
        expect((await b.listRules(PROJECT, group.id)).filter((r) => !r.isDefault).map((r) => r.id)).toEqual([created.id, second.id]);
      });

      it("createRule stores any protocol as null and keeps ICMP type and code, remote groups and IPv6", async () => {
        const b = await open();
        const { group } = await b.createGroup(newGroup("web"));
        const { group: other } = await b.createGroup(newGroup("db"));
        const any = await b.createRule(rule(group.id, { remoteGroupId: other.id }), NO_LIMITS);
        expect(any).toMatchObject({ protocol: null, portRangeMin: null, portRangeMax: null, remoteIpPrefix: null, remoteGroupId: other.id, ethertype: "IPv4" });
        const icmp = await b.createRule(rule(group.id, { protocol: "icmp", portRangeMin: 8, portRangeMax: 0, remoteIpPrefix: "::/0" }), NO_LIMITS);
        expect(icmp).toMatchObject({ protocol: "ipv6-icmp", portRangeMin: 8, portRangeMax: 0, remoteIpPrefix: "::/0", ethertype: "IPv6" });
        expect(await b.getRule(PROJECT, icmp.id)).toEqual(icmp);
        expect((await b.getGroup(PROJECT, group.id))!.group.revisionNumber).toBe(2);
        expect((await b.getGroup(PROJECT, other.id))!.group.revisionNumber).toBe(0);
      });

      it("createRule refuses a duplicate (same key) with SG_RULE_EXISTS naming the existing rule, writing nothing", async () => {
        const b = await open();
        const { group } = await b.createGroup(newGroup("web"));
        const first = await b.createRule(rule(group.id, SSH), NO_LIMITS);
        const before = (await b.getGroup(PROJECT, group.id))!.group;

        // Same rule in Neutron's eyes: another description, protocol by number, port spelled the same.
        const dup = rule(group.id, { ...SSH, protocol: 6, description: "another description" });
        expect(dup.key).toBe(rule(group.id, SSH).key);
        const err = await rejection(b.createRule(dup, NO_LIMITS));
        expect(err.code).toBe("SG_RULE_EXISTS");
        expect(err.message.startsWith("SG_RULE_EXISTS: ")).toBe(true);
        expect(err.message).toContain(first.id);

        expect(await b.listRules(PROJECT, group.id)).toEqual([first]);
        expect((await b.getGroup(PROJECT, group.id))!.group).toEqual(before);
      });

      it("createRule treats 0.0.0.0/0 and no remote as the same; 1-65535 and no ports as the same", async () => {
        const b = await open();
        const { group } = await b.createGroup(newGroup("web"));
        const web = await b.createRule(rule(group.id, { protocol: "tcp", portRangeMin: 80, portRangeMax: 80 }), NO_LIMITS);
        const err = await rejection(b.createRule(rule(group.id, { protocol: "TCP", portRangeMin: 80, portRangeMax: 80, remoteIpPrefix: "0.0.0.0/0" }), NO_LIMITS));
        expect(err.code).toBe("SG_RULE_EXISTS");
        expect(err.message).toContain(web.id);

        const all = await b.createRule(rule(group.id, { protocol: "udp" }), NO_LIMITS);
        const err2 = await rejection(b.createRule(rule(group.id, { protocol: 17, portRangeMin: 1, portRangeMax: 65535 }), NO_LIMITS));
        expect(err2.code).toBe("SG_RULE_EXISTS");
        expect(err2.message).toContain(all.id);
        expect(await b.listRules(PROJECT, group.id)).toEqual([web, all]);
      });

      it("createRule accepts rules that differ in direction, ethertype, ports, protocol, remote or group", async () => {
        const b = await open();
        const { group } = await b.createGroup(newGroup("web"));
        const { group: other } = await b.createGroup(newGroup("other"));
        const variants: Array<[string, RuleInput]> = [
          [group.id, SSH],
          [group.id, { ...SSH, direction: "egress" }],
          [group.id, sshOn(23)],
          [group.id, { ...SSH, protocol: "udp" }],
          [group.id, { ...SSH, remoteIpPrefix: "10.0.0.0/16" }],
          [group.id, { ...SSH, remoteIpPrefix: "2001:db8::/32" }],
          [group.id, { ...SSH, remoteIpPrefix: undefined, remoteGroupId: other.id }],
          [other.id, SSH],
        ];
        const ids = [];
        for (const [g, input] of variants) ids.push((await b.createRule(rule(g, input), NO_LIMITS)).id);
        expect(new Set(ids).size).toBe(variants.length);
        expect(await b.listRules(PROJECT)).toHaveLength(variants.length);
      });

      it("a rule duplicating a default egress rule → SG_RULE_EXISTS that explains the default rule and deleteDefaultRules", async () => {
        const b = await open();
        const state = await b.createGroup(newGroup("web", { defaultRules: EGRESS_ANY }));
        const defaults = await b.listRules(PROJECT, state.group.id);
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
        expect(await b.listRules(PROJECT, state.group.id)).toEqual(defaults);
        expect((await b.getGroup(PROJECT, state.group.id))!.group.revisionNumber).toBe(2);

        // Egress with a narrower remote, or ingress, is not a duplicate.
        await b.createRule(rule(state.group.id, { direction: "egress", remoteIpPrefix: "10.0.0.0/8" }), NO_LIMITS);
        await b.createRule(rule(state.group.id, {}), NO_LIMITS);
        expect(await b.listRules(PROJECT, state.group.id)).toHaveLength(4);
      });

      it("a missing group → SG_GROUP_NOT_FOUND on securityGroupId", async () => {
        const b = await open();
        const err = await rejection(b.createRule(rule("no-such-group", SSH), NO_LIMITS));
        expect(err.code).toBe("SG_GROUP_NOT_FOUND");
        expect(err.details.property).toBe("securityGroupId");
        expect(err.message.startsWith("SG_GROUP_NOT_FOUND: ")).toBe(true);
        expect(err.message).toContain("no-such-group");
        expect(await b.listRules(PROJECT)).toEqual([]);
      });

      it("a missing remote group (or one of another project) → SG_GROUP_NOT_FOUND on remoteGroupId", async () => {
        const b = await open();
        const { group } = await b.createGroup(newGroup("web"));
        const { group: foreign } = await b.createGroup(newGroup("x", { project: "elsewhere" }));
        for (const remote of ["no-such-group", foreign.id]) {
          const err = await rejection(b.createRule(rule(group.id, { protocol: "tcp", remoteGroupId: remote }), NO_LIMITS));
          expect(err.code).toBe("SG_GROUP_NOT_FOUND");
          expect(err.details.property).toBe("remoteGroupId");
          expect(err.message).toContain(remote);
        }
        expect(await b.listRules(PROJECT)).toEqual([]);
        expect((await b.getGroup(PROJECT, group.id))!.group.revisionNumber).toBe(0);
        // A group may name itself as the remote.
        const self = await b.createRule(rule(group.id, { remoteGroupId: group.id }), NO_LIMITS);
        expect(self.remoteGroupId).toBe(group.id);
      });

      it("rulesPerGroup: SG_QUOTA_EXCEEDED once the group holds that many rules (defaults count), nothing written", async () => {
        const b = await open();
        const { group } = await b.createGroup(newGroup("web", { defaultRules: EGRESS_ANY }));
        const { group: other } = await b.createGroup(newGroup("other"));
        const limits: RuleLimits = { profile: "rackspace", rulesPerGroup: 3 };
        await b.createRule(rule(group.id, SSH), limits);

        const err = await refusedWritingNothing(b, group.id, () => b.createRule(rule(group.id, sshOn(80)), limits));
        expect(err.code).toBe("SG_QUOTA_EXCEEDED");
        expect(err.message.startsWith("SG_QUOTA_EXCEEDED: ")).toBe(true);
        expect(err.message).toContain("3");
        expect(err.message).toContain("rackspace");

        // Another group of the project has room of its own.
        await b.createRule(rule(other.id, SSH), limits);
        await b.createRule(rule(other.id, sshOn(80)), limits);
        await b.createRule(rule(other.id, sshOn(443)), limits);
        expect((await rejection(b.createRule(rule(other.id, sshOn(8080)), limits))).code).toBe("SG_QUOTA_EXCEEDED");
        expect(await b.listRules(PROJECT, other.id)).toHaveLength(3);
      });

      it("rulesPerProject: SG_QUOTA_EXCEEDED counting every group of the project (only that project), nothing written", async () => {
        const b = await open();
        const { group: a } = await b.createGroup(newGroup("a", { defaultRules: EGRESS_ANY }));
        const { group: c } = await b.createGroup(newGroup("c"));
        const { group: foreign } = await b.createGroup(newGroup("f", { project: "elsewhere", defaultRules: EGRESS_ANY }));
        const limits: RuleLimits = { profile: "openstack", rulesPerProject: 4 };
        await b.createRule(rule(a.id, SSH), limits);
        await b.createRule(rule(c.id, SSH), limits);
        expect(await b.listRules(PROJECT)).toHaveLength(4);

        const err = await refusedWritingNothing(b, c.id, () => b.createRule(rule(c.id, sshOn(80)), limits));
        expect(err.code).toBe("SG_QUOTA_EXCEEDED");
        expect(err.message).toContain("4");

        // The other project's rules were never counted against this one.
        await b.createRule(rule(foreign.id, SSH), limits);
        await b.createRule(rule(foreign.id, sshOn(80)), limits);
        expect((await rejection(b.createRule(rule(foreign.id, sshOn(443)), limits))).code).toBe("SG_QUOTA_EXCEEDED");
      });

      it("rulesPerProject: deleting a rule, a group's default rules or a group frees quota, recreated defaults take it; the kept count stays exact", async () => {
        // Regression test for the kept rule count (migration 6), which replaced a COUNT over the project.
        const b = await open();
        const limits: RuleLimits = { profile: "openstack", rulesPerProject: 5 };
        const { group: a } = await b.createGroup(newGroup("a", { defaultRules: EGRESS_ANY }));
        const { group: c } = await b.createGroup(newGroup("c", { defaultRules: EGRESS_ANY }));
        const ssh = await b.createRule(rule(a.id, SSH), limits); // 5 rules
        expect((await rejection(b.createRule(rule(c.id, SSH), limits))).code).toBe("SG_QUOTA_EXCEEDED");
        expect(await b.deleteRule(PROJECT, ssh.id)).toBe(true); // 4
        await b.createRule(rule(c.id, SSH), limits); // 5
        await b.updateGroup(PROJECT, a.id, { deleteDefaultRules: true }); // 3
        await b.createRule(rule(a.id, sshOn(80)), limits); // 4
        await b.updateGroup(PROJECT, c.id, { deleteDefaultRules: true }); // 2
        await b.updateGroup(PROJECT, c.id, { deleteDefaultRules: false, defaultRules: EGRESS_ANY }); // 4
        await b.createRule(rule(a.id, sshOn(443)), limits); // 5
        expect((await rejection(b.createRule(rule(c.id, sshOn(80)), limits))).code).toBe("SG_QUOTA_EXCEEDED");
        expect(await b.deleteGroup(PROJECT, a.id)).toBe(true); // 3
        await b.createRule(rule(c.id, sshOn(80)), limits); // 4
        await b.createRule(rule(c.id, sshOn(443)), limits); // 5
        expect((await rejection(b.createRule(rule(c.id, sshOn(8080)), limits))).code).toBe("SG_QUOTA_EXCEEDED");
        expect(await b.listRules(PROJECT)).toHaveLength(5);
        expect(await b.checkIntegrity()).toEqual([]);
      });

      it("a duplicate is reported as SG_RULE_EXISTS even when the quota is full", async () => {
        const b = await open();
        const { group } = await b.createGroup(newGroup("web"));
        const first = await b.createRule(rule(group.id, SSH), { profile: "rackspace", rulesPerGroup: 1 });
        const err = await rejection(b.createRule(rule(group.id, SSH), { profile: "rackspace", rulesPerGroup: 1 }));
        expect(err.code).toBe("SG_RULE_EXISTS");
        expect(err.message).toContain(first.id);
      });

      it("deleteRule deletes, bumps the group's revision and updatedAt, returns true then false", async () => {
        const b = await open();
        const { group } = await b.createGroup(newGroup("web"));
        const r = await b.createRule(rule(group.id, SSH), NO_LIMITS);
        const keep = await b.createRule(rule(group.id, sshOn(80)), NO_LIMITS);
        const before = (await b.getGroup(PROJECT, group.id))!.group;
        expect(before.revisionNumber).toBe(2);

        expect(await b.deleteRule("other-project", r.id)).toBe(false);
        expect((await b.getGroup(PROJECT, group.id))!.group).toEqual(before);

        expect(await b.deleteRule(PROJECT, r.id)).toBe(true);
        const after = (await b.getGroup(PROJECT, group.id))!.group;
        expect(after.revisionNumber).toBe(3);
        expect(Date.parse(after.updatedAt)).toBeGreaterThan(Date.parse(before.updatedAt));
        expect(await b.getRule(PROJECT, r.id)).toBeUndefined();
        expect(await b.listRules(PROJECT, group.id)).toEqual([keep]);

        expect(await b.deleteRule(PROJECT, r.id)).toBe(false);
        expect((await b.getGroup(PROJECT, group.id))!.group).toEqual(after);
      });

      it("deleteRule frees the key: the same rule can be created again", async () => {
        const b = await open();
        const { group } = await b.createGroup(newGroup("web"));
        const r = await b.createRule(rule(group.id, SSH), NO_LIMITS);
        expect(await b.deleteRule(PROJECT, r.id)).toBe(true);
        const again = await b.createRule(rule(group.id, SSH), NO_LIMITS);
        expect(again.id).not.toBe(r.id);
        expect((await b.getGroup(PROJECT, group.id))!.group.revisionNumber).toBe(3);
      });

      it("deleting a default rule frees its key", async () => {
        const b = await open();
        const state = await b.createGroup(newGroup("web", { defaultRules: EGRESS_ANY }));
        const [first] = state.defaultRuleIds;
        const removed = (await b.getRule(PROJECT, first!))!;
        expect(await b.deleteRule(PROJECT, first!)).toBe(true);
        const recreated = await b.createRule(rule(state.group.id, { direction: "egress", ethertype: removed.ethertype }), NO_LIMITS);
        expect(recreated).toMatchObject({ direction: "egress", ethertype: removed.ethertype, protocol: null, isDefault: false });
        expect((await b.getGroup(PROJECT, state.group.id))!.group.revisionNumber).toBe(4);
      });

      it("updateRuleDescription changes only the description (and updatedAt)", async () => {
        const b = await open();
        const { group } = await b.createGroup(newGroup("web"));
        const r = await b.createRule(rule(group.id, SSH), NO_LIMITS);
        const other = await b.createRule(rule(group.id, sshOn(80)), NO_LIMITS);

        const updated = await b.updateRuleDescription(PROJECT, r.id, "ssh from the office");
        expect(updated).toEqual({ ...r, description: "ssh from the office", updatedAt: updated.updatedAt });
        expect(updated.updatedAt).toMatch(ISO);
        expect(Date.parse(updated.updatedAt)).toBeGreaterThan(Date.parse(r.updatedAt));
        expect(updated.createdAt).toBe(r.createdAt);
        expect(await b.getRule(PROJECT, r.id)).toEqual(updated);
        expect(await b.getRule(PROJECT, other.id)).toEqual(other);

        // Still the same rule for duplicate purposes.
        const err = await rejection(b.createRule(rule(group.id, SSH), NO_LIMITS));
        expect(err.code).toBe("SG_RULE_EXISTS");
        expect(err.message).toContain(r.id);

        const again = await b.updateRuleDescription(PROJECT, r.id, "");
        expect(again).toEqual({ ...r, description: "", updatedAt: again.updatedAt });
        expect(Date.parse(again.updatedAt)).toBeGreaterThan(Date.parse(updated.updatedAt));
      });

      it("updateRuleDescription: SG_NOT_FOUND for a missing rule or another project's rule", async () => {
        const b = await open();
        const { group } = await b.createGroup(newGroup("web"));
        const r = await b.createRule(rule(group.id, SSH), NO_LIMITS);
        for (const [p, id] of [[PROJECT, "no-such-rule"], ["other", r.id]] as const) {
          const err = await rejection(b.updateRuleDescription(p, id, "x"));
          expect(err.code).toBe("SG_NOT_FOUND");
          expect(err.details.property).toBe("id");
        }
        expect(await b.getRule(PROJECT, r.id)).toEqual(r);
      });
    });

    describe("projects", () => {
      it("creates rackspace's built-in networks with their fixed ids, no groups, and nothing more the second time", async () => {
        const b = await project(RACKSPACE);
        const publicNet = await b.getNetwork(PROJECT, "PublicNet");
        const serviceNet = await b.getNetwork(PROJECT, "ServiceNet");
        expect(publicNet).toMatchObject({ id: PUBLICNET, project: PROJECT, name: "PublicNet", subnets: ["198.51.100.0/24"], builtin: true });
        expect(serviceNet).toMatchObject({ id: SERVICENET, project: PROJECT, name: "ServiceNet", subnets: ["10.176.0.0/12"], builtin: true });
        // By id as well as by name.
        expect(await b.getNetwork(PROJECT, PUBLICNET)).toEqual(publicNet);
        expect(await b.getNetwork(PROJECT, SERVICENET)).toEqual(serviceNet);
        expect(await b.listGroups(PROJECT)).toEqual([]);
        expect(await b.listNetworks(PROJECT)).toEqual([publicNet, serviceNet]);
        const privateNet = await b.createNetwork(PROJECT, "A-private", ["10.9.0.0/24"]);
        expect(await b.listNetworks(PROJECT)).toEqual([privateNet, publicNet, serviceNet]);
        expect(await b.listNetworks("other")).toEqual([]);
        expect(await b.deleteNetwork(PROJECT, privateNet.id)).toBe(true);

        await b.ensureProject(PROJECT, projectSetup(RACKSPACE));
        expect(await b.getNetwork(PROJECT, "PublicNet")).toEqual(publicNet);
        expect(await b.getNetwork(PROJECT, "ServiceNet")).toEqual(serviceNet);
        expect(await b.listGroups(PROJECT)).toEqual([]);
        expect(await b.listRules(PROJECT)).toEqual([]);
        // Another project gets its own copy.
        expect(await b.getNetwork("other", "PublicNet")).toBeUndefined();
      });

      it("gives an evroc project exactly its three default groups with their rules, once", async () => {
        const b = await project(EVROC);
        const pub = await b.getNetwork(PROJECT, "public");
        expect(pub).toMatchObject({ id: "2f0b7a4e-0000-4000-8000-000000000004", name: "public", subnets: ["203.0.113.0/24"], builtin: true });

        const list = await b.listGroups(PROJECT);
        expect(list.map((g) => g.name)).toEqual(["default-allow-egress", "default-allow-ssh", "default-allow-web-protocols"]);
        const byName = Object.fromEntries(list.map((g) => [g.name, g]));
        expect(byName["default-allow-egress"]!.description).toBe("All outbound traffic, no inbound");
        expect(byName["default-allow-ssh"]!.description).toBe("SSH from anywhere");
        expect(byName["default-allow-web-protocols"]!.description).toBe("HTTP and HTTPS from anywhere");

        const shape = async (groupName: string) =>
          (await b.listRules(PROJECT, byName[groupName]!.id))
            .map((r) => ({
              direction: r.direction, ethertype: r.ethertype, protocol: r.protocol, portRangeMin: r.portRangeMin,
              portRangeMax: r.portRangeMax, remoteIpPrefix: r.remoteIpPrefix, remoteGroupId: r.remoteGroupId,
              remoteSubnetId: r.remoteSubnetId, isDefault: r.isDefault,
            }))
            .sort((x, y) => `${x.ethertype}${x.portRangeMin}`.localeCompare(`${y.ethertype}${y.portRangeMin}`));
        const any = { protocol: null, portRangeMin: null, portRangeMax: null, remoteIpPrefix: null, remoteGroupId: null, remoteSubnetId: null, isDefault: true };
        expect(await shape("default-allow-egress")).toEqual([
          { direction: "egress", ethertype: "IPv4", ...any },
          { direction: "egress", ethertype: "IPv6", ...any },
        ]);
        expect(await shape("default-allow-ssh")).toEqual([
          { direction: "ingress", ethertype: "IPv4", protocol: "tcp", portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "0.0.0.0/0", remoteGroupId: null, remoteSubnetId: null, isDefault: true },
        ]);
        expect((await shape("default-allow-web-protocols")).map((r) => `${r.direction} ${r.protocol} ${r.portRangeMin}-${r.portRangeMax} ${r.remoteIpPrefix}`).sort())
          .toEqual(["ingress tcp 443-443 0.0.0.0/0", "ingress tcp 80-80 0.0.0.0/0"]);
        expect(await b.listRules(PROJECT)).toHaveLength(5);

        const groupsBefore = await b.listGroups(PROJECT);
        const rulesBefore = await b.listRules(PROJECT);
        await b.ensureProject(PROJECT, projectSetup(EVROC));
        expect(await b.listGroups(PROJECT)).toEqual(groupsBefore);
        expect(await b.listRules(PROJECT)).toEqual(rulesBefore);
        // A second connection sees the project as set up already.
        const other = await open();
        await other.ensureProject(PROJECT, projectSetup(EVROC));
        expect(await b.listGroups(PROJECT)).toEqual(groupsBefore);
        expect(await b.listRules(PROJECT)).toEqual(rulesBefore);
      });

      it("sets up an evroc project once when ensureProject runs concurrently on two connections", async () => {
        const b = await open();
        const other = await open();
        await Promise.all([b, other, b, other].map((x) => x.ensureProject(PROJECT, projectSetup(EVROC))));
        const list = await b.listGroups(PROJECT);
        expect(list.map((g) => g.name)).toEqual(["default-allow-egress", "default-allow-ssh", "default-allow-web-protocols"]);
        expect(await b.listRules(PROJECT)).toHaveLength(5);
        const ssh = await b.listRules(PROJECT, list[1]!.id);
        expect(ssh).toMatchObject([{ direction: "ingress", protocol: "tcp", portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "0.0.0.0/0", isDefault: true }]);
        expect(await other.getNetwork(PROJECT, "public")).toMatchObject({ id: "2f0b7a4e-0000-4000-8000-000000000004", builtin: true });
      });

      it("gives an openstack project a default group whose ingress rules admit its own members", async () => {
        const b = await project(OPENSTACK);
        const def = await b.findGroupByName(PROJECT, "default");
        expect(def).toBeDefined();
        expect(def!.description).toBe("Default security group");
        expect(def!.revisionNumber).toBe(4);
        const rules = await b.listRules(PROJECT, def!.id);
        expect(rules).toHaveLength(4);
        const ingress = rules.filter((r) => r.direction === "ingress");
        const egress = rules.filter((r) => r.direction === "egress");
        expect(ingress).toHaveLength(2);
        expect(ingress.map((r) => r.ethertype).sort()).toEqual(["IPv4", "IPv6"]);
        for (const r of ingress) expect(r).toMatchObject({ remoteGroupId: def!.id, remoteIpPrefix: null, protocol: null });
        expect(egress.map((r) => r.ethertype).sort()).toEqual(["IPv4", "IPv6"]);
        for (const r of egress) expect(r).toMatchObject({ remoteGroupId: null, remoteIpPrefix: null, protocol: null });

        await b.ensureProject(PROJECT, projectSetup(OPENSTACK));
        expect((await b.listGroups(PROJECT)).map((g) => g.id)).toEqual([def!.id]);
        expect(await b.listRules(PROJECT)).toHaveLength(4);

        // Each project has its own default group.
        await b.ensureProject("proj-b", projectSetup(OPENSTACK));
        const defB = await b.findGroupByName("proj-b", "default");
        expect(defB).toBeDefined();
        expect(defB!.id).not.toBe(def!.id);
        expect((await b.listRules("proj-b", defB!.id)).filter((r) => r.direction === "ingress").map((r) => r.remoteGroupId))
          .toEqual([defB!.id, defB!.id]);
        expect(await b.listRules(PROJECT)).toHaveLength(4);
      });
    });

    describe("networks and servers", () => {
      it("gives each network a port with a distinct fixed IP from its subnet, networks by name or id", async () => {
        const b = await project(RACKSPACE);
        const policy = attachmentPolicy(RACKSPACE);
        const s1 = await b.createServer(newServer("web-1", ["PublicNet", "ServiceNet"]), policy);
        expect(s1.status).toBe("ACTIVE");
        expect(s1.name).toBe("web-1");
        expect(s1.project).toBe(PROJECT);
        expect(s1.ports.map((p) => p.networkName)).toEqual(["PublicNet", "ServiceNet"]);
        expect(portOn(s1, "PublicNet")).toMatchObject({ serverId: s1.id, networkId: PUBLICNET, fixedIp: "198.51.100.2", securityGroupIds: [] });
        expect(portOn(s1, "ServiceNet")).toMatchObject({ serverId: s1.id, networkId: SERVICENET, fixedIp: "10.176.0.2", securityGroupIds: [] });

        // Networks by id work as well as by name.
        const s2 = await b.createServer(newServer("web-2", [PUBLICNET]), policy);
        expect(s2.ports).toHaveLength(1);
        expect(portOn(s2, "PublicNet").fixedIp).toBe("198.51.100.3");
        const s3 = await b.createServer(newServer("web-3", ["PublicNet", SERVICENET]), policy);
        expect(portOn(s3, "PublicNet").fixedIp).toBe("198.51.100.4");
        expect(portOn(s3, "ServiceNet").fixedIp).toBe("10.176.0.3");

        const portIds = [s1, s2, s3].flatMap((s) => s.ports.map((p) => p.id));
        expect(new Set(portIds).size).toBe(5);
        expect(new Set([s1.id, s2.id, s3.id]).size).toBe(3);
        expect(await b.getServer(PROJECT, s1.id)).toEqual(s1);
        expect(await b.getServer("other", s1.id)).toBeUndefined();
      });

      it("hands out addresses on a private network once, then SG_NO_ADDRESSES; SG_NAME_TAKEN for a network name", async () => {
        const b = await project(OPENSTACK);
        const net = await b.createNetwork(PROJECT, "private", ["10.9.0.0/29"]);
        expect(net).toMatchObject({ project: PROJECT, name: "private", subnets: ["10.9.0.0/29"], builtin: false });
        expect(await b.getNetwork(PROJECT, net.id)).toEqual(net);
        const dup = await rejection(b.createNetwork(PROJECT, "private", ["10.10.0.0/24"]));
        expect(dup.code).toBe("SG_NAME_TAKEN");

        // /29: .0 network, .1 gateway, .7 broadcast → .2 to .6.
        const ips: string[] = [];
        for (let i = 0; i < 5; i++) {
          const s = await b.createServer(newServer(`s${i}`, ["private"]), attachmentPolicy(OPENSTACK));
          ips.push(portOn(s, "private").fixedIp);
        }
        expect(ips).toEqual(["10.9.0.2", "10.9.0.3", "10.9.0.4", "10.9.0.5", "10.9.0.6"]);
        const full = await rejection(b.createServer(newServer("s5", ["private"]), attachmentPolicy(OPENSTACK)));
        expect(full.code).toBe("SG_NO_ADDRESSES");
      });

      it("a server is BUILD until bootSeconds have passed, then ACTIVE; ERROR after setServerError", async () => {
        const b = await project(RACKSPACE);
        const policy = attachmentPolicy(RACKSPACE);
        const slow = await b.createServer(newServer("slow", ["PublicNet"], { bootSeconds: 3 }), policy);
        expect(slow.status).toBe("BUILD");
        const boot = Date.parse(slow.activeAt) - Date.parse(slow.createdAt);
        expect(boot).toBeGreaterThanOrEqual(2900);
        expect(boot).toBeLessThanOrEqual(3100);
        expect((await b.getServer(PROJECT, slow.id))!.status).toBe("BUILD");

        const quick = await b.createServer(newServer("quick", ["PublicNet"], { bootSeconds: 1 }), policy);
        expect(quick.status).toBe("BUILD");
        const quickBoot = Date.parse(quick.activeAt) - Date.parse(quick.createdAt);
        expect(quickBoot).toBeGreaterThanOrEqual(900);
        expect(quickBoot).toBeLessThanOrEqual(1100);
        await sleep(Math.max(0, Date.parse(quick.activeAt) - Date.now()) + 50);
        const booted = await b.getServer(PROJECT, quick.id);
        expect(booted!.status).toBe("ACTIVE");
        expect(booted!.activeAt).toBe(quick.activeAt);

        await b.setServerError(PROJECT, quick.id);
        expect((await b.getServer(PROJECT, quick.id))!.status).toBe("ERROR");
        await b.setServerError(PROJECT, slow.id);
        expect((await b.getServer(PROJECT, slow.id))!.status).toBe("ERROR");
        expect((await rejection(b.setServerError(PROJECT, "nope"))).code).toBe("SG_SERVER_NOT_FOUND");
      });

      it("refuses launch groups on rackspace (SG_ATTACH_AT_BOOT) and creates nothing", async () => {
        const b = await project(RACKSPACE);
        const [g] = await groups(b, 1);
        const err = await rejection(b.createServer(newServer("web-1", ["PublicNet"], { securityGroupIds: [g!] }), attachmentPolicy(RACKSPACE)));
        expect(err.code).toBe("SG_ATTACH_AT_BOOT");
        expect(err.details.property).toBe("securityGroupIds");
        expect(err.message).toContain("rackspace");
        // The address was not taken: the next server gets the first one.
        const s = await b.createServer(newServer("web-1", ["PublicNet"]), attachmentPolicy(RACKSPACE));
        expect(portOn(s, "PublicNet").fixedIp).toBe("198.51.100.2");
      });

      it("puts openstack's default group on every port of a server launched without groups", async () => {
        const b = await project(OPENSTACK);
        await b.createNetwork(PROJECT, "private", ["10.0.0.0/24"]);
        const def = (await b.findGroupByName(PROJECT, "default"))!;
        const s = await b.createServer(newServer("vm", ["public", "private"]), attachmentPolicy(OPENSTACK));
        expect(s.ports).toHaveLength(2);
        for (const p of s.ports) expect(p.securityGroupIds).toEqual([def.id]);
        expect(portOn(s, "public").fixedIp).toBe("203.0.113.2");
        expect(portOn(s, "private").fixedIp).toBe("10.0.0.2");

        // Launched with groups: those, and not the default group.
        const [a, c] = await groups(b, 2);
        const t = await b.createServer(newServer("vm2", ["public", "private"], { securityGroupIds: [a!, c!] }), attachmentPolicy(OPENSTACK));
        for (const p of t.ports) expect(p.securityGroupIds).toEqual([a!, c!].sort());
      });

      it("puts meshcloud's default group and evroc's default-allow-egress on a server launched without groups", async () => {
        const mesh = await project(MESHCLOUD);
        const def = (await mesh.findGroupByName(PROJECT, "default"))!;
        const m = await mesh.createServer(newServer("vm", ["public"]), attachmentPolicy(MESHCLOUD));
        expect(portOn(m, "public").securityGroupIds).toEqual([def.id]);

        const b = await project(EVROC, "proj-evroc");
        const egress = (await b.findGroupByName("proj-evroc", "default-allow-egress"))!;
        const s = await b.createServer(newServer("vm", ["public"], { project: "proj-evroc" }), attachmentPolicy(EVROC));
        expect(portOn(s, "public").securityGroupIds).toEqual([egress.id]);
      });

      it("names the unknown network (SG_NETWORK_NOT_FOUND, networks[i]) and the unknown group", async () => {
        const b = await project(OPENSTACK);
        const e0 = await rejection(b.createServer(newServer("vm", ["nowhere"]), attachmentPolicy(OPENSTACK)));
        expect(e0.code).toBe("SG_NETWORK_NOT_FOUND");
        expect(e0.details.property).toBe("networks[0]");
        expect(e0.message).toContain("nowhere");
        const e1 = await rejection(b.createServer(newServer("vm", ["public", "nowhere"]), attachmentPolicy(OPENSTACK)));
        expect(e1.code).toBe("SG_NETWORK_NOT_FOUND");
        expect(e1.details.property).toBe("networks[1]");

        const [g] = await groups(b, 1);
        const e2 = await rejection(b.createServer(newServer("vm", ["public"], { securityGroupIds: [g!, "no-such-group"] }), attachmentPolicy(OPENSTACK)));
        expect(e2.code).toBe("SG_GROUP_NOT_FOUND");
        expect(e2.details.property).toBe("securityGroupIds[1]");
        // Nothing was created: the first address is still free.
        const s = await b.createServer(newServer("vm", ["public"]), attachmentPolicy(OPENSTACK));
        expect(portOn(s, "public").fixedIp).toBe("203.0.113.2");
      });

      it("refuses more launch groups than groupsPerPort (SG_LIMIT_GROUPS_PER_PORT)", async () => {
        const custom: Profile = { ...RACKSPACE, name: "two-per-port", groupsAtLaunch: true, groupsPerPort: 2 };
        const policy = attachmentPolicy(custom);
        expect(policy).toMatchObject({ profile: "two-per-port", groupsAtLaunch: true, groupsPerPort: 2 });
        const b = await project(custom);
        const [a, c, d] = await groups(b, 3);
        const err = await rejection(b.createServer(newServer("big", ["PublicNet"], { securityGroupIds: [a!, c!, d!] }), policy));
        expect(err.code).toBe("SG_LIMIT_GROUPS_PER_PORT");
        expect(err.details.property).toBe("securityGroupIds");
        expect(err.message).toContain("big");
        expect(err.message).toContain("two-per-port");

        const ok = await b.createServer(newServer("ok", ["PublicNet", "ServiceNet"], { securityGroupIds: [a!, c!] }), policy);
        expect(portOn(ok, "PublicNet").securityGroupIds).toEqual([a!, c!].sort());
        expect(portOn(ok, "ServiceNet").securityGroupIds).toEqual([a!, c!].sort());
        expect(portOn(ok, "PublicNet").fixedIp).toBe("198.51.100.2");
      });

      it("createServer refuses to launch below the profile's minimum (meshcloud, explicit no groups: SG_MIN_GROUPS)", async () => {
        const b = await project(MESHCLOUD);
        const { launchGroup: _none, ...noLaunchGroup } = attachmentPolicy(MESHCLOUD);
        const err = await rejection(b.createServer(newServer("vm", ["public"]), noLaunchGroup));
        expect(err.code).toBe("SG_MIN_GROUPS");
        expect(err.details.property).toBe("securityGroupIds");
      });

      it("serverProject finds a server's project by id alone", async () => {
        const b = await project(OPENSTACK);
        const s = await b.createServer(newServer("vm", ["public"]), attachmentPolicy(OPENSTACK));
        expect(await b.serverProject(s.id)).toBe(PROJECT);
        expect(await b.serverProject("nope")).toBeUndefined();
      });

      it("deleteServer removes the server, its ports and its attachments", async () => {
        const b = await project(RACKSPACE);
        const policy = attachmentPolicy(RACKSPACE);
        const [g1, g2] = await groups(b, 2);
        const s = await b.createServer(newServer("web-1", ["PublicNet", "ServiceNet"]), policy);
        const a1 = await b.createAttachment(PROJECT, s.id, g1!, "PublicNet", policy);
        const a2 = await b.createAttachment(PROJECT, s.id, g2!, null, policy);

        expect(await b.deleteServer(PROJECT, s.id)).toBe(true);
        expect(await b.getServer(PROJECT, s.id)).toBeUndefined();
        expect(await b.getAttachment(PROJECT, a1.id)).toBeUndefined();
        expect(await b.getAttachment(PROJECT, a2.id)).toBeUndefined();
        // No port holds the groups any more.
        expect(await b.deleteGroup(PROJECT, g1!)).toBe(true);
        expect(await b.deleteGroup(PROJECT, g2!)).toBe(true);
        expect(await b.deleteServer(PROJECT, s.id)).toBe(false);
      });

      it("deleteServer does not delete through another project", async () => {
        const b = await project(RACKSPACE);
        const s = await b.createServer(newServer("web-1", ["PublicNet"]), attachmentPolicy(RACKSPACE));
        expect(await b.deleteServer("other", s.id)).toBe(false);
        expect((await b.getServer(PROJECT, s.id))?.id).toBe(s.id);
      });

      it("deleteNetwork refuses a network with ports (SG_IN_USE) and deletes it without", async () => {
        const b = await project(OPENSTACK);
        const net = await b.createNetwork(PROJECT, "private", ["10.0.0.0/24"]);
        const s = await b.createServer(newServer("app-1", ["private"]), attachmentPolicy(OPENSTACK));

        const err = await rejection(b.deleteNetwork(PROJECT, net.id));
        expect(err.code).toBe("SG_IN_USE");
        expect(err.message).toContain("app-1");
        expect(await b.getNetwork(PROJECT, net.id)).toEqual(net);
        expect(portOn(await b.getServer(PROJECT, s.id), "private").fixedIp).toBe("10.0.0.2");

        expect(await b.deleteServer(PROJECT, s.id)).toBe(true);
        expect(await b.deleteNetwork(PROJECT, net.id)).toBe(true);
        expect(await b.getNetwork(PROJECT, net.id)).toBeUndefined();
        expect(await b.getNetwork(PROJECT, "private")).toBeUndefined();
        expect(await b.deleteNetwork(PROJECT, net.id)).toBe(false);

        const empty = await b.createNetwork(PROJECT, "empty", ["10.1.0.0/24"]);
        expect(await b.deleteNetwork(PROJECT, empty.id)).toBe(true);
      });

      it("deleteNetwork never removes a built-in network (SG_IN_USE): the project could not get it back", async () => {
        // types.ts: "Deletes a private network"; DESIGN.md: every project has its profile's networks.
        // An imported Network resource pointing at PublicNet must not take PublicNet with it on destroy.
        const b = await project(RACKSPACE);
        const before = await b.getNetwork(PROJECT, PUBLICNET);
        const err = await rejection(b.deleteNetwork(PROJECT, PUBLICNET));
        expect(err.code).toBe("SG_IN_USE");
        expect(err.details.property).toBe("id");
        expect(await b.getNetwork(PROJECT, PUBLICNET)).toEqual(before);
        // ensureProject does not recreate it, so it has to survive.
        await b.ensureProject(PROJECT, projectSetup(RACKSPACE));
        const s = await b.createServer(newServer("web-1", ["PublicNet"]), attachmentPolicy(RACKSPACE));
        expect(portOn(s, "PublicNet").networkId).toBe(PUBLICNET);
      });
    });

    describe("managers and names", () => {
      it("records the URN that manages a rule at create, changes it on adoption, and leaves default rules unmanaged", async () => {
        const b = await open();
        const g = await b.createGroup(newGroup("web", { defaultRules: OPENSTACK.newGroupRules }));
        const urn = "urn:pulumi:dev::shop::pulumi-nodejs:dynamic/secgroups:SecurityGroupRule::ssh";
        const managed = await b.createRule({ ...rule(g.group.id, SSH), managedBy: urn }, NO_LIMITS);
        expect(managed.managedBy).toBe(urn);
        const byHand = await b.createRule(rule(g.group.id, sshOn(443)), NO_LIMITS);
        expect(byHand.managedBy).toBeUndefined();
        const all = await b.listRules(PROJECT, g.group.id);
        expect(all.map((r) => [r.isDefault, r.managedBy ?? null])).toEqual([[true, null], [true, null], [false, urn], [false, null]]);
        await b.setRuleManagedBy(PROJECT, byHand.id, "urn:pulumi:dev::shop::x::https");
        expect((await b.getRule(PROJECT, byHand.id))!.managedBy).toBe("urn:pulumi:dev::shop::x::https");
        // Another project's rule is not touched by an update in this one.
        await b.setRuleManagedBy("other", managed.id, "urn:other");
        expect((await b.getRule(PROJECT, managed.id))!.managedBy).toBe(urn);
      });

      it("finds a group's project by its id", async () => {
        const b = await open();
        const g = await b.createGroup(newGroup("web", { project: "proj-b" }));
        expect(await b.groupProject(g.group.id)).toBe("proj-b");
        expect(await b.groupProject("no-such-group")).toBeUndefined();
      });

      it("takes a group of the server's project by name in an attachment, a swap and a launch, and stores its id", async () => {
        const b = await project(EVROC);
        const evroc = attachmentPolicy(EVROC);
        const ssh = (await b.findGroupByName(PROJECT, "default-allow-ssh"))!;
        const web = (await b.findGroupByName(PROJECT, "default-allow-web-protocols"))!;
        const s = await b.createServer(newServer("vm-1", ["public"]), evroc);
        const a = await b.createAttachment(PROJECT, s.id, "default-allow-ssh", null, evroc);
        expect(a.securityGroupId).toBe(ssh.id);
        expect(await groupsOn(b, s.id, "public")).toEqual([ssh.id]);
        const swapped = await b.swapAttachment(PROJECT, a.id, "default-allow-web-protocols", evroc);
        expect(swapped.securityGroupId).toBe(web.id);
        expect(await groupsOn(b, s.id, "public")).toEqual([web.id]);
        const launched = await b.createServer(newServer("vm-2", ["public"], { securityGroupIds: ["default-allow-ssh"] }), evroc);
        expect(portOn(launched, "public").securityGroupIds).toEqual([ssh.id]);
        const missing = await rejection(b.createAttachment(PROJECT, s.id, "no-such-group", null, evroc));
        expect(missing.code).toBe("SG_GROUP_NOT_FOUND");
        expect(missing.details.property).toBe("securityGroupId");
      });
    });

    describe("attachments", () => {
      const POLICY = attachmentPolicy(RACKSPACE);

      it("rackspace: takes five groups on a PublicNet port and refuses the sixth, naming server, network and profile; the limit is per port", async () => {
        const b = await project(RACKSPACE);
        const ids = await groups(b, 7);
        const s = await b.createServer(newServer("web-1", ["PublicNet", "ServiceNet"]), POLICY);
        const publicPort = portOn(s, "PublicNet");

        for (const g of ids.slice(0, 5)) {
          const a = await b.createAttachment(PROJECT, s.id, g, "PublicNet", POLICY);
          expect(a).toMatchObject({ project: PROJECT, serverId: s.id, securityGroupId: g, networkId: PUBLICNET, portIds: [publicPort.id] });
          expect(await b.getAttachment(PROJECT, a.id)).toEqual(a);
        }
        expect(await groupsOn(b, s.id, "PublicNet")).toEqual(ids.slice(0, 5).sort());

        const err = await rejection(b.createAttachment(PROJECT, s.id, ids[5]!, "PublicNet", POLICY));
        expect(err.code).toBe("SG_LIMIT_GROUPS_PER_PORT");
        expect(err.details.property).toBe("securityGroupId");
        expect(err.message).toContain("web-1");
        expect(err.message).toContain("PublicNet");
        expect(err.message).toContain("rackspace");
        expect(await groupsOn(b, s.id, "PublicNet")).toEqual(ids.slice(0, 5).sort());

        // By network id: the same port, the same limit.
        const byId = await rejection(b.createAttachment(PROJECT, s.id, ids[6]!, PUBLICNET, POLICY));
        expect(byId.code).toBe("SG_LIMIT_GROUPS_PER_PORT");
        expect(await groupsOn(b, s.id, "PublicNet")).toHaveLength(5);

        // The limit is per port: ServiceNet still takes groups.
        const svc = await b.createAttachment(PROJECT, s.id, ids[5]!, SERVICENET, POLICY);
        expect(svc.networkId).toBe(SERVICENET);
        expect(svc.portIds).toEqual([portOn(s, "ServiceNet").id]);
        expect(await groupsOn(b, s.id, "ServiceNet")).toEqual([ids[5]]);
        expect(await groupsOn(b, s.id, "PublicNet")).toEqual(ids.slice(0, 5).sort());
      });

      it("refuses a port on a private network (SG_NETWORK_NOT_ATTACHABLE)", async () => {
        const b = await project(RACKSPACE);
        await b.createNetwork(PROJECT, "backend", ["192.168.10.0/24"]);
        const [g] = await groups(b, 1);
        const s = await b.createServer(newServer("web-1", ["PublicNet", "backend"]), POLICY);
        const err = await rejection(b.createAttachment(PROJECT, s.id, g!, "backend", POLICY));
        expect(err.code).toBe("SG_NETWORK_NOT_ATTACHABLE");
        expect(err.details.property).toBe("network");
        expect(err.message).toContain("backend");
        expect(err.message).toContain("rackspace");
        expect(await groupsOn(b, s.id, "backend")).toEqual([]);
        expect(await groupsOn(b, s.id, "PublicNet")).toEqual([]);
      });

      it("refuses a server that is BUILD or ERROR (SG_SERVER_NOT_ACTIVE)", async () => {
        const b = await project(RACKSPACE);
        const [g] = await groups(b, 1);
        const booting = await b.createServer(newServer("booting", ["PublicNet"], { bootSeconds: 30 }), POLICY);
        const e1 = await rejection(b.createAttachment(PROJECT, booting.id, g!, "PublicNet", POLICY));
        expect(e1.code).toBe("SG_SERVER_NOT_ACTIVE");
        expect(e1.details.property).toBe("serverId");
        expect(e1.message).toContain("BUILD");
        expect(await groupsOn(b, booting.id, "PublicNet")).toEqual([]);

        const broken = await b.createServer(newServer("broken", ["PublicNet"]), POLICY);
        await b.setServerError(PROJECT, broken.id);
        const e2 = await rejection(b.createAttachment(PROJECT, broken.id, g!, "PublicNet", POLICY));
        expect(e2.code).toBe("SG_SERVER_NOT_ACTIVE");
        expect(e2.message).toContain("ERROR");
        expect(await groupsOn(b, broken.id, "PublicNet")).toEqual([]);
      });

      it("reports a missing server, group or network", async () => {
        const b = await project(RACKSPACE);
        const [g] = await groups(b, 1);
        const s = await b.createServer(newServer("web-1", ["PublicNet"]), POLICY);

        const noServer = await rejection(b.createAttachment(PROJECT, "no-such-server", g!, "PublicNet", POLICY));
        expect(noServer.code).toBe("SG_SERVER_NOT_FOUND");
        expect(noServer.details.property).toBe("serverId");
        const noGroup = await rejection(b.createAttachment(PROJECT, s.id, "no-such-group", "PublicNet", POLICY));
        expect(noGroup.code).toBe("SG_GROUP_NOT_FOUND");
        expect(noGroup.details.property).toBe("securityGroupId");
        const otherProject = await rejection(b.createAttachment("other", s.id, g!, "PublicNet", POLICY));
        expect(otherProject.code).toBe("SG_SERVER_NOT_FOUND");
        const noNetwork = await rejection(b.createAttachment(PROJECT, s.id, g!, "nowhere", POLICY));
        expect(noNetwork.code).toBe("SG_NETWORK_NOT_FOUND");
        expect(noNetwork.details.property).toBe("network");
        // ServiceNet exists, but the server has no port there.
        const noPort = await rejection(b.createAttachment(PROJECT, s.id, g!, "ServiceNet", POLICY));
        expect(noPort.code).toBe("SG_NETWORK_NOT_FOUND");
        expect(await groupsOn(b, s.id, "PublicNet")).toEqual([]);
      });

      it("refuses the same group twice on one port (SG_ALREADY_ATTACHED)", async () => {
        const b = await project(RACKSPACE);
        const [g] = await groups(b, 1);
        const s = await b.createServer(newServer("web-1", ["PublicNet"]), POLICY);
        const first = await b.createAttachment(PROJECT, s.id, g!, "PublicNet", POLICY);
        const err = await rejection(b.createAttachment(PROJECT, s.id, g!, "PublicNet", POLICY));
        expect(err.code).toBe("SG_ALREADY_ATTACHED");
        expect(err.details.property).toBe("securityGroupId");
        expect(err.message).toContain("web-1");
        expect(await groupsOn(b, s.id, "PublicNet")).toEqual([g]);
        expect(await b.getAttachment(PROJECT, first.id)).toEqual(first);
      });

      it("with network null attaches on every attachable network of the server, not on a private one", async () => {
        const b = await project(RACKSPACE);
        await b.createNetwork(PROJECT, "backend", ["192.168.10.0/24"]);
        const [g] = await groups(b, 1);
        const s = await b.createServer(newServer("web-1", ["PublicNet", "ServiceNet", "backend"]), POLICY);
        const a = await b.createAttachment(PROJECT, s.id, g!, null, POLICY);
        expect(a.networkId).toBeNull();
        expect(a.portIds).toEqual([portOn(s, "PublicNet").id, portOn(s, "ServiceNet").id].sort());
        expect(await groupsOn(b, s.id, "PublicNet")).toEqual([g]);
        expect(await groupsOn(b, s.id, "ServiceNet")).toEqual([g]);
        expect(await groupsOn(b, s.id, "backend")).toEqual([]);
        expect(await b.getAttachment(PROJECT, a.id)).toEqual(a);

        // A server on private networks only has nowhere to take a group.
        const hidden = await b.createServer(newServer("hidden", ["backend"]), POLICY);
        const err = await rejection(b.createAttachment(PROJECT, hidden.id, g!, null, POLICY));
        expect(err.code).toBe("SG_NETWORK_NOT_ATTACHABLE");
      });

      it("refuses stateful and stateless groups on one port (SG_STATEFUL_MIX), either way round", async () => {
        const b = await project(RACKSPACE);
        const stateful = (await b.createGroup(newGroup("stateful"))).group.id;
        const stateless = (await b.createGroup(newGroup("stateless", { stateful: false }))).group.id;
        const s1 = await b.createServer(newServer("web-1", ["PublicNet"]), POLICY);
        await b.createAttachment(PROJECT, s1.id, stateful, "PublicNet", POLICY);
        const e1 = await rejection(b.createAttachment(PROJECT, s1.id, stateless, "PublicNet", POLICY));
        expect(e1.code).toBe("SG_STATEFUL_MIX");
        expect(e1.details.property).toBe("securityGroupId");
        expect(e1.message).toContain("stateless");
        expect(await groupsOn(b, s1.id, "PublicNet")).toEqual([stateful]);

        const s2 = await b.createServer(newServer("web-2", ["PublicNet"]), POLICY);
        await b.createAttachment(PROJECT, s2.id, stateless, "PublicNet", POLICY);
        const e2 = await rejection(b.createAttachment(PROJECT, s2.id, stateful, "PublicNet", POLICY));
        expect(e2.code).toBe("SG_STATEFUL_MIX");
        expect(await groupsOn(b, s2.id, "PublicNet")).toEqual([stateless]);
      });

      it("refuses to flip stateful on an attached group (SG_IN_USE on stateful), and allows it once detached", async () => {
        const b = await project(RACKSPACE);
        const s = await b.createServer(newServer("web-1", ["PublicNet"]), POLICY);
        const g = await b.createGroup(newGroup("app"));
        const a = await b.createAttachment(PROJECT, s.id, g.group.id, "PublicNet", POLICY);
        const err = await rejection(b.updateGroup(PROJECT, g.group.id, { stateful: false }));
        expect(err.code).toBe("SG_IN_USE");
        expect(err.details.property).toBe("stateful");
        expect((await b.getGroup(PROJECT, g.group.id))?.group.stateful).toBe(true);
        expect(await b.deleteAttachment(PROJECT, a.id, POLICY)).toBe(true);
        expect((await b.updateGroup(PROJECT, g.group.id, { stateful: false })).group.stateful).toBe(false);
      });

      it("swapAttachment swaps a group on a full port in place: still five, old gone, new present", async () => {
        const b = await project(RACKSPACE);
        const ids = await groups(b, 6);
        const s = await b.createServer(newServer("web-1", ["PublicNet"]), POLICY);
        const attachments: AttachmentRecord[] = [];
        for (const g of ids.slice(0, 5)) attachments.push(await b.createAttachment(PROJECT, s.id, g, "PublicNet", POLICY));

        const before = attachments[2]!;
        const swapped = await b.swapAttachment(PROJECT, before.id, ids[5]!, POLICY);
        expect(swapped).toEqual({ ...before, securityGroupId: ids[5] });
        expect(await b.getAttachment(PROJECT, before.id)).toEqual(swapped);

        const now = await groupsOn(b, s.id, "PublicNet");
        expect(now).toHaveLength(5);
        expect(now).not.toContain(ids[2]);
        expect(now).toContain(ids[5]);
        expect(now).toEqual([...ids.slice(0, 2), ...ids.slice(3, 6)].sort());
        // The other attachments are untouched.
        for (const a of [attachments[0]!, attachments[1]!, attachments[3]!, attachments[4]!]) {
          expect(await b.getAttachment(PROJECT, a.id)).toEqual(a);
        }
        // The swapped-out group is free again.
        expect(await b.deleteGroup(PROJECT, ids[2]!)).toBe(true);
      });

      it("swapAttachment refuses a group already on the port (SG_ALREADY_ATTACHED) and changes nothing", async () => {
        const b = await project(RACKSPACE);
        const ids = await groups(b, 5);
        const s = await b.createServer(newServer("web-1", ["PublicNet"]), POLICY);
        const attachments: AttachmentRecord[] = [];
        for (const g of ids) attachments.push(await b.createAttachment(PROJECT, s.id, g, "PublicNet", POLICY));

        const err = await rejection(b.swapAttachment(PROJECT, attachments[0]!.id, ids[1]!, POLICY));
        expect(err.code).toBe("SG_ALREADY_ATTACHED");
        expect(err.details.property).toBe("securityGroupId");
        expect(await groupsOn(b, s.id, "PublicNet")).toEqual([...ids].sort());
        expect(await b.getAttachment(PROJECT, attachments[0]!.id)).toEqual(attachments[0]);

        const missingGroup = await rejection(b.swapAttachment(PROJECT, attachments[0]!.id, "no-such-group", POLICY));
        expect(missingGroup.code).toBe("SG_GROUP_NOT_FOUND");
        const missingAttachment = await rejection(b.swapAttachment(PROJECT, "no-such-attachment", ids[0]!, POLICY));
        expect(missingAttachment.code).toBe("SG_NOT_FOUND");
        expect(await groupsOn(b, s.id, "PublicNet")).toEqual([...ids].sort());
      });

      it("swapAttachment swaps on every port of a network-null attachment, and refuses a stateful mix", async () => {
        const b = await project(RACKSPACE);
        const [g1, g2, keep] = await groups(b, 3);
        const stateless = (await b.createGroup(newGroup("stateless", { stateful: false }))).group.id;
        const s = await b.createServer(newServer("web-1", ["PublicNet", "ServiceNet"]), POLICY);
        await b.createAttachment(PROJECT, s.id, keep!, "PublicNet", POLICY);
        const a = await b.createAttachment(PROJECT, s.id, g1!, null, POLICY);
        const swapped = await b.swapAttachment(PROJECT, a.id, g2!, POLICY);
        expect(swapped.portIds).toEqual(a.portIds);
        expect(await groupsOn(b, s.id, "PublicNet")).toEqual([g2!, keep!].sort());
        expect(await groupsOn(b, s.id, "ServiceNet")).toEqual([g2]);

        const err = await rejection(b.swapAttachment(PROJECT, a.id, stateless, POLICY));
        expect(err.code).toBe("SG_STATEFUL_MIX");
        expect(await groupsOn(b, s.id, "PublicNet")).toEqual([g2!, keep!].sort());
        expect(await groupsOn(b, s.id, "ServiceNet")).toEqual([g2]);
      });

      it("evroc: drops default-allow-egress when a custom group is attached and restores it when the last one goes", async () => {
        const b = await project(EVROC);
        const policy = attachmentPolicy(EVROC);
        const egress = (await b.findGroupByName(PROJECT, "default-allow-egress"))!.id;
        const [c1, c2] = await groups(b, 2, "custom");
        const s = await b.createServer(newServer("vm", ["public"]), policy);
        expect(portOn(s, "public").securityGroupIds).toEqual([egress]);

        const a1 = await b.createAttachment(PROJECT, s.id, c1!, "public", policy);
        expect(await groupsOn(b, s.id, "public")).toEqual([c1]);
        const a2 = await b.createAttachment(PROJECT, s.id, c2!, "public", policy);
        expect(await groupsOn(b, s.id, "public")).toEqual([c1!, c2!].sort());

        // One custom group left: no fallback.
        expect(await b.deleteAttachment(PROJECT, a1.id, policy)).toBe(true);
        expect(await groupsOn(b, s.id, "public")).toEqual([c2]);
        // The last one gone: the fallback is back.
        expect(await b.deleteAttachment(PROJECT, a2.id, policy)).toBe(true);
        expect(await groupsOn(b, s.id, "public")).toEqual([egress]);
        expect(await b.deleteAttachment(PROJECT, a2.id, policy)).toBe(false);
        expect(await b.getAttachment(PROJECT, a2.id)).toBeUndefined();

        // And it goes again with the next custom group.
        await b.createAttachment(PROJECT, s.id, c1!, null, policy);
        expect(await groupsOn(b, s.id, "public")).toEqual([c1]);
      });

      it("meshcloud: detaching an attached group leaves the launch group", async () => {
        const b = await project(MESHCLOUD);
        const policy = attachmentPolicy(MESHCLOUD);
        expect(policy.minGroupsPerServer).toBe(1);
        const def = (await b.findGroupByName(PROJECT, "default"))!.id;
        const [x] = await groups(b, 1, "x");
        const s = await b.createServer(newServer("vm", ["public"]), policy);
        expect(portOn(s, "public").securityGroupIds).toEqual([def]);

        const a = await b.createAttachment(PROJECT, s.id, x!, "public", policy);
        expect(await groupsOn(b, s.id, "public")).toEqual([def, x!].sort());
        expect(await b.deleteAttachment(PROJECT, a.id, policy)).toBe(true);
        expect(await groupsOn(b, s.id, "public")).toEqual([def]);
        expect(await b.getAttachment(PROJECT, a.id)).toBeUndefined();
      });

      it("deleteAttachment refuses to go below minGroupsPerServer (SG_MIN_GROUPS) and keeps the attachment", async () => {
        const b = await project(OPENSTACK);
        const policy: AttachmentPolicy = { ...attachmentPolicy(OPENSTACK), minGroupsPerServer: 2 };
        const def = (await b.findGroupByName(PROJECT, "default"))!.id;
        const [x] = await groups(b, 1, "x");
        // Launched under openstack's own policy (a launch below the minimum is refused).
        const s = await b.createServer(newServer("vm", ["public"]), attachmentPolicy(OPENSTACK));
        const a = await b.createAttachment(PROJECT, s.id, x!, "public", policy);
        expect(await groupsOn(b, s.id, "public")).toEqual([def, x!].sort());

        const err = await rejection(b.deleteAttachment(PROJECT, a.id, policy));
        expect(err.code).toBe("SG_MIN_GROUPS");
        expect(err.message).toContain("vm");
        expect(err.message).toContain("openstack");
        // Rolled back: the attachment and the port's groups are as they were.
        expect(await b.getAttachment(PROJECT, a.id)).toEqual(a);
        expect(await groupsOn(b, s.id, "public")).toEqual([def, x!].sort());

        // With a third group attached, one may go.
        const [y] = await groups(b, 1, "y");
        await b.createAttachment(PROJECT, s.id, y!, "public", policy);
        expect(await b.deleteAttachment(PROJECT, a.id, policy)).toBe(true);
        expect(await groupsOn(b, s.id, "public")).toEqual([def, y!].sort());
      });

      it("deleteGroup refuses an attached group (SG_IN_USE naming server and network) and deletes it once detached", async () => {
        const b = await project(RACKSPACE);
        const g = await b.createGroup(newGroup("web"));
        const s = await b.createServer(newServer("web-1", ["PublicNet"]), POLICY);
        const a = await b.createAttachment(PROJECT, s.id, g.group.id, "PublicNet", POLICY);

        const err = await rejection(b.deleteGroup(PROJECT, g.group.id));
        expect(err.code).toBe("SG_IN_USE");
        expect(err.details.property).toBe("id");
        expect(err.message).toContain("web-1");
        expect(err.message).toContain("PublicNet");
        expect(await b.getGroup(PROJECT, g.group.id)).toEqual(g);
        expect(await b.getAttachment(PROJECT, a.id)).toEqual(a);
        expect(await groupsOn(b, s.id, "PublicNet")).toEqual([g.group.id]);

        expect(await b.deleteAttachment(PROJECT, a.id, POLICY)).toBe(true);
        expect(await b.deleteGroup(PROJECT, g.group.id)).toBe(true);
        expect(await b.getGroup(PROJECT, g.group.id)).toBeUndefined();
      });

      it("deleteGroup refuses a group another group's rule points at (SG_IN_USE naming the rule) and deletes it once the rule is gone", async () => {
        const b = await project(OPENSTACK);
        const target = await b.createGroup(newGroup("db", { defaultRules: [{ direction: "egress", ethertype: "IPv4" }] }));
        const holder = await b.createGroup(newGroup("app"));
        const r = await b.createRule(rule(holder.group.id, { protocol: "tcp", portRangeMin: 5432, portRangeMax: 5432, remoteGroupId: target.group.id }), NO_LIMITS);

        const err = await rejection(b.deleteGroup(PROJECT, target.group.id));
        expect(err.code).toBe("SG_IN_USE");
        expect(err.message).toContain(r.id);
        expect(err.message).toContain("app");
        expect((await b.getGroup(PROJECT, target.group.id))?.group.id).toBe(target.group.id);
        expect(await b.listRules(PROJECT, target.group.id)).toHaveLength(1);
        expect(await b.getRule(PROJECT, r.id)).toEqual(r);

        expect(await b.deleteRule(PROJECT, r.id)).toBe(true);
        expect(await b.deleteGroup(PROJECT, target.group.id)).toBe(true);
        expect(await b.listRules(PROJECT, target.group.id)).toEqual([]);
      });

      it("deleteGroup does not count a group's own rules pointing at itself", async () => {
        const b = await project(OPENSTACK);
        const g = await b.createGroup(newGroup("cluster"));
        await b.createRule(rule(g.group.id, { remoteGroupId: g.group.id }), NO_LIMITS);
        expect(await b.deleteGroup(PROJECT, g.group.id)).toBe(true);
      });
    });

    describe("client tokens: a create retried after a crash returns what the first attempt made", () => {
      const TOKEN = "urn:pulumi:dev::p::pulumi-nodejs:dynamic/secgroups:X::x#0123456789abcdef0123456789abcdef";

      it("group, rule, network, server and attachment: same token → same object, nothing new; another token → the usual error", async () => {
        const b = await project(OPENSTACK);
        const policy = attachmentPolicy(OPENSTACK);
        const g = await b.createGroup(newGroup("web", { defaultRules: EGRESS_ANY, clientToken: `${TOKEN}g` }));
        expect(await b.createGroup(newGroup("web", { defaultRules: EGRESS_ANY, clientToken: `${TOKEN}g` }))).toEqual(g);
        expect((await rejection(b.createGroup(newGroup("web", { clientToken: `${TOKEN}other` })))).code).toBe("SG_NAME_TAKEN");

        const r = await b.createRule({ ...rule(g.group.id, SSH), clientToken: `${TOKEN}r` }, NO_LIMITS);
        expect(await b.createRule({ ...rule(g.group.id, SSH), clientToken: `${TOKEN}r` }, NO_LIMITS)).toEqual(r);
        expect((await rejection(b.createRule({ ...rule(g.group.id, SSH), clientToken: `${TOKEN}r2` }, NO_LIMITS))).code).toBe("SG_RULE_EXISTS");
        // The retry did not bump the group's revision a second time: 2 default rules + 1 rule.
        expect((await b.getGroup(PROJECT, g.group.id))!.group.revisionNumber).toBe(3);

        const n = await b.createNetwork(PROJECT, "private", ["10.9.0.0/24"], `${TOKEN}n`);
        expect(await b.createNetwork(PROJECT, "private", ["10.9.0.0/24"], `${TOKEN}n`)).toEqual(n);

        const s = await b.createServer(newServer("web-1", ["private"], { clientToken: `${TOKEN}s` }), policy);
        expect((await b.createServer(newServer("web-1", ["private"], { clientToken: `${TOKEN}s` }), policy)).id).toBe(s.id);
        // Servers are not name-unique: without the token the same request makes a second server.
        const other = await b.createServer(newServer("web-1", ["private"], { clientToken: `${TOKEN}s2` }), policy);
        expect(other.id).not.toBe(s.id);
        expect((await b.listServers(PROJECT)).map((x) => x.id).sort()).toEqual([s.id, other.id].sort());

        const a = await b.createAttachment(PROJECT, s.id, g.group.id, null, policy, `${TOKEN}a`);
        expect(await b.createAttachment(PROJECT, s.id, g.group.id, null, policy, `${TOKEN}a`)).toEqual(a);
        expect((await rejection(b.createAttachment(PROJECT, s.id, g.group.id, null, policy, `${TOKEN}a2`))).code).toBe("SG_ALREADY_ATTACHED");
        expect(await b.listAttachments(PROJECT)).toEqual([a]);
        expect(await b.checkIntegrity()).toStrictEqual([]);
      });

      it("once forgotten (the engine recorded the object), the same token makes a new object", async () => {
        const b = await project(OPENSTACK);
        const policy = attachmentPolicy(OPENSTACK);
        const s = await b.createServer(newServer("web-1", ["public"], { clientToken: TOKEN }), policy);
        await b.forgetClientToken(PROJECT, s.id);
        await b.forgetClientToken(PROJECT, s.id); // nothing left to forget: a no-op
        expect((await b.createServer(newServer("web-1", ["public"], { clientToken: TOKEN }), policy)).id).not.toBe(s.id);
        const g = await b.createGroup(newGroup("web", { clientToken: TOKEN }));
        await b.forgetClientToken(PROJECT, g.group.id);
        expect((await rejection(b.createGroup(newGroup("web", { clientToken: TOKEN })))).code).toBe("SG_NAME_TAKEN");
        // Forgetting in another project touches nothing here.
        const kept = await b.createGroup(newGroup("app", { clientToken: `${TOKEN}app` }));
        await b.forgetClientToken("other", kept.group.id);
        expect((await b.createGroup(newGroup("app", { clientToken: `${TOKEN}app` }))).group.id).toBe(kept.group.id);
      });

      it("a token only counts in its project", async () => {
        const b = await project(OPENSTACK);
        const g = await b.createGroup(newGroup("web", { clientToken: TOKEN }));
        const elsewhere = await b.createGroup(newGroup("web", { project: "other", clientToken: TOKEN }));
        expect(elsewhere.group.id).not.toBe(g.group.id);
        expect(elsewhere.group.project).toBe("other");
      });
    });

    describe("names are data, never SQL or patterns", () => {
      it("stores group names, descriptions and tags with quotes, semicolons, %, _, backslashes and non-ASCII verbatim", async () => {
        const b = await open();
        const created: GroupState[] = [];
        for (const [i, text] of AWKWARD.entries()) {
          const state = await b.createGroup(newGroup(text, { description: `about ${text}`, tags: [text, `tag-${i}`] }));
          expect(state.group).toMatchObject({ name: text, description: `about ${text}`, tags: [text, `tag-${i}`].sort() });
          created.push(state);
        }
        for (const [i, text] of AWKWARD.entries()) {
          expect(await b.getGroup(PROJECT, created[i]!.group.id)).toEqual(created[i]);
          expect(await b.findGroupByName(PROJECT, text)).toEqual(created[i]!.group);
        }
        expect((await b.listGroups(PROJECT)).map((g) => g.name)).toEqual(byteOrder(AWKWARD));
        // Every table survived the names that look like SQL.
        expect(await b.listRules(PROJECT)).toEqual([]);

        // An exact duplicate is SG_NAME_TAKEN, and the error shows the name as it was given.
        const dup = await rejection(b.createGroup(newGroup(AWKWARD[1]!)));
        expect(dup.code).toBe("SG_NAME_TAKEN");
        expect(dup.details.value).toBe(AWKWARD[1]);

        // Renamed and re-described through updateGroup, still verbatim.
        const renamed = await b.updateGroup(PROJECT, created[0]!.group.id, { name: AWKWARD[4]! + AWKWARD[0]!, description: AWKWARD[3]!, tags: [AWKWARD[5]!] });
        expect(renamed.group).toMatchObject({ name: AWKWARD[4]! + AWKWARD[0]!, description: AWKWARD[3], tags: [AWKWARD[5]] });
        expect(await b.getGroup(PROJECT, created[0]!.group.id)).toEqual(renamed);
        expect(await b.findGroupByName(PROJECT, AWKWARD[0]!)).toBeUndefined();
      });

      it("finds names by exact value only: % and _ are no wildcards; case, spaces and Unicode normalization count", async () => {
        const b = await project(RACKSPACE);
        const web = (await b.createGroup(newGroup("web"))).group;
        const abc = (await b.createGroup(newGroup("abc"))).group;
        for (const probe of ["we_", "w%", "%", "_eb", "___", "%b", "a_c", "a%", "WEB", "Web", "web ", " web"]) {
          expect(await b.findGroupByName(PROJECT, probe), probe).toBeUndefined();
        }
        expect(await b.findGroupByName(PROJECT, "web")).toEqual(web);
        expect(await b.findGroupByName(PROJECT, "abc")).toEqual(abc);
        expect(await b.getNetwork(PROJECT, "Public%")).toBeUndefined();
        expect(await b.getNetwork(PROJECT, "_ublicNet")).toBeUndefined();
        expect(await b.getNetwork(PROJECT, "publicnet")).toBeUndefined();
        expect(await b.getNetwork(PROJECT, "0000%")).toBeUndefined();

        // So these are all new names, not SG_NAME_TAKEN.
        const lookalikes = ["we_", "w%", "WEB", "web ", "a_c"];
        for (const n of lookalikes) expect((await b.createGroup(newGroup(n))).group.name).toBe(n);
        expect((await b.updateGroup(PROJECT, abc.id, { name: "ab_" })).group.name).toBe("ab_");
        expect(await b.findGroupByName(PROJECT, "abc")).toBeUndefined();

        // "café" composed (NFC) and decomposed (NFD) are two names, each read back as written.
        const nfc = "caf\u00e9";
        const nfd = "cafe\u0301";
        const g1 = (await b.createGroup(newGroup(nfc))).group;
        const g2 = (await b.createGroup(newGroup(nfd))).group;
        expect(g1.id).not.toBe(g2.id);
        expect((await b.findGroupByName(PROJECT, nfc))!.id).toBe(g1.id);
        expect((await b.findGroupByName(PROJECT, nfd))!.id).toBe(g2.id);
        expect((await b.getGroup(PROJECT, g2.id))!.group.name).toBe(nfd);
        expect((await b.listGroups(PROJECT)).map((g) => g.name)).toEqual(byteOrder(["web", "ab_", ...lookalikes, nfc, nfd]));

        // Project names match exactly too (they may hold _ and .).
        for (const p of ["pro_", "pro%", "proj_", "PROJ", "proj."]) expect(await b.listGroups(p), p).toEqual([]);
        await b.createGroup(newGroup("web", { project: "proj_" }));
        expect(await b.listGroups(PROJECT)).toHaveLength(9);
        expect((await b.listGroups("proj_")).map((g) => g.name)).toEqual(["web"]);
      });

      it("stores network and server names with quotes, semicolons, %, _, backslashes and non-ASCII verbatim", async () => {
        const b = await project(OPENSTACK);
        const policy = attachmentPolicy(OPENSTACK);
        const def = (await b.findGroupByName(PROJECT, "default"))!.id;
        for (const [i, text] of AWKWARD.entries()) {
          const net = await b.createNetwork(PROJECT, text, [`10.${i}.0.0/24`]);
          expect(net).toMatchObject({ project: PROJECT, name: text, subnets: [`10.${i}.0.0/24`], builtin: false });
          expect(await b.getNetwork(PROJECT, text)).toEqual(net);
          expect(await b.getNetwork(PROJECT, net.id)).toEqual(net);

          const server = await b.createServer(newServer(`${text} server`, [text]), policy);
          expect(server.name).toBe(`${text} server`);
          expect(server.ports).toEqual([{ id: server.ports[0]!.id, serverId: server.id, networkId: net.id, networkName: text, fixedIp: `10.${i}.0.2`, securityGroupIds: [def] }]);
          expect(await b.getServer(PROJECT, server.id)).toEqual(server);
        }
        const taken = await rejection(b.createNetwork(PROJECT, AWKWARD[2]!, ["10.99.0.0/24"]));
        expect(taken.code).toBe("SG_NAME_TAKEN");
        expect(await b.getNetwork(PROJECT, "10%")).toBeUndefined();
        expect((await b.listServers(PROJECT)).map((s) => s.name)).toEqual(byteOrder(AWKWARD.map((t) => `${t} server`)));
      });

      it("stores rule descriptions with quotes, semicolons, %, _, backslashes and non-ASCII verbatim", async () => {
        const b = await open();
        const { group } = await b.createGroup(newGroup("web"));
        const rules: RuleRecord[] = [];
        for (const [i, text] of AWKWARD.entries()) {
          const r = await b.createRule(rule(group.id, { protocol: "tcp", portRangeMin: 1000 + i, portRangeMax: 1000 + i, description: text }), NO_LIMITS);
          expect(r.description).toBe(text);
          expect(await b.getRule(PROJECT, r.id)).toEqual(r);
          rules.push(r);
        }
        // Oldest first; rules made in the same millisecond by id (listRules' ORDER BY created_at, id).
        const oldestFirst = [...rules].sort((x, y) => (x.createdAt === y.createdAt ? (x.id < y.id ? -1 : 1) : x.createdAt < y.createdAt ? -1 : 1));
        expect(await b.listRules(PROJECT, group.id)).toEqual(oldestFirst);
        const updated = await b.updateRuleDescription(PROJECT, rules[0]!.id, AWKWARD[4]!);
        expect(updated.description).toBe(AWKWARD[4]);
        expect((await b.getRule(PROJECT, rules[0]!.id))!.description).toBe(AWKWARD[4]);
      });

      it("lists groups in byte order of their UTF-8 names, non-ASCII included", async () => {
        const b = await open();
        // U+FF5E sorts before U+1F680 in UTF-8 (EF.. < F0..), after it in UTF-16 (FF5E > D83D).
        const names = ["z", "é", "Ünï", "名前", "🚀", "\uff5e", "~", "Z", "e"];
        for (const n of names) await b.createGroup(newGroup(n));
        const listed = (await b.listGroups(PROJECT)).map((g) => g.name);
        expect(listed).toEqual(["Z", "e", "z", "~", "Ünï", "é", "名前", "\uff5e", "🚀"]);
        expect(listed).toEqual(byteOrder(names));
      });
    });

    describe("several connections in one process", () => {
      it("two connections see each other's writes", async () => {
        const a = await open();
        const b = await open();
        const ga = await a.createGroup(newGroup("from-a", { defaultRules: EGRESS_ANY }));
        expect((await b.getGroup(PROJECT, ga.group.id))?.group.name).toBe("from-a");
        expect(await b.listRules(PROJECT, ga.group.id)).toHaveLength(2);

        const gb = await b.createGroup(newGroup("from-b"));
        expect((await a.listGroups(PROJECT)).map((g) => g.name)).toEqual(["from-a", "from-b"]);

        await b.updateGroup(PROJECT, ga.group.id, { description: "changed by b" });
        expect((await a.getGroup(PROJECT, ga.group.id))?.group.description).toBe("changed by b");

        expect(await a.deleteGroup(PROJECT, gb.group.id)).toBe(true);
        expect(await b.findGroupByName(PROJECT, "from-b")).toBeUndefined();
      });

      it("lets exactly one of concurrent creates of the same name win, across two connections", async () => {
        const a = await open();
        const b = await open();
        const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).createGroup(newGroup("shared"))));
        const fulfilled = results.filter((r) => r.status === "fulfilled");
        const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
        expect(fulfilled).toHaveLength(1);
        expect(rejected).toHaveLength(7);
        for (const r of rejected) {
          expect(r.reason).toBeInstanceOf(SecgroupsError);
          expect((r.reason as SecgroupsError).code).toBe("SG_NAME_TAKEN");
        }
        expect(await a.listGroups(PROJECT)).toHaveLength(1);
      });

      it("exactly one of two identical rules from two connections is created", async () => {
        const b1 = await open();
        const b2 = await open();
        const { group } = await b1.createGroup(newGroup("web"));
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
        expect(await b1.listRules(PROJECT, group.id)).toEqual([fulfilled[0]!.value]);
        expect(await b2.listRules(PROJECT, group.id)).toEqual([fulfilled[0]!.value]);
        expect((await b2.getGroup(PROJECT, group.id))!.group.revisionNumber).toBe(1);
      });

      it("many identical rules from two connections: one wins, the group's revision counts it once", async () => {
        const b1 = await open();
        const b2 = await open();
        const { group } = await b1.createGroup(newGroup("web"));
        const attempts = Array.from({ length: 10 }, (_, i) => (i % 2 ? b1 : b2).createRule(rule(group.id, { ...SSH, description: `d${i}` }), NO_LIMITS));
        const results = await Promise.allSettled(attempts);
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        const codes = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => (r.reason as SecgroupsError).code);
        expect(codes).toEqual(Array.from({ length: 9 }, () => "SG_RULE_EXISTS"));
        expect(await b1.listRules(PROJECT, group.id)).toHaveLength(1);
        expect((await b1.getGroup(PROJECT, group.id))!.group.revisionNumber).toBe(1);
      });

      it("two connections opening a fresh backend at once both succeed and migrate once", async () => {
        const [x, y] = await Promise.all([open(), open()]);
        expect(await Promise.all([x.listGroups(PROJECT), y.listGroups(PROJECT)])).toEqual([[], []]);
        const g = await x.createGroup(newGroup("web", { defaultRules: EGRESS_ANY }));
        expect((await y.getGroup(PROJECT, g.group.id))?.group.name).toBe("web");
        // A third connection later migrates nothing.
        const z = await open();
        expect(await z.listRules(PROJECT, g.group.id)).toHaveLength(2);
        expect(await target.schema()).toEqual(MIGRATED);
      });

      it("opens a backend again without re-running migrations, and finds what it holds", async () => {
        const b1 = await open();
        const g = await b1.createGroup(newGroup("web", { defaultRules: EGRESS_ANY }));
        await b1.close();

        const b2 = await open();
        expect((await b2.getGroup(PROJECT, g.group.id))?.group.name).toBe("web");
        await b2.close();
        const b3 = await open();
        expect(await b3.listGroups(PROJECT)).toHaveLength(1);
        expect(await b3.listRules(PROJECT)).toHaveLength(2);
        await b3.close();
        expect(await target.schema()).toEqual(MIGRATED);
      });
    });

    describe("50 concurrent attachment creates at one rackspace port", () => {
      const POLICY = attachmentPolicy(RACKSPACE);

      interface Scene {
        serverId: string;
        publicPortId: string;
        groupIds: string[];
      }

      /** The rackspace project, 50 groups and one ACTIVE server on PublicNet. */
      async function scene(): Promise<Scene> {
        const b = await project(RACKSPACE);
        const groupIds: string[] = [];
        for (let i = 0; i < RACERS; i++) groupIds.push((await b.createGroup(newGroup(`g${String(i).padStart(2, "0")}`))).group.id);
        const server = await b.createServer(newServer("web-1", ["PublicNet"]), POLICY);
        expect(server.status).toBe("ACTIVE");
        expect(server.ports).toHaveLength(1);
        const port = server.ports[0]!;
        expect(port.networkId).toBe(PUBLICNET);
        expect(port.securityGroupIds).toEqual([]);
        return { serverId: server.id, publicPortId: port.id, groupIds };
      }

      /** The call that attaches `groupId` to the scene's server on PublicNet. */
      function attach(s: Scene, groupId: string): Call {
        return { method: "createAttachment", args: [PROJECT, s.serverId, groupId, "PublicNet", POLICY] };
      }

      /**
       * Exactly 5 winners, 45 SG_LIMIT_GROUPS_PER_PORT losers (never SQLITE_BUSY, a serialization
       * failure or anything else), and the port holds exactly the 5 winners. `outcomes[i]` is the
       * outcome of attaching `groupIds[i]`.
       */
      async function expectLimitHeld(s: Scene, groupIds: string[], outcomes: Outcome[]): Promise<void> {
        expect(outcomes).toHaveLength(RACERS);
        expect(new Set(groupIds)).toEqual(new Set(s.groupIds));

        const failed = outcomes.filter((o): o is Extract<Outcome, { ok: false }> => !o.ok);
        const unexpected = failed.filter((o) => o.code !== "SG_LIMIT_GROUPS_PER_PORT").map((o) => `${o.code ?? o.name}: ${o.message}`);
        expect(unexpected).toEqual([]);
        for (const o of failed) {
          expect(o.property).toBe("securityGroupId");
          expect(o.message).toContain("web-1");
          expect(o.message).toContain("PublicNet");
          expect(o.message).toContain("rackspace");
        }

        const won = outcomes.flatMap((o, i) => (o.ok ? [{ groupId: groupIds[i]!, attachment: o.value as AttachmentRecord }] : []));
        expect(won).toHaveLength(LIMIT);
        expect(failed).toHaveLength(RACERS - LIMIT);
        for (const w of won) {
          expect(w.attachment).toMatchObject({ serverId: s.serverId, securityGroupId: w.groupId, networkId: PUBLICNET, portIds: [s.publicPortId] });
        }

        // What is stored, read through a fresh connection.
        const reader = await open();
        const server = await reader.getServer(PROJECT, s.serverId);
        expect(server?.ports).toHaveLength(1);
        expect(server!.ports[0]!.securityGroupIds).toEqual(won.map((w) => w.groupId).sort());
        for (const w of won) expect(await reader.getAttachment(PROJECT, w.attachment.id)).toEqual(w.attachment);
        expect((await reader.listAttachments(PROJECT)).map((a) => a.id).sort()).toEqual(won.map((w) => w.attachment.id).sort());
        expect(await reader.checkIntegrity()).toEqual([]);
        // The port is full: one more is refused too.
        const extra = await reader.createGroup(newGroup("extra"));
        const after = await rejection(reader.createAttachment(PROJECT, s.serverId, extra.group.id, "PublicNet", POLICY));
        expect(after.code).toBe("SG_LIMIT_GROUPS_PER_PORT");
      }

      it.each(REPETITIONS)("repetition %i: exactly 5 succeed over 4 connections in one process", async () => {
        const s = await scene();
        const connections = await Promise.all(Array.from({ length: CONNECTIONS }, () => open()));
        const settled = await Promise.allSettled(
          s.groupIds.map((g, i) => connections[i % CONNECTIONS]!.createAttachment(PROJECT, s.serverId, g, "PublicNet", POLICY)),
        );
        await expectLimitHeld(s, s.groupIds, outcomesOf(settled));
      });

      it.each(REPETITIONS)("repetition %i: exactly 5 succeed across 4 processes", async () => {
        const s = await scene();
        const parts = slices(s.groupIds, PROCESSES);
        expect(parts.map((p) => p.length)).toEqual([13, 13, 12, 12]);
        const reports = await runChildren(target, parts.map((p) => ({ batches: [p.map((g) => attach(s, g))], close: true })));
        await expectLimitHeld(s, parts.flat(), reports.flatMap((r) => r.results));
      });
    });

    describe("several processes", () => {
      it.each(REPETITIONS)("repetition %i: two processes starting at once against a fresh backend both succeed and migrate once", async () => {
        const reports = await runChildren(target, [0, 1].map((i) => ({
          batches: [[{ method: "createGroup", args: [newGroup(`from-${i}`, { defaultRules: EGRESS_ANY })] }]],
          close: true,
        })));
        expect(reports.map((r) => r.results.map((o) => o.ok))).toEqual([[true], [true]]);
        expect(await target.schema()).toEqual(MIGRATED);
        const b = await open();
        expect((await b.listGroups(PROJECT)).map((g) => g.name)).toEqual(["from-0", "from-1"]);
        expect(await b.listRules(PROJECT)).toHaveLength(4);
      });

      it("4 processes creating groups on one fresh backend: no lost writes, one winner for a shared name", async () => {
        const jobs = [0, 1, 2, 3].map((i) => ({
          batches: [
            ...Array.from({ length: 10 }, (_, j) => [{ method: "createGroup" as const, args: [newGroup(`p${i}-g${j}`, { defaultRules: EGRESS_ANY })] }]),
            [{ method: "createGroup" as const, args: [newGroup("shared", { description: `by ${i}` })] }],
          ],
          close: true,
        }));
        const results = (await runChildren(target, jobs)).map((r) => r.results);
        for (const [i, r] of results.entries()) {
          const created = r.slice(0, 10);
          expect(created.filter((o) => !o.ok)).toEqual([]);
          expect(created.map((o) => (o.ok ? (o.value as GroupState).group.name : undefined))).toEqual(Array.from({ length: 10 }, (_, j) => `p${i}-g${j}`));
        }
        const shared = results.map((r) => r[10]!);
        const winners = shared.filter((o): o is Extract<Outcome, { ok: true }> => o.ok);
        const losers = shared.filter((o): o is Extract<Outcome, { ok: false }> => !o.ok);
        expect(winners).toHaveLength(1);
        expect(losers.map((o) => o.code)).toEqual(["SG_NAME_TAKEN", "SG_NAME_TAKEN", "SG_NAME_TAKEN"]);

        const b = await open();
        const list = await b.listGroups(PROJECT);
        expect(list).toHaveLength(41);
        expect(list.filter((g) => g.name === "shared")).toHaveLength(1);
        expect(list.find((g) => g.name === "shared")!.id).toBe((winners[0]!.value as GroupState).group.id);
        expect(await b.listRules(PROJECT)).toHaveLength(80);
        expect(await b.checkIntegrity()).toEqual([]);
        expect(await target.schema()).toEqual(MIGRATED);
      });
    });
  });
}
