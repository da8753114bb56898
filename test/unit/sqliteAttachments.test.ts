/**
 * SqliteBackend: projects, networks, servers, ports and attachments (migration 3), checked
 * against the profiles' attachment rules (DESIGN.md, "Profiles"; REFERENCE.md, Neutron/Rackspace/evroc).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteBackend } from "../../provider/backends/sqlite";
import type {
  AttachmentPolicy, NewGroup, NewRule, NewServer, PortRecord, ProjectSetup, ServerRecord,
} from "../../provider/backends/types";
import { checkRule, ruleKey, type CanonicalRule, type RuleInput } from "../../provider/domain/rules";
import { loadProfile, type Profile, attachmentPolicy, projectSetup } from "../../provider/domain/profiles";
import { SecgroupsError } from "../../provider/errors";
import { rule, rejection, sleep } from "../support/backend";

const PROJECT = "proj";
const PUBLICNET = "00000000-0000-0000-0000-000000000000";
const SERVICENET = "11111111-1111-1111-1111-111111111111";

const OPENSTACK = loadProfile("openstack", process.cwd());
const MESHCLOUD = loadProfile("meshcloud", process.cwd());
const RACKSPACE = loadProfile("rackspace", process.cwd());
const EVROC = loadProfile("evroc", process.cwd());

/** The provider's own derivations of the attachment policy and project setup from a profile. */
const policyOf = (p: Profile): AttachmentPolicy => attachmentPolicy(p);
const setupOf = (p: Profile): ProjectSetup => projectSetup(p);

function newGroup(name: string, overrides: Partial<NewGroup> = {}): NewGroup {
  return { project: PROJECT, name, description: "", stateful: true, tags: [], defaultRules: [], ...overrides };
}

function newServer(name: string, networks: string[], overrides: Partial<NewServer> = {}): NewServer {
  return { project: PROJECT, name, networks, securityGroupIds: [], bootSeconds: 0, ...overrides };
}




let dir: string;
let file: string;
let opened: SqliteBackend[];

function open(f: string = file): SqliteBackend {
  const b = new SqliteBackend(f);
  opened.push(b);
  return b;
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-attach-"));
  file = path.join(dir, "cloud.db");
  opened = [];
});

afterEach(async () => {
  for (const b of opened) await b.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A backend with the project set up for `profile`. */
async function project(profile: Profile): Promise<SqliteBackend> {
  const b = open();
  await b.ensureProject(PROJECT, setupOf(profile));
  return b;
}

/** The server's port on a network (by name), failing the test if there is none. */
function portOn(server: ServerRecord | undefined, networkName: string): PortRecord {
  expect(server).toBeDefined();
  const port = server!.ports.find((p) => p.networkName === networkName);
  expect(port, `port on ${networkName}`).toBeDefined();
  return port!;
}

/** Groups on the server's port on `networkName`, as stored now. */
async function groupsOn(b: SqliteBackend, serverId: string, networkName: string): Promise<string[]> {
  return portOn(await b.getServer(PROJECT, serverId), networkName).securityGroupIds;
}

/** Creates groups g1..gN and returns their ids. */
async function groups(b: SqliteBackend, n: number, prefix = "g"): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 1; i <= n; i++) ids.push((await b.createGroup(newGroup(`${prefix}${i}`))).group.id);
  return ids;
}

