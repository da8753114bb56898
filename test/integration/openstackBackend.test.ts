/**
 * The openstack backend (provider/backends/openstack/) against a real Neutron 29.0.0 (noauth, on a
 * private PostgreSQL; tools/neutron.ts) and, for auth, a real Keystone 30.0.0: groups and rules
 * through the StateBackend interface, with the values and codes the embedded backend gives.
 * Nothing is mocked; nothing is skipped.
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeystoneAuth, NoAuth } from "../../provider/backends/openstack/auth";
import { OpenstackBackend } from "../../provider/backends/openstack/backend";
import { managedTag, ruleTokenTag, tokenTag } from "../../provider/backends/openstack/neutron";
import { rejection, rule } from "../support/backend";
import { computePort, EGRESS_ANY, newGroup, newProject, RACKSPACE, RAISED_QUOTAS, START_TIMEOUT_MS } from "../support/openstack";
import { keystoneToken, startNeutron, type NeutronServer } from "../../tools/neutron";
import { openstackAuth } from "../../provider/backends/openstack/config";
import type { SecgroupsError } from "../../provider/errors";

/** The backend `spec` names, as openBackend opens it, with `env` as the process environment. */
function openBackendWith(spec: string, dir: string, env: Record<string, string>, secret?: string): OpenstackBackend {
  const auth = openstackAuth(spec, dir, env, secret);
  if (!auth) throw new Error(`${spec} is not an openstack backend`);
  return new OpenstackBackend(auth);
}

/** The URL of the noauth Neutron of the first describe. */
let neutronUrl = "";

