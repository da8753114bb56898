/**
 * The real services harness (tools/neutron.ts) against the real thing: Neutron 29.0.0 and Keystone
 * 30.0.0 from PyPI (scripts/neutron-venv.sh installs them into the project cache when missing),
 * Neutron's database on a private PostgreSQL. Nothing is mocked and nothing is skipped: a missing
 * Python 3.11, PostgreSQL or package fails the file.
 *
 * Through plain fetch, with exact values: a security group created for a project named in the
 * body comes with Neutron's two default egress rules; a duplicate rule is a 409 naming the rule it
 * duplicates; a compute port's security groups are replaced by PUT, and a stale
 * `If-Match: revision_number=N` is a 412; a group a port uses cannot be deleted (409). A Neutron
 * that cannot start fails startNeutron with its log's tail. Behind Keystone: the admin's password
 * gets a token (201) Neutron accepts, a wrong one a 401 from Keystone, no token a 401 from Neutron.
 * The start-up times are printed, not asserted (the machine is shared).
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { harnessLeftovers, keystoneToken, startNeutron, type NeutronServer } from "../../tools/neutron";
import { startPostgres, type PostgresServer } from "../../tools/postgres";

/** A start may install the venv first (about a minute cold, more on a busy machine), then migrate (about 10 s). */
const START_TIMEOUT_MS = 600_000;

/** A project id as Keystone writes them (32 hex digits), new for each test so that tests share no state. */
function newProject(): string {
  return randomUUID().replaceAll("-", "");
}

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