describe("SqliteBackend.ensureProject", () => {
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

    await b.ensureProject(PROJECT, setupOf(RACKSPACE));
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

    const shape = async (name: string) =>
      (await b.listRules(PROJECT, byName[name]!.id))
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
    await b.ensureProject(PROJECT, setupOf(EVROC));
    expect(await b.listGroups(PROJECT)).toEqual(groupsBefore);
    expect(await b.listRules(PROJECT)).toEqual(rulesBefore);
    // A second connection on the same file sees the project as set up already.
    const other = open();
    await other.ensureProject(PROJECT, setupOf(EVROC));
    expect(await b.listGroups(PROJECT)).toEqual(groupsBefore);
    expect(await b.listRules(PROJECT)).toEqual(rulesBefore);
  });

  it("gives an openstack project a default group whose ingress rules admit its own members", async () => {
    const b = await project(OPENSTACK);
    const def = await b.findGroupByName(PROJECT, "default");
    expect(def).toBeDefined();
    expect(def!.description).toBe("Default security group");
    const rules = await b.listRules(PROJECT, def!.id);
    expect(rules).toHaveLength(4);
    const ingress = rules.filter((r) => r.direction === "ingress");
    const egress = rules.filter((r) => r.direction === "egress");
    expect(ingress).toHaveLength(2);
    expect(ingress.map((r) => r.ethertype).sort()).toEqual(["IPv4", "IPv6"]);
    for (const r of ingress) expect(r).toMatchObject({ remoteGroupId: def!.id, remoteIpPrefix: null, protocol: null });
    expect(egress.map((r) => r.ethertype).sort()).toEqual(["IPv4", "IPv6"]);
    for (const r of egress) expect(r).toMatchObject({ remoteGroupId: null, remoteIpPrefix: null, protocol: null });

    await b.ensureProject(PROJECT, setupOf(OPENSTACK));
    expect((await b.listGroups(PROJECT)).map((g) => g.id)).toEqual([def!.id]);
    expect(await b.listRules(PROJECT)).toHaveLength(4);

    // Each project has its own default group.
    await b.ensureProject("proj-b", setupOf(OPENSTACK));
    const defB = await b.findGroupByName("proj-b", "default");
    expect(defB).toBeDefined();
    expect(defB!.id).not.toBe(def!.id);
    expect((await b.listRules("proj-b", defB!.id)).filter((r) => r.direction === "ingress").map((r) => r.remoteGroupId))
      .toEqual([defB!.id, defB!.id]);
    expect(await b.listRules(PROJECT)).toHaveLength(4);
  });
});