describe("openstack backend on a real Neutron (noauth)", () => {
  let neutron: NeutronServer;
  let backend: OpenstackBackend;

  beforeAll(async () => {
    // Neutron's default quota is 10 groups and 100 rules per project; the race below needs 50 groups.
    neutron = await startNeutron({ extraNeutronConf: RAISED_QUOTAS });
    neutronUrl = neutron.url;
    backend = new OpenstackBackend(new NoAuth(neutron.url));
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await neutron?.stop();
  });

  it("creates a group with the profile's default rules, its tags, and finds it by id and name", async () => {
    const project = newProject();
    const created = await backend.createGroup(newGroup(project, "web", { tags: ["b", "a"] }));
    expect(created.group).toMatchObject({ project, name: "web", description: "group web", stateful: true, tags: ["a", "b"] });
    expect(created.defaultRuleIds).toHaveLength(2);
    const rules = await backend.listRules(project, created.group.id);
    expect(rules.map((r) => [r.direction, r.ethertype, r.protocol, r.remoteIpPrefix, r.isDefault]).sort()).toEqual([
      ["egress", "IPv4", null, null, true],
      ["egress", "IPv6", null, null, true],
    ]);
    expect((await backend.getGroup(project, created.group.id))?.group).toEqual(created.group);
    expect(await backend.findGroupByName(project, "web")).toEqual(created.group);
    expect(await backend.getGroup(newProject(), created.group.id)).toBeUndefined();
  });

  it("a profile without default rules (rackspace) gets a group without Neutron's egress rules", async () => {
    const project = newProject();
    const created = await backend.createGroup(newGroup(project, "bare", { defaultRules: [] }));
    expect(created.defaultRuleIds).toEqual([]);
    expect(await backend.listRules(project, created.group.id)).toEqual([]);
  });

  it("refuses a second group of the same name in a project (SG_NAME_TAKEN) and counts the group quota", async () => {
    const project = newProject();
    const first = await backend.createGroup(newGroup(project, "app"));
    const taken = await rejection(backend.createGroup(newGroup(project, "app")));
    expect(taken.code).toBe("SG_NAME_TAKEN");
    expect(taken.message).toContain(first.group.id);
    const full = await rejection(backend.createGroup(newGroup(project, "more", { groupQuota: (await backend.listGroups(project)).length })));
    expect(full.code).toBe("SG_QUOTA_EXCEEDED");
  });

  it("creates rules in canonical form; a duplicate is SG_RULE_EXISTS naming the rule, a default duplicate says so", async () => {
    const project = newProject();
    const g = await backend.createGroup(newGroup(project, "ssh"));
    const ssh = await backend.createRule(rule(g.group.id, { protocol: "tcp", portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "0.0.0.0/0" }), {
      profile: "openstack",
    });
    expect(ssh).toMatchObject({
      securityGroupId: g.group.id,
      direction: "ingress",
      ethertype: "IPv4",
      protocol: "tcp",
      portRangeMin: 22,
      portRangeMax: 22,
      remoteIpPrefix: "0.0.0.0/0",
      isDefault: false,
    });
    const dup = await rejection(
      backend.createRule(rule(g.group.id, { protocol: "6", portRangeMin: 22, portRangeMax: 22, description: "other" }), { profile: "openstack" }),
    );
    expect(dup.code).toBe("SG_RULE_EXISTS");
    expect(dup.message).toContain(`rule ${ssh.id}`);
    const egress = await rejection(backend.createRule(rule(g.group.id, { direction: "egress" }), { profile: "openstack" }));
    expect(egress.code).toBe("SG_RULE_EXISTS");
    expect(egress.message).toContain("it is the default egress IPv4 rule");
    const limited = await rejection(
      backend.createRule(rule(g.group.id, { protocol: "udp", portRangeMin: 53, portRangeMax: 53 }), { profile: "rackspace", rulesPerGroup: 3 }),
    );
    expect(limited.code).toBe("SG_QUOTA_EXCEEDED");
    // Neutron's rules are immutable (ML2 has no rule update): a description change is refused, not half-done.
    const immutable = await rejection(backend.updateRuleDescription(project, ssh.id, "admins"));
    expect(immutable.code).toBe("SG_INVALID_INPUT");
    expect(immutable.message).toContain("its security group rules are immutable");
    expect((await backend.getRule(project, ssh.id))?.description).toBe("");
    expect(await backend.deleteRule(project, ssh.id)).toBe(true);
    expect(await backend.deleteRule(project, ssh.id)).toBe(false);
    expect((await rejection(backend.updateRuleDescription(project, ssh.id, "x"))).code).toBe("SG_NOT_FOUND");
  });

  it("deleteDefaultRules removes and restores the default rules; rename, description, tags change in place", async () => {
    const project = newProject();
    const g = await backend.createGroup(newGroup(project, "db"));
    const dropped = await backend.updateGroup(project, g.group.id, { deleteDefaultRules: true });
    expect(dropped.defaultRuleIds).toEqual([]);
    const restored = await backend.updateGroup(project, g.group.id, { deleteDefaultRules: false, defaultRules: EGRESS_ANY });
    expect(restored.defaultRuleIds).toHaveLength(2);
    const renamed = await backend.updateGroup(project, g.group.id, { name: "database", description: "the db", tags: ["x"] });
    expect(renamed.group).toMatchObject({ name: "database", description: "the db", tags: ["x"] });
    expect(renamed.group.revisionNumber).toBeGreaterThan(g.group.revisionNumber);
    await backend.createGroup(newGroup(project, "other"));
    expect((await rejection(backend.updateGroup(project, g.group.id, { name: "other" }))).code).toBe("SG_NAME_TAKEN");
    expect((await rejection(backend.updateGroup(project, randomUUID(), { name: "x" }))).code).toBe("SG_NOT_FOUND");
  });

  it("refuses to delete a group another group's rule names (SG_IN_USE naming the rule), then deletes it", async () => {
    const project = newProject();
    const web = await backend.createGroup(newGroup(project, "web"));
    const app = await backend.createGroup(newGroup(project, "app"));
    const fromWeb = await backend.createRule(
      rule(app.group.id, { protocol: "tcp", portRangeMin: 8080, portRangeMax: 8080, remoteGroupId: web.group.id }),
      {
        profile: "openstack",
      },
    );
    const inUse = await rejection(backend.deleteGroup(project, web.group.id));
    expect(inUse.code).toBe("SG_IN_USE");
    expect(inUse.message).toContain(`rule ${fromWeb.id}`);
    expect(await backend.deleteRule(project, fromWeb.id)).toBe(true);
    expect(await backend.deleteGroup(project, web.group.id)).toBe(true);
    expect(await backend.deleteGroup(project, web.group.id)).toBe(false);
  });

  it("a create retried with its client token (a URN longer than a Neutron tag) returns the group the first one made; after forgetting, a new one", async () => {
    const LONG_TOKEN = `urn:pulumi:dev::proj::${"component$".repeat(30)}pulumi-nodejs:dynamic/secgroups:SecurityGroup::tok#0123`;
    const project = newProject();
    const first = await backend.createGroup(newGroup(project, "tok", { clientToken: LONG_TOKEN }));
    const again = await backend.createGroup(newGroup(project, "tok", { clientToken: LONG_TOKEN }));
    expect(again.group.id).toBe(first.group.id);
    expect(again.group.tags).toEqual([]);
    // Asked for an object of a type that keeps no token with Neutron (an attachment), nothing is read or forgotten.
    await backend.forgetClientToken(project, first.group.id, "ServerAttachment");
    expect((await backend.createGroup(newGroup(project, "tok", { clientToken: LONG_TOKEN }))).group.id).toBe(first.group.id);
    await backend.forgetClientToken(project, first.group.id, "SecurityGroup");
    expect((await rejection(backend.createGroup(newGroup(project, "tok", { clientToken: LONG_TOKEN })))).code).toBe("SG_NAME_TAKEN");
  });

  it("a rule's create whose answer was lost takes the rule it made (its token or its resource's tag on the group); another's is SG_RULE_EXISTS; the stack is a hidden tag", async () => {
    const project = newProject();
    const g = await backend.createGroup(newGroup(project, "rtok", { tags: ["x"] }));
    const ssh = { protocol: "tcp", portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "0.0.0.0/0" } as const;
    const stack = "urn:pulumi:dev::proj::";
    const managedBy = `${stack}pulumi-nodejs:dynamic/secgroups:SecurityGroupRule::ssh`;
    const first = await backend.createRule({ ...rule(g.group.id, ssh), clientToken: "urn:r#1", managedBy }, { profile: "openstack" });
    const hidden = async () =>
      (
        (await (await fetch(`${neutronUrl}/v2.0/security-groups/${g.group.id}`)).json()) as { security_group: { tags: string[] } }
      ).security_group.tags.sort();
    // The token went with the create's answer; the stack stays.
    expect(await hidden()).toEqual([managedTag(first.id, managedBy)!, "x"].sort());
    expect((await backend.listRules(project, g.group.id)).find((r) => r.id === first.id)?.managedBy).toBe(stack);
    expect((await rejection(backend.createRule({ ...rule(g.group.id, ssh), clientToken: "urn:r#1" }, { profile: "openstack" }))).code).toBe(
      "SG_RULE_EXISTS",
    );
    // A crash after Neutron made the rule and before the answer reached the engine: the token is still on the group.
    await fetch(`${neutronUrl}/v2.0/security-groups/${g.group.id}/tags/${encodeURIComponent(ruleTokenTag("urn:r#1"))}`, { method: "PUT" });
    const again = await backend.createRule({ ...rule(g.group.id, ssh), clientToken: "urn:r#1", managedBy }, { profile: "openstack" });
    expect(again.id).toBe(first.id);
    expect(await hidden()).toEqual([managedTag(first.id, managedBy)!, "x"].sort());
    // A crash after the answer: the resource's own managedTag says the rule is its own.
    expect((await backend.createRule({ ...rule(g.group.id, ssh), clientToken: "urn:r#2", managedBy }, { profile: "openstack" })).id).toBe(first.id);
    // Another resource's create of the same rule is a duplicate, token or not.
    const other = { clientToken: "urn:other#1", managedBy: `${stack}pulumi-nodejs:dynamic/secgroups:SecurityGroupRule::other` };
    expect((await rejection(backend.createRule({ ...rule(g.group.id, ssh), ...other }, { profile: "openstack" }))).code).toBe("SG_RULE_EXISTS");
    expect((await backend.getGroup(project, g.group.id))!.group.tags).toEqual(["x"]);
    // A tag change leaves the hidden ones; deleting the rule takes its stack's tag off.
    await backend.updateGroup(project, g.group.id, { tags: ["y"] });
    expect(await hidden()).toEqual([managedTag(first.id, managedBy)!, "y"].sort());
    expect(await backend.deleteRule(project, first.id)).toBe(true);
    expect(await hidden()).toEqual(["y"]);
    expect(await backend.listRules(project, g.group.id)).toHaveLength(2);
  });

  it("networks: created with their subnets, found by id and name; the cloud's shared networks are built-in; deletes refused while in use", async () => {
    const project = newProject();
    const net = await backend.createNetwork(project, "app-net", ["10.10.0.0/24", "fd00:10::/64"], "net-token");
    expect(net).toMatchObject({ project, name: "app-net", subnets: ["10.10.0.0/24", "fd00:10::/64"], builtin: false });
    expect((await backend.createNetwork(project, "app-net", ["10.10.0.0/24", "fd00:10::/64"], "net-token")).id).toBe(net.id);
    expect(await backend.getNetwork(project, "app-net")).toEqual(net);
    expect(await backend.getNetwork(project, net.id)).toEqual(net);
    const taken = await rejection(backend.createNetwork(project, "app-net", ["10.11.0.0/24"]));
    expect(taken.code).toBe("SG_NAME_TAKEN");
    expect(taken.message).toContain(net.id);
    // Forgetting asked for another type's object leaves the network's token; for the network, it goes.
    const tags = async () => ((await (await fetch(`${neutron.url}/v2.0/networks/${net.id}`)).json()) as { network: { tags: string[] } }).network.tags;
    await backend.forgetClientToken(project, net.id, "SecurityGroupRule");
    expect(await tags()).toEqual([tokenTag("net-token")]);
    await backend.forgetClientToken(project, net.id, "Network");
    expect(await tags()).toEqual([]);
    expect((await rejection(backend.createNetwork(project, "app-net", ["10.10.0.0/24", "fd00:10::/64"], "net-token"))).code).toBe("SG_NAME_TAKEN");
    // A network the cloud shares (made by another project) is a built-in network of every project.
    const cloud = newProject();
    const shared = await fetch(`${neutron.url}/v2.0/networks`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ network: { name: "PublicNet", project_id: cloud, shared: true } }),
    }).then(async (r) => (await r.json()) as { network: { id: string } });
    const listed = await backend.listNetworks(project);
    expect(listed.map((n) => [n.name, n.builtin])).toEqual([
      ["PublicNet", true],
      ["app-net", false],
    ]);
    const builtin = await rejection(backend.deleteNetwork(project, shared.network.id));
    expect(builtin.code).toBe("SG_IN_USE");
    expect(builtin.message).toContain("belongs to the cloud");
    // A server's port on the network (as the compute service makes one) holds it.
    const port = await fetch(`${neutron.url}/v2.0/ports`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ port: { network_id: net.id, project_id: project, device_owner: "compute:nova", device_id: "server-1" } }),
    }).then(async (r) => (await r.json()) as { port: { id: string } });
    const used = await rejection(backend.deleteNetwork(project, net.id));
    expect(used.code).toBe("SG_IN_USE");
    expect(used.message).toContain(`server server-1 port ${port.port.id}`);
    await fetch(`${neutron.url}/v2.0/ports/${port.port.id}`, { method: "DELETE" });
    expect(await backend.deleteNetwork(project, net.id)).toBe(true);
    expect(await backend.deleteNetwork(project, net.id)).toBe(false);
    expect(await backend.getNetwork(project, "app-net")).toBeUndefined();
  });

  it("attachments change a compute port's groups: attach, read, swap, detach; a server is what its ports say", async () => {
    const project = newProject();
    const net = await backend.createNetwork(project, "ServiceNet", ["198.51.100.0/24"]);
    const port = await computePort(neutronUrl, project, net.id, "server-a");
    const server = await backend.getServer(project, "server-a");
    expect(server).toMatchObject({ id: "server-a", project, status: "ACTIVE" });
    expect(server!.ports.map((p) => [p.id, p.networkName, p.securityGroupIds])).toEqual([[port, "ServiceNet", []]]);
    expect(await backend.serverProject("server-a")).toBe(project);
    const web = await backend.createGroup(newGroup(project, "web"));
    const ssh = await backend.createGroup(newGroup(project, "ssh"));
    const a = await backend.createAttachment(project, "server-a", "web", "ServiceNet", RACKSPACE);
    expect(a).toMatchObject({
      id: `server-a/${web.group.id}/${net.id}`,
      serverId: "server-a",
      securityGroupId: web.group.id,
      networkId: net.id,
      portIds: [port],
    });
    expect((await backend.getAttachment(project, a.id))?.portIds).toEqual([port]);
    const again = await rejection(backend.createAttachment(project, "server-a", web.group.id, "ServiceNet", RACKSPACE));
    expect(again.code).toBe("SG_ALREADY_ATTACHED");
    // A retried create (same client token) finds what the first one did.
    expect((await backend.createAttachment(project, "server-a", web.group.id, "ServiceNet", RACKSPACE, "tok")).portIds).toEqual([port]);
    const swapped = await backend.swapAttachment(project, a.id, ssh.group.id, RACKSPACE);
    expect(swapped.securityGroupId).toBe(ssh.group.id);
    expect((await backend.getServer(project, "server-a"))!.ports[0]!.securityGroupIds).toEqual([ssh.group.id]);
    expect(await backend.deleteAttachment(project, swapped.id, RACKSPACE)).toBe(true);
    expect(await backend.deleteAttachment(project, swapped.id, RACKSPACE)).toBe(false);
    expect((await backend.getServer(project, "server-a"))!.ports[0]!.securityGroupIds).toEqual([]);
    const closed = await rejection(
      backend.createAttachment(project, "server-a", "web", "ServiceNet", { ...RACKSPACE, attachableNetworks: ["PublicNet"] }),
    );
    expect(closed.code).toBe("SG_NETWORK_NOT_ATTACHABLE");
    expect((await rejection(backend.createAttachment(project, "no-such-server", "web", null, RACKSPACE))).code).toBe("SG_SERVER_NOT_FOUND");
  });

  it("creating or deleting a server is refused: servers belong to the compute service", async () => {
    const err = await rejection(
      backend.createServer({ project: newProject(), name: "vm", networks: ["PublicNet"], securityGroupIds: [], bootSeconds: 0 }, RACKSPACE),
    );
    expect(err.code).toBe("SG_BACKEND_INVALID");
    expect(err.message).toContain("they belong to the compute service (Nova)");
  });

  it("an unreachable Neutron is SG_BACKEND_UNAVAILABLE naming the URL, no stack", async () => {
    const down = new OpenstackBackend(new NoAuth("http://127.0.0.1:1"));
    const err = await rejection(down.listGroups(newProject()));
    expect(err.code).toBe("SG_BACKEND_UNAVAILABLE");
    expect(err.message).toContain("cannot reach the Neutron API at http://127.0.0.1:1");
    expect(err.stack).toBe("");
  });
});