/** One JSON call to Neutron's API (`route` under /v2.0). */
async function call(neutron: NeutronServer, method: string, route: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${neutron.url}/v2.0${route}`, {
    method,
    headers: { Accept: "application/json", ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** Succeeds with `status`, or fails showing what Neutron said. */
function expectStatus(answer: Answer, status: number): any {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  return answer.body;
}

/** What a rule means, without its ids and timestamps. */
function meaning(rule: Record<string, unknown>) {
  const { direction, ethertype, protocol, port_range_min, port_range_max, remote_ip_prefix, remote_group_id, normalized_cidr } = rule;
  return { direction, ethertype, protocol, port_range_min, port_range_max, remote_ip_prefix, remote_group_id, normalized_cidr };
}

function logTimings(label: string, neutron: NeutronServer): void {
  const t = neutron.timings;
  console.log(
    `${label}: started in ${t.total} s (venv check ${t.venv} s, PostgreSQL ${t.postgres} s, database ${t.database} s, ` +
      `Keystone ${t.keystone} s, Neutron to first 200 ${t.neutron} s)`,
  );
}

let postgres: PostgresServer;

beforeAll(async () => {
  postgres = await startPostgres("secgroups");
});

afterAll(() => {
  postgres?.stop();
});

describe("a real Neutron 29 (noauth, PostgreSQL)", () => {
  let neutron: NeutronServer;

  beforeAll(async () => {
    neutron = await startNeutron({ postgres });
    logTimings("Neutron (noauth)", neutron);
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await neutron?.stop();
  });

  async function createGroup(project: string, name: string): Promise<any> {
    return expectStatus(await call(neutron, "POST", "/security-groups", { security_group: { name, project_id: project } }), 201).security_group;
  }

  async function createComputePort(project: string, groups: string[]): Promise<any> {
    const network = expectStatus(await call(neutron, "POST", "/networks", { network: { name: "net", project_id: project } }), 201).network;
    const port = { network_id: network.id, project_id: project, device_owner: "compute:nova", device_id: randomUUID(), security_groups: groups };
    return expectStatus(await call(neutron, "POST", "/ports", { port }), 201).port;
  }

  it("creates a security group in the project the body names, with the two default egress rules", async () => {
    const project = newProject();
    const group = await createGroup(project, "web");

    expect(group).toMatchObject({
      name: "web",
      project_id: project,
      tenant_id: project,
      description: "",
      stateful: true,
      shared: false,
      revision_number: 1,
    });
    const egress = {
      direction: "egress",
      protocol: null,
      port_range_min: null,
      port_range_max: null,
      remote_ip_prefix: null,
      remote_group_id: null,
      normalized_cidr: null,
    };
    const rules = [...group.security_group_rules].sort((a, b) => a.ethertype.localeCompare(b.ethertype));
    expect(rules.map(meaning)).toEqual([
      { ...egress, ethertype: "IPv4" },
      { ...egress, ethertype: "IPv6" },
    ]);
    for (const rule of rules) expect(rule).toMatchObject({ security_group_id: group.id, project_id: project, revision_number: 0 });

    // The same group read back, and the project's default group, made on the project's first call.
    const read = expectStatus(await call(neutron, "GET", `/security-groups/${group.id}`), 200).security_group;
    expect(read.revision_number).toBe(1);
    expect(read.security_group_rules.map((r: { id: string }) => r.id).sort()).toEqual(rules.map((r) => r.id).sort());
    const listed = expectStatus(await call(neutron, "GET", `/security-groups?project_id=${project}`), 200).security_groups;
    expect(listed.map((g: { name: string }) => g.name).sort()).toEqual(["default", "web"]);
  });

  it("refuses a duplicate rule with 409 SecurityGroupRuleExists naming the existing rule's id", async () => {
    const project = newProject();
    const group = await createGroup(project, "ssh");
    const rule = {
      security_group_id: group.id,
      direction: "ingress",
      ethertype: "IPv4",
      protocol: "tcp",
      port_range_min: 22,
      port_range_max: 22,
      remote_ip_prefix: "0.0.0.0/0",
      project_id: project,
    };
    const created = expectStatus(await call(neutron, "POST", "/security-group-rules", { security_group_rule: rule }), 201).security_group_rule;
    expect(meaning(created)).toEqual({
      direction: "ingress",
      ethertype: "IPv4",
      protocol: "tcp",
      port_range_min: 22,
      port_range_max: 22,
      remote_ip_prefix: "0.0.0.0/0",
      remote_group_id: null,
      normalized_cidr: "0.0.0.0/0",
    });

    const duplicate = await call(neutron, "POST", "/security-group-rules", { security_group_rule: rule });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toEqual({
      NeutronError: { type: "SecurityGroupRuleExists", message: `Security group rule already exists. Rule id is ${created.id}.`, detail: "" },
    });
    // Adding a rule counts as a change of the group.
    expect(expectStatus(await call(neutron, "GET", `/security-groups/${group.id}`), 200).security_group.revision_number).toBe(2);
  });

  it("replaces a compute port's security groups by PUT, and refuses a stale If-Match revision with 412", async () => {
    const project = newProject();
    const web = await createGroup(project, "web");
    const db = await createGroup(project, "db");
    const port = await createComputePort(project, [web.id]);
    expect(port).toMatchObject({
      project_id: project,
      device_owner: "compute:nova",
      status: "DOWN",
      "binding:vif_type": "unbound",
      port_security_enabled: true,
      security_groups: [web.id],
      revision_number: 1,
    });

    const updated = expectStatus(
      await call(neutron, "PUT", `/ports/${port.id}`, { port: { security_groups: [web.id, db.id] } }, { "If-Match": "revision_number=1" }),
      200,
    ).port;
    expect([...updated.security_groups].sort()).toEqual([web.id, db.id].sort());
    expect(updated.revision_number).toBe(2);

    const stale = await call(neutron, "PUT", `/ports/${port.id}`, { port: { security_groups: [db.id] } }, { "If-Match": "revision_number=1" });
    expect(stale.status).toBe(412);
    expect(stale.body).toEqual({
      NeutronError: { type: "RevisionNumberConstraintFailed", message: "Constrained to 1, but current revision is 2", detail: "" },
    });
    const read = expectStatus(await call(neutron, "GET", `/ports/${port.id}`), 200).port;
    expect([...read.security_groups].sort()).toEqual([web.id, db.id].sort());
    expect(read.revision_number).toBe(2);
  });

  it("refuses to delete a group a port uses with 409 SecurityGroupInUse, and deletes it once the port lets go", async () => {
    const project = newProject();
    const group = await createGroup(project, "app");
    const port = await createComputePort(project, [group.id]);

    const refused = await call(neutron, "DELETE", `/security-groups/${group.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({ NeutronError: { type: "SecurityGroupInUse", message: `Security Group ${group.id} in use.`, detail: "" } });

    expect(expectStatus(await call(neutron, "PUT", `/ports/${port.id}`, { port: { security_groups: [] } }), 200).port.security_groups).toEqual([]);
    expect((await call(neutron, "DELETE", `/security-groups/${group.id}`)).status).toBe(204);
    expect((await call(neutron, "GET", `/security-groups/${group.id}`)).status).toBe(404);
  });

  it("fails startNeutron with the tail of Neutron's log when Neutron cannot start, leaving nothing behind", async () => {
    const databases = async () => {
      const client = new Client({ connectionString: postgres.url });
      await client.connect();
      try {
        return (await client.query("SELECT datname FROM pg_database WHERE datname LIKE 'neutron_%' ORDER BY datname")).rows.map((r) => r.datname);
      } finally {
        await client.end();
      }
    };
    const before = await databases();
    const leftovers = harnessLeftovers();

    const message = await startNeutron({ postgres, extraNeutronConf: "[DEFAULT]\ncore_plugin = no_such_plugin" }).then(
      () => "started",
      (e: Error) => e.message,
    );
    expect(message).toMatch(/^Neutron exited \(code \d+\) before serving http:\/\/127\.0\.0\.1:\d+\/v2\.0\/networks; the errors it logged first:\n/);
    expect(message).toContain("ERROR neutron.manager [-] Plugin 'no_such_plugin' not found.");
    expect(message).toMatch(/the last lines of \S+\/neutron\.log:\n[^]*\[ERROR\] Reason: Worker failed to boot\.$/);

    expect(await databases()).toEqual(before);
    expect(harnessLeftovers()).toEqual(leftovers);
  });
});