describe("SqliteBackend.createServer", () => {
  it("gives each network a port with a distinct fixed IP from its subnet", async () => {
    const b = await project(RACKSPACE);
    const s1 = await b.createServer(newServer("web-1", ["PublicNet", "ServiceNet"]), policyOf(RACKSPACE));
    expect(s1.status).toBe("ACTIVE");
    expect(s1.name).toBe("web-1");
    expect(s1.project).toBe(PROJECT);
    expect(s1.ports).toHaveLength(2);
    expect(portOn(s1, "PublicNet")).toMatchObject({ serverId: s1.id, networkId: PUBLICNET, fixedIp: "198.51.100.2", securityGroupIds: [] });
    expect(portOn(s1, "ServiceNet")).toMatchObject({ serverId: s1.id, networkId: SERVICENET, fixedIp: "10.176.0.2", securityGroupIds: [] });

    // Networks by id work as well as by name.
    const s2 = await b.createServer(newServer("web-2", [PUBLICNET]), policyOf(RACKSPACE));
    expect(s2.ports).toHaveLength(1);
    expect(portOn(s2, "PublicNet").fixedIp).toBe("198.51.100.3");
    const s3 = await b.createServer(newServer("web-3", ["PublicNet", SERVICENET]), policyOf(RACKSPACE));
    expect(portOn(s3, "PublicNet").fixedIp).toBe("198.51.100.4");
    expect(portOn(s3, "ServiceNet").fixedIp).toBe("10.176.0.3");

    const portIds = [s1, s2, s3].flatMap((s) => s.ports.map((p) => p.id));
    expect(new Set(portIds).size).toBe(5);
    expect(new Set([s1.id, s2.id, s3.id]).size).toBe(3);
    expect(await b.getServer(PROJECT, s1.id)).toEqual(s1);
    expect(await b.getServer("other", s1.id)).toBeUndefined();
  });

  it("hands out addresses on a private network and does not hand them out twice", async () => {
    const b = await project(OPENSTACK);
    const net = await b.createNetwork(PROJECT, "private", ["10.9.0.0/29"]);
    expect(net).toMatchObject({ project: PROJECT, name: "private", subnets: ["10.9.0.0/29"], builtin: false });
    expect(await b.getNetwork(PROJECT, net.id)).toEqual(net);
    const dup = await rejection(b.createNetwork(PROJECT, "private", ["10.10.0.0/24"]));
    expect(dup.code).toBe("SG_NAME_TAKEN");

    // /29: .0 network, .1 gateway, .7 broadcast → .2 to .6.
    const ips: string[] = [];
    for (let i = 0; i < 5; i++) {
      const s = await b.createServer(newServer(`s${i}`, ["private"]), policyOf(OPENSTACK));
      ips.push(portOn(s, "private").fixedIp);
    }
    expect(ips).toEqual(["10.9.0.2", "10.9.0.3", "10.9.0.4", "10.9.0.5", "10.9.0.6"]);
    const full = await rejection(b.createServer(newServer("s5", ["private"]), policyOf(OPENSTACK)));
    expect(full.code).toBe("SG_NO_ADDRESSES");
  });

  it("is BUILD until bootSeconds have passed, then ACTIVE; ERROR after setServerError", async () => {
    const b = await project(RACKSPACE);
    const slow = await b.createServer(newServer("slow", ["PublicNet"], { bootSeconds: 3 }), policyOf(RACKSPACE));
    expect(slow.status).toBe("BUILD");
    const boot = Date.parse(slow.activeAt) - Date.parse(slow.createdAt);
    expect(boot).toBeGreaterThanOrEqual(2900);
    expect(boot).toBeLessThanOrEqual(3100);
    expect((await b.getServer(PROJECT, slow.id))!.status).toBe("BUILD");

    const quick = await b.createServer(newServer("quick", ["PublicNet"], { bootSeconds: 1 }), policyOf(RACKSPACE));
    expect(quick.status).toBe("BUILD");
    await sleep(Math.max(0, Date.parse(quick.activeAt) - Date.now()) + 50);
    const booted = await b.getServer(PROJECT, quick.id);
    expect(booted!.status).toBe("ACTIVE");
    expect(booted!.activeAt).toBe(quick.activeAt);

    await b.setServerError(PROJECT, quick.id);
    expect((await b.getServer(PROJECT, quick.id))!.status).toBe("ERROR");
    await b.setServerError(PROJECT, slow.id);
    expect((await b.getServer(PROJECT, slow.id))!.status).toBe("ERROR");
  });

  it("refuses launch groups on rackspace (SG_ATTACH_AT_BOOT) and creates nothing", async () => {
    const b = await project(RACKSPACE);
    const [g] = await groups(b, 1);
    const err = await rejection(b.createServer(newServer("web-1", ["PublicNet"], { securityGroupIds: [g!] }), policyOf(RACKSPACE)));
    expect(err.code).toBe("SG_ATTACH_AT_BOOT");
    expect(err.details.property).toBe("securityGroupIds");
    expect(err.message).toContain("rackspace");
    // The address was not taken: the next server gets the first one.
    const s = await b.createServer(newServer("web-1", ["PublicNet"]), policyOf(RACKSPACE));
    expect(portOn(s, "PublicNet").fixedIp).toBe("198.51.100.2");
  });

  it("puts openstack's default group on every port of a server launched without groups", async () => {
    const b = await project(OPENSTACK);
    await b.createNetwork(PROJECT, "private", ["10.0.0.0/24"]);
    const def = (await b.findGroupByName(PROJECT, "default"))!;
    const s = await b.createServer(newServer("vm", ["public", "private"]), policyOf(OPENSTACK));
    expect(s.ports).toHaveLength(2);
    for (const p of s.ports) expect(p.securityGroupIds).toEqual([def.id]);
    expect(portOn(s, "public").fixedIp).toBe("203.0.113.2");
    expect(portOn(s, "private").fixedIp).toBe("10.0.0.2");

    // Launched with groups: those, and not the default group.
    const [a, c] = await groups(b, 2);
    const t = await b.createServer(newServer("vm2", ["public", "private"], { securityGroupIds: [a!, c!] }), policyOf(OPENSTACK));
    for (const p of t.ports) expect(p.securityGroupIds).toEqual([a!, c!].sort());
  });

  it("puts meshcloud's default group and evroc's default-allow-egress on a server launched without groups", async () => {
    const mesh = await project(MESHCLOUD);
    const def = (await mesh.findGroupByName(PROJECT, "default"))!;
    const m = await mesh.createServer(newServer("vm", ["public"]), policyOf(MESHCLOUD));
    expect(portOn(m, "public").securityGroupIds).toEqual([def.id]);

    const b = open(path.join(dir, "evroc.db"));
    await b.ensureProject(PROJECT, setupOf(EVROC));
    const egress = (await b.findGroupByName(PROJECT, "default-allow-egress"))!;
    const s = await b.createServer(newServer("vm", ["public"]), policyOf(EVROC));
    expect(portOn(s, "public").securityGroupIds).toEqual([egress.id]);
  });

  it("names the unknown network (SG_NETWORK_NOT_FOUND, networks[i]) and the unknown group", async () => {
    const b = await project(OPENSTACK);
    const e0 = await rejection(b.createServer(newServer("vm", ["nowhere"]), policyOf(OPENSTACK)));
    expect(e0.code).toBe("SG_NETWORK_NOT_FOUND");
    expect(e0.details.property).toBe("networks[0]");
    expect(e0.message).toContain("nowhere");
    const e1 = await rejection(b.createServer(newServer("vm", ["public", "nowhere"]), policyOf(OPENSTACK)));
    expect(e1.code).toBe("SG_NETWORK_NOT_FOUND");
    expect(e1.details.property).toBe("networks[1]");

    const [g] = await groups(b, 1);
    const e2 = await rejection(b.createServer(newServer("vm", ["public"], { securityGroupIds: [g!, "no-such-group"] }), policyOf(OPENSTACK)));
    expect(e2.code).toBe("SG_GROUP_NOT_FOUND");
    expect(e2.details.property).toBe("securityGroupIds[1]");
    // Nothing was created: the first address is still free.
    const s = await b.createServer(newServer("vm", ["public"]), policyOf(OPENSTACK));
    expect(portOn(s, "public").fixedIp).toBe("203.0.113.2");
  });

  it("refuses more launch groups than groupsPerPort (SG_LIMIT_GROUPS_PER_PORT)", async () => {
    const custom: Profile = { ...RACKSPACE, name: "two-per-port", groupsAtLaunch: true, groupsPerPort: 2 };
    const policy = policyOf(custom);
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
});

describe("SqliteBackend.createAttachment (rackspace)", () => {
  const POLICY = policyOf(RACKSPACE);

  it("takes five groups on a PublicNet port and refuses the sixth, naming server, network and profile", async () => {
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
});

describe("SqliteBackend.swapAttachment", () => {
  const POLICY = policyOf(RACKSPACE);

  it("swaps a group on a full port in place: still five, old gone, new present", async () => {
    const b = await project(RACKSPACE);
    const ids = await groups(b, 6);
    const s = await b.createServer(newServer("web-1", ["PublicNet"]), POLICY);
    const attachments = [];
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

  it("refuses a group already on the port (SG_ALREADY_ATTACHED) and changes nothing", async () => {
    const b = await project(RACKSPACE);
    const ids = await groups(b, 5);
    const s = await b.createServer(newServer("web-1", ["PublicNet"]), POLICY);
    const attachments = [];
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

  it("swaps on every port of a network-null attachment, and refuses a stateful mix", async () => {
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
});

describe("SqliteBackend attachments: evroc's fallback group", () => {
  const POLICY = policyOf(EVROC);

  it("drops default-allow-egress when a custom group is attached and restores it when the last one goes", async () => {
    const b = await project(EVROC);
    const egress = (await b.findGroupByName(PROJECT, "default-allow-egress"))!.id;
    const [c1, c2] = await groups(b, 2, "custom");
    const s = await b.createServer(newServer("vm", ["public"]), POLICY);
    expect(portOn(s, "public").securityGroupIds).toEqual([egress]);

    const a1 = await b.createAttachment(PROJECT, s.id, c1!, "public", POLICY);
    expect(await groupsOn(b, s.id, "public")).toEqual([c1]);
    const a2 = await b.createAttachment(PROJECT, s.id, c2!, "public", POLICY);
    expect(await groupsOn(b, s.id, "public")).toEqual([c1!, c2!].sort());

    // One custom group left: no fallback.
    expect(await b.deleteAttachment(PROJECT, a1.id, POLICY)).toBe(true);
    expect(await groupsOn(b, s.id, "public")).toEqual([c2]);
    // The last one gone: the fallback is back.
    expect(await b.deleteAttachment(PROJECT, a2.id, POLICY)).toBe(true);
    expect(await groupsOn(b, s.id, "public")).toEqual([egress]);
    expect(await b.deleteAttachment(PROJECT, a2.id, POLICY)).toBe(false);
    expect(await b.getAttachment(PROJECT, a2.id)).toBeUndefined();

    // And it goes again with the next custom group.
    await b.createAttachment(PROJECT, s.id, c1!, null, POLICY);
    expect(await groupsOn(b, s.id, "public")).toEqual([c1]);
  });
});

describe("SqliteBackend.deleteAttachment and the minimum number of groups", () => {
  it("meshcloud: detaching an attached group leaves the launch group", async () => {
    const b = await project(MESHCLOUD);
    const policy = policyOf(MESHCLOUD);
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

  it("refuses to go below minGroupsPerServer (SG_MIN_GROUPS) and keeps the attachment", async () => {
    const b = await project(OPENSTACK);
    const policy: AttachmentPolicy = { ...policyOf(OPENSTACK), minGroupsPerServer: 2 };
    const def = (await b.findGroupByName(PROJECT, "default"))!.id;
    const [x] = await groups(b, 1, "x");
    // Launched under openstack's own policy (a launch below the minimum is refused, see below).
    const s = await b.createServer(newServer("vm", ["public"]), policyOf(OPENSTACK));
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
});

describe("SqliteBackend.deleteGroup while the group is held", () => {
  it("refuses an attached group (SG_IN_USE naming server and network) and deletes it once detached", async () => {
    const b = await project(RACKSPACE);
    const policy = policyOf(RACKSPACE);
    const g = await b.createGroup(newGroup("web"));
    const s = await b.createServer(newServer("web-1", ["PublicNet"]), policy);
    const a = await b.createAttachment(PROJECT, s.id, g.group.id, "PublicNet", policy);

    const err = await rejection(b.deleteGroup(PROJECT, g.group.id));
    expect(err.code).toBe("SG_IN_USE");
    expect(err.details.property).toBe("id");
    expect(err.message).toContain("web-1");
    expect(err.message).toContain("PublicNet");
    expect(await b.getGroup(PROJECT, g.group.id)).toEqual(g);
    expect(await b.getAttachment(PROJECT, a.id)).toEqual(a);
    expect(await groupsOn(b, s.id, "PublicNet")).toEqual([g.group.id]);

    expect(await b.deleteAttachment(PROJECT, a.id, policy)).toBe(true);
    expect(await b.deleteGroup(PROJECT, g.group.id)).toBe(true);
    expect(await b.getGroup(PROJECT, g.group.id)).toBeUndefined();
  });

  it("refuses a group another group's rule points at (SG_IN_USE naming the rule) and deletes it once the rule is gone", async () => {
    const b = await project(OPENSTACK);
    const target = await b.createGroup(newGroup("db", { defaultRules: [{ direction: "egress", ethertype: "IPv4" }] }));
    const holder = await b.createGroup(newGroup("app"));
    const r = await b.createRule(rule(holder.group.id, { protocol: "tcp", portRangeMin: 5432, portRangeMax: 5432, remoteGroupId: target.group.id }), { profile: "openstack" });

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

  it("does not count a group's own rules pointing at itself", async () => {
    const b = await project(OPENSTACK);
    const g = await b.createGroup(newGroup("cluster"));
    await b.createRule(rule(g.group.id, { remoteGroupId: g.group.id }), { profile: "openstack" });
    expect(await b.deleteGroup(PROJECT, g.group.id)).toBe(true);
  });
});

describe("SqliteBackend.deleteServer and deleteNetwork", () => {
  it("deleteServer removes the server, its ports and its attachments", async () => {
    const b = await project(RACKSPACE);
    const policy = policyOf(RACKSPACE);
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
    const s = await b.createServer(newServer("web-1", ["PublicNet"]), policyOf(RACKSPACE));
    expect(await b.deleteServer("other", s.id)).toBe(false);
    expect((await b.getServer(PROJECT, s.id))?.id).toBe(s.id);
  });

  it("deleteNetwork refuses a network with ports (SG_IN_USE) and deletes it without", async () => {
    const b = await project(OPENSTACK);
    const net = await b.createNetwork(PROJECT, "private", ["10.0.0.0/24"]);
    const s = await b.createServer(newServer("app-1", ["private"]), policyOf(OPENSTACK));

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

  it("deleteNetwork never removes a built-in network (the project could not get it back)", async () => {
    // types.ts: "Deletes a private network"; DESIGN.md: every project has its profile's networks.
    // An imported Network resource pointing at PublicNet must not take PublicNet with it on destroy.
    const b = await project(RACKSPACE);
    const before = await b.getNetwork(PROJECT, PUBLICNET);
    const outcome = await b.deleteNetwork(PROJECT, PUBLICNET).then(
      (deleted) => (deleted ? "deleted" : "false"),
      (e: unknown) => (e instanceof SecgroupsError ? e.code : String(e)),
    );
    expect(outcome).not.toBe("deleted");
    expect(await b.getNetwork(PROJECT, PUBLICNET)).toEqual(before);
    // ensureProject does not recreate it, so it has to survive.
    await b.ensureProject(PROJECT, setupOf(RACKSPACE));
    const s = await b.createServer(newServer("web-1", ["PublicNet"]), policyOf(RACKSPACE));
    expect(portOn(s, "PublicNet").networkId).toBe(PUBLICNET);
  });
});

describe("stateful changes only while no port uses the group", () => {
  it("refuses to flip stateful on an attached group with SG_IN_USE, and allows it once detached", async () => {
    const b = await project(RACKSPACE);
    const s = await b.createServer(newServer("web-1", ["PublicNet"]), policyOf(RACKSPACE));
    const g = await b.createGroup({ project: PROJECT, name: "app", description: "", stateful: true, tags: [], defaultRules: [] });
    const a = await b.createAttachment(PROJECT, s.id, g.group.id, "PublicNet", policyOf(RACKSPACE));
    const err = await b.updateGroup(PROJECT, g.group.id, { stateful: false }).then(() => undefined, (e: SecgroupsError) => e);
    expect(err?.code).toBe("SG_IN_USE");
    expect(err?.details.property).toBe("stateful");
    expect((await b.getGroup(PROJECT, g.group.id))?.group.stateful).toBe(true);
    expect(await b.deleteAttachment(PROJECT, a.id, policyOf(RACKSPACE))).toBe(true);
    expect((await b.updateGroup(PROJECT, g.group.id, { stateful: false })).group.stateful).toBe(false);
  });
});

describe("review fixes", () => {
  it("createServer refuses to launch below the profile's minimum (meshcloud, explicit no groups)", async () => {
    const b = await project(MESHCLOUD);
    const { launchGroup: _none, ...noLaunchGroup } = policyOf(MESHCLOUD);
    const err = await rejection(b.createServer(newServer("vm", ["public"]), noLaunchGroup));
    expect(err.code).toBe("SG_MIN_GROUPS");
    expect(err.details.property).toBe("securityGroupIds");
  });

  it("serverProject finds a server's project by id alone", async () => {
    const b = await project(OPENSTACK);
    const s = await b.createServer(newServer("vm", ["public"]), policyOf(OPENSTACK));
    expect(await b.serverProject(s.id)).toBe(PROJECT);
    expect(await b.serverProject("nope")).toBeUndefined();
  });

  it("restoring default rules next to an equal user rule fails with SG_RULE_EXISTS, not a raw SQLite error", async () => {
    const b = await project(OPENSTACK);
    const egress = [{ direction: "egress" as const, ethertype: "IPv4" as const }, { direction: "egress" as const, ethertype: "IPv6" as const }];
    const g = await b.createGroup({ project: PROJECT, name: "web", description: "", stateful: true, tags: [], defaultRules: [] });
    const mine = await b.createRule({
      securityGroupId: g.group.id, direction: "egress", ethertype: "IPv4", protocol: null, portRangeMin: null, portRangeMax: null,
      remoteIpPrefix: null, remoteGroupId: null, remoteSubnetId: null, description: "mine",
      key: ruleKey({ securityGroupId: g.group.id, direction: "egress", ethertype: "IPv4", protocol: "any", description: "" }),
    }, { profile: "openstack" });
    const err = await rejection(b.updateGroup(PROJECT, g.group.id, { deleteDefaultRules: false, defaultRules: egress }));
    expect(err.code).toBe("SG_RULE_EXISTS");
    expect(err.details.property).toBe("deleteDefaultRules");
    expect(err.message).toContain(mine.id);
    expect((await b.listRules(PROJECT, g.group.id)).map((r) => r.id)).toEqual([mine.id]);
  });
});