describe("openstack backend behind a real Keystone", () => {
  let neutron: NeutronServer;

  beforeAll(async () => {
    // Neutron asks Keystone about every token (no cache), so a revoked one is refused at once.
    neutron = await startNeutron({ keystone: true, extraNeutronConf: "[keystone_authtoken]\ntoken_cache_time = -1\n" });
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await neutron?.stop();
  });

  it("logs in with the password, finds Neutron in the catalog and manages groups in the token's project", async () => {
    const ks = neutron.keystone!;
    const auth = new KeystoneAuth({
      authUrl: ks.authUrl,
      method: "password",
      username: ks.username,
      password: ks.password,
      userDomainName: ks.userDomainName,
      projectName: ks.projectName,
      projectDomainName: ks.projectDomainName,
      regionName: ks.region,
    });
    expect(await auth.endpoint()).toBe(neutron.url);
    expect(await auth.projectId()).toBe(ks.projectId);
    const backend = new OpenstackBackend(auth);
    const g = await backend.createGroup(newGroup(ks.projectId, "behind-keystone"));
    expect(g.group.project).toBe(ks.projectId);
    expect(g.defaultRuleIds).toHaveLength(2);
  });

  it("secgroups:backend openstack://CLOUD reads clouds.yaml in the program's directory; the secret password wins over the file's", async () => {
    const ks = neutron.keystone!;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-clouds-"));
    try {
      const entry = (password: string) =>
        [
          "clouds:",
          "  lab:",
          "    auth:",
          `      auth_url: ${ks.authUrl}`,
          `      username: ${ks.username}`,
          `      password: ${JSON.stringify(password)}`,
          `      project_name: ${ks.projectName}`,
          `      user_domain_name: ${ks.userDomainName}`,
          `      project_domain_name: ${ks.projectDomainName}`,
          `    region_name: ${ks.region}`,
          "",
        ].join("\n");
      fs.writeFileSync(path.join(dir, "clouds.yaml"), entry(ks.password));
      const env = { HOME: dir };
      const backend = openBackendWith("openstack://lab", dir, env);
      const g = await backend.createGroup(newGroup("ignored-behind-keystone", "from-clouds-yaml"));
      expect(g.group.project).toBe(ks.projectId);
      expect((await backend.findGroupByName("any", "from-clouds-yaml"))?.id).toBe(g.group.id);
      // A wrong password in the file, the right one as the secret: the secret wins.
      fs.writeFileSync(path.join(dir, "clouds.yaml"), entry("wrong"));
      expect((await openBackendWith("openstack://lab", dir, env, ks.password).listGroups("x")).map((x) => x.name)).toContain("from-clouds-yaml");
      const missing = (() => {
        try {
          openBackendWith("openstack://nowhere", dir, env);
        } catch (err) {
          return err as SecgroupsError;
        }
        throw new Error("openstack://nowhere opened");
      })();
      expect(missing.code).toBe("SG_BACKEND_INVALID");
      expect(missing.message).toContain(`no clouds.yaml entry named nowhere; found ${path.join(dir, "clouds.yaml")} (lab)`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("secgroups:backend openstack reads the OS_* variables of an openrc file", async () => {
    const ks = neutron.keystone!;
    const env = {
      HOME: os.tmpdir(),
      OS_AUTH_URL: ks.authUrl,
      OS_USERNAME: ks.username,
      OS_PASSWORD: ks.password,
      OS_PROJECT_NAME: ks.projectName,
      OS_USER_DOMAIN_NAME: ks.userDomainName,
      OS_PROJECT_DOMAIN_NAME: ks.projectDomainName,
      OS_REGION_NAME: ks.region,
    };
    const backend = openBackendWith("openstack", os.tmpdir(), env);
    expect(backend.kind).toBe("openstack");
    expect(backend.location).toBe(`Keystone at ${ks.authUrl}`);
    expect(Array.isArray(await backend.listGroups("x"))).toBe(true);
    const none = (() => {
      try {
        openBackendWith("openstack", os.tmpdir(), { HOME: os.tmpdir() });
      } catch (err) {
        return err as SecgroupsError;
      }
      throw new Error("openstack opened without credentials");
    })();
    expect(none.code).toBe("SG_BACKEND_INVALID");
    expect(none.message).toContain("neither OS_CLOUD nor OS_AUTH_URL");
  });

  it("an application credential logs in; a revoked token is fetched again once; network_endpoint_override is honoured", async () => {
    const ks = neutron.keystone!;
    const admin = await keystoneToken(ks.authUrl, { username: ks.username, password: ks.password, projectName: ks.projectName });
    expect(admin.status).toBe(201);
    const keystone = async (
      method: string,
      route: string,
      token: string,
      body?: unknown,
      subject?: string,
    ): Promise<{ status: number; body: any }> => {
      const res = await fetch(`${ks.authUrl}${route}`, {
        method,
        headers: { "Content-Type": "application/json", "X-Auth-Token": token, ...(subject ? { "X-Subject-Token": subject } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: res.status === 204 ? undefined : await res.json() };
    };
    const secret = `ac-${randomUUID()}`;
    const made = await keystone("POST", `/users/${admin.body.token.user.id}/application_credentials`, admin.token!, {
      application_credential: { name: `secgroups-${randomUUID().slice(0, 8)}`, secret },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const auth = new KeystoneAuth({
      authUrl: ks.authUrl,
      method: "v3applicationcredential",
      applicationCredentialId: made.body.application_credential.id,
      applicationCredentialSecret: secret,
    });
    const backend = new OpenstackBackend(auth);
    const g = await backend.createGroup(newGroup("named-only", "from-app-credential"));
    expect(g.group.project).toBe(ks.projectId);

    // Keystone revokes the token the backend holds: the next request is refused once, logs in again and succeeds.
    const first = (await auth.headers())["X-Auth-Token"]!;
    expect((await keystone("DELETE", "/auth/tokens", admin.token!, undefined, first)).status).toBe(204);
    expect((await backend.listGroups("x")).map((x) => x.id)).toContain(g.group.id);
    const second = (await auth.headers())["X-Auth-Token"]!;
    expect(second).not.toBe(first);

    // network_endpoint_override wins over the catalog: a wrong one is where the backend goes.
    const elsewhere = new OpenstackBackend(
      new KeystoneAuth({
        authUrl: ks.authUrl,
        method: "v3applicationcredential",
        applicationCredentialId: made.body.application_credential.id,
        applicationCredentialSecret: secret,
        endpointOverride: "http://127.0.0.1:1",
      }),
    );
    const err = await rejection(elsewhere.listGroups("x"));
    expect(err.code).toBe("SG_BACKEND_UNAVAILABLE");
    expect(err.message).toContain("http://127.0.0.1:1");
    expect(err.message).not.toContain(secret);
  });

  it("a wrong password is SG_BACKEND_UNAVAILABLE naming the auth URL, never the password", async () => {
    const ks = neutron.keystone!;
    const wrong = `not-${ks.password}`;
    const backend = new OpenstackBackend(
      new KeystoneAuth({
        authUrl: ks.authUrl,
        method: "password",
        username: ks.username,
        password: wrong,
        userDomainName: ks.userDomainName,
        projectName: ks.projectName,
        projectDomainName: ks.projectDomainName,
      }),
    );
    const err = await rejection(backend.listGroups(ks.projectId));
    expect(err.code).toBe("SG_BACKEND_UNAVAILABLE");
    expect(err.message).toContain(`Keystone at ${ks.authUrl} refused the credentials (401)`);
    expect(err.message).not.toContain(wrong);
    expect(err.message).not.toContain(ks.password);
  });
});