describe("a real Neutron 29 behind a real Keystone 30", () => {
  let neutron: NeutronServer;

  beforeAll(async () => {
    neutron = await startNeutron({ postgres, keystone: true });
    logTimings("Neutron with Keystone", neutron);
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await neutron?.stop();
  });

  it("gives the admin a token for the right password (201), with Neutron in the catalog, and Neutron accepts it (200)", async () => {
    const ks = neutron.keystone!;
    const auth = await keystoneToken(ks.authUrl, ks);
    expect(auth.status, JSON.stringify(auth.body)).toBe(201);
    expect(auth.token).toMatch(/^gAAAAA/); // a Fernet token
    expect(auth.body.token.project).toMatchObject({ id: ks.projectId, name: "admin" });
    expect(auth.body.token.user.name).toBe("admin");
    expect(auth.body.token.roles.map((r: { name: string }) => r.name)).toContain("admin");
    const network = auth.body.token.catalog.find((s: { type: string }) => s.type === "network");
    expect(network.endpoints.map((e: { interface: string; url: string }) => `${e.interface} ${e.url}`).sort()).toEqual(
      ["admin", "internal", "public"].map((i) => `${i} ${neutron.url}`),
    );

    const networks = await call(neutron, "GET", "/networks", undefined, { "X-Auth-Token": auth.token! });
    expect(networks.status).toBe(200);
    expect(networks.body).toEqual({ networks: [] });
  });

  it("refuses a wrong password: 401 from Keystone", async () => {
    const ks = neutron.keystone!;
    const auth = await keystoneToken(ks.authUrl, { ...ks, password: `${ks.password}x` });
    expect(auth.status).toBe(401);
    expect(auth.token).toBeUndefined();
    expect(auth.body).toEqual({ error: { code: 401, message: "The request you have made requires authentication.", title: "Unauthorized" } });
  });

  it("refuses a call without a token, or with a bogus one: 401 from Neutron, pointing at Keystone", async () => {
    const cases: Record<string, string>[] = [{}, { "X-Auth-Token": "bogus" }];
    for (const headers of cases) {
      const answer = await call(neutron, "GET", "/networks", undefined, headers);
      expect(answer.status).toBe(401);
      expect(answer.headers.get("www-authenticate")).toBe(`Keystone uri="${neutron.keystone!.url}"`);
      expect(answer.body).toEqual({ error: { code: 401, title: "Unauthorized", message: "The request you have made requires authentication." } });
    }
  });

  it("keeps the admin's password out of the logs", () => {
    const ks = neutron.keystone!;
    for (const log of [neutron.logFile, neutron.setupLogFile, ks.logFile]) {
      expect(fs.existsSync(log), log).toBe(true);
      expect(fs.readFileSync(log, "utf8").includes(ks.password), log).toBe(false);
    }
  });
});
