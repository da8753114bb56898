/**
 * The built `secgroups` CLI (dist/provider/cli/main.js; the test command builds first) run as a
 * child process against real backends: an SQLite file and a private PostgreSQL server, filled
 * through openBackend and the StateBackend API as the provider fills them.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBackend } from "../../provider/backends";
import type { GroupRecord, RuleRecord, ServerRecord, StateBackend } from "../../provider/backends/types";
import { attachmentPolicy, projectSetup } from "../../provider/domain/profiles";
import { loadProfile } from "../../provider/profileLoader";
import { rule } from "../support/backend";
import { startPostgres, type PostgresServer } from "../../tools/postgres";

const REPO = path.resolve(__dirname, "../..");
const CLI = path.join(REPO, "dist/provider/cli/main.js");
const OPENSTACK = loadProfile("openstack", REPO);

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in `cwd` with only `env` (plus PATH) for settings. */
function secgroups(args: string[], opts: { cwd: string; env?: Record<string, string> }): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH ?? "", ...opts.env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A stack trace line, which the CLI must never print. */
const STACK_LINE = /^\s+at /m;

/** What a backend holds after `fill`: seed 001's group and rule, a server, two servers of one name. */
interface Filled {
  ssh: GroupRecord;
  sshRules: RuleRecord[];
  defaultGroup: GroupRecord;
  web: ServerRecord;
  twins: ServerRecord[];
}

/** Fills `backend`'s project `default` as `pulumi up` of the quickstart would, plus servers. */
async function fill(backend: StateBackend): Promise<Filled> {
  await backend.ensureProject("default", projectSetup(OPENSTACK));
  const created = await backend.createGroup({
    project: "default",
    name: "allow-ssh-from-anywhere",
    description: "Beispiel",
    stateful: true,
    tags: ["seed-001"],
    defaultRules: OPENSTACK.newGroupRules,
  });
  await backend.createRule(rule(created.group.id, { protocol: "tcp", portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "0.0.0.0/0" }), {
    profile: "openstack",
  });
  const policy = attachmentPolicy(OPENSTACK);
  const web = await backend.createServer(
    { project: "default", name: "web-1", networks: ["public"], securityGroupIds: [created.group.id], bootSeconds: 0 },
    policy,
  );
  const twins = [
    await backend.createServer({ project: "default", name: "twin", networks: ["public"], securityGroupIds: [], bootSeconds: 0 }, policy),
    await backend.createServer({ project: "default", name: "twin", networks: ["public"], securityGroupIds: [], bootSeconds: 0 }, policy),
  ];
  const ssh = (await backend.getGroup("default", created.group.id))!.group;
  return {
    ssh,
    sshRules: await backend.listRules("default", ssh.id),
    defaultGroup: (await backend.findGroupByName("default", "default"))!,
    web: (await backend.getServer("default", web.id))!,
    twins,
  };
}

/** Checks the CLI is built, then fills the backend at `url` through the provider's backend code and closes it. */
async function fillAt(url: string, dir: string): Promise<Filled> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run bash scripts/build.sh first (the test command does)`);
  const backend = openBackend(url, dir);
  try {
    return await fill(backend);
  } finally {
    await backend.close();
  }
}

/** `2026-11-23T17:55:01.123Z` → `2026-11-23T17:55:01Z`. */
const sec = (ts: string) => ts.replace(/\.\d+Z$/, "Z");

/**
 * exposure and can-reach on a filled backend (seed 001's group, tcp 22 from 0.0.0.0/0, on web-1;
 * two servers named twin without groups): the same answers on SQLite and PostgreSQL.
 */
function exposureOn(ctx: () => { url: string; dir: string; data: Filled }): void {
  it("exposure --format json: web-1's SSH is open to the internet (high), by seed 001's rule; the twins let nothing in", () => {
    const { url, dir, data } = ctx();
    const r = secgroups(["exposure", "--format", "json", "--backend", url], { cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout) as {
      ports: Array<{ server: string; groups: string[]; ingress: Array<{ traffic: string; remote: string; rule: string }> }>;
      findings: Array<Record<string, unknown>>;
    };
    const ssh = data.sshRules.find((x) => x.direction === "ingress")!;
    const defaults = JSON.parse(
      secgroups(["rule", "list", "--group", "default", "--format", "json", "--backend", url], { cwd: dir }).stdout,
    ) as Array<{ id: string; direction: string }>;
    const fromMembers = defaults
      .filter((x) => x.direction === "ingress")
      .map((x) => x.id)
      .sort();
    expect(json.ports.map((p) => [p.server, p.groups, p.ingress.map((i) => `${i.traffic} (${i.rule})`).sort()])).toEqual([
      ["twin", ["default"], fromMembers.map((id) => `any protocol (${id})`)],
      ["twin", ["default"], fromMembers.map((id) => `any protocol (${id})`)],
      ["web-1", ["allow-ssh-from-anywhere"], [`tcp 22 (${ssh.id})`]],
    ]);
    expect(json.ports[0]!.ingress[0]!.remote).toMatch(/^group default \(twin 203\.0\.113\.\d+, twin 203\.0\.113\.\d+\)$/);
    expect(json.findings).toEqual([
      {
        code: "admin-port-from-internet",
        severity: "high",
        serverName: "web-1",
        networkName: "public",
        fixedIp: data.web.ports[0]!.fixedIp,
        family: "IPv4",
        groupId: data.ssh.id,
        groupName: "allow-ssh-from-anywhere",
        ruleId: ssh.id,
        traffic: "tcp 22",
        message: `web-1 (public ${data.web.ports[0]!.fixedIp}) accepts tcp 22 (SSH) from the whole IPv4 internet (rule ${ssh.id} of group allow-ssh-from-anywhere)`,
        fix: `replace rule ${ssh.id} (group allow-ssh-from-anywhere) with one that allows tcp 22 only from the networks that need it (a bastion or VPN CIDR, or a remote group)`,
      },
    ]);
  });

  it("can-reach: allowed names the rule (exit 0); blocked says what is missing (exit 1); an ambiguous server name is exit 1", () => {
    const { url, dir, data } = ctx();
    const ip = data.web.ports[0]!.fixedIp;
    const ssh = data.sshRules.find((x) => x.direction === "ingress")!;
    const allowed = secgroups(["can-reach", "--from", "8.8.8.8", "--to", "web-1", "--protocol", "tcp", "--port", "22", "--backend", url], {
      cwd: dir,
    });
    expect(allowed).toEqual({
      status: 0,
      stderr: "",
      stdout: [
        "allowed: tcp 22 from 8.8.8.8 to web-1",
        `  web-1 (public ${ip}): allowed`,
        `    request into web-1 (public ${ip}): allowed by rule ${ssh.id} of group allow-ssh-from-anywhere (IPv4 tcp 22 from 0.0.0.0/0)`,
        `    reply out of web-1 (public ${ip}): allowed as return traffic (every group on the port is stateful)`,
        "",
      ].join("\n"),
    });
    const blocked = secgroups(["can-reach", "--from", "8.8.8.8", "--to", data.web.id, "--protocol", "6", "--port", "3389", "--backend", url], {
      cwd: dir,
    });
    expect(blocked).toEqual({
      status: 1,
      stderr: "",
      stdout: [
        "blocked: tcp 3389 from 8.8.8.8 to web-1",
        `  web-1 (public ${ip}): blocked`,
        `    request into web-1 (public ${ip}): blocked: no ingress rule of its groups (allow-ssh-from-anywhere) matches`,
        `    fix: add an ingress rule tcp 3389 from 8.8.8.8 to one of the groups of web-1 (public ${ip}) (allow-ssh-from-anywhere), or attach a group that has one`,
        "",
      ].join("\n"),
    });
    const twin = secgroups(["can-reach", "--from", "8.8.8.8", "--to", "twin", "--protocol", "icmp", "--backend", url], { cwd: dir });
    expect(twin.status).toBe(1);
    expect(twin.stderr).toMatch(/^SG_AMBIGUOUS_NAME: project default has 2 servers with this name \(property --to, got "twin"\)/);
    const members = secgroups(["can-reach", "--from", "8.8.8.8", "--to", data.twins[0]!.id, "--protocol", "icmp", "--backend", url], { cwd: dir });
    expect(members.status).toBe(1);
    expect(members.stdout.split("\n")[0]).toBe("blocked: icmp type 8 from 8.8.8.8 to twin");
    expect(members.stdout.split("\n")[2]).toMatch(
      new RegExp(
        `^    request into twin \\(public ${data.twins[0]!.ports[0]!.fixedIp.replace(/\./g, "\\.")}\\): blocked: no ingress rule of its groups \\(default\\) matches; closest: rule [0-9a-f-]{36} of group default allows it only from group default \\(twin `,
      ),
    );
    const fromTwin = secgroups(
      [
        "can-reach",
        "--from",
        data.twins[1]!.ports[0]!.fixedIp,
        "--to",
        data.twins[0]!.id,
        "--protocol",
        "udp",
        "--port",
        "53",
        "--format",
        "json",
        "--backend",
        url,
      ],
      { cwd: dir },
    );
    expect(fromTwin.status).toBe(0);
    expect(JSON.parse(fromTwin.stdout).verdict).toBe("allowed");
  });
}

describe("secgroups CLI on an SQLite backend", () => {
  let dir: string;
  let url: string;
  let data: Filled;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-cli-"));
    url = `sqlite:${path.join(dir, "cloud.db")}`;
    data = await fillAt(url, dir);
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  exposureOn(() => ({ url, dir, data }));

  it("group list: both groups of the project, by name", () => {
    const r = secgroups(["group", "list", "--backend", url], { cwd: dir });
    const { ssh, defaultGroup: d } = data;
    expect(r).toEqual({
      status: 0,
      stderr: "",
      stdout: [
        "+--------------------------------------+-------------------------+------------------------+---------+----------+",
        "| ID                                   | Name                    | Description            | Project | Tags     |",
        "+--------------------------------------+-------------------------+------------------------+---------+----------+",
        `| ${ssh.id} | allow-ssh-from-anywhere | Beispiel               | default | seed-001 |`,
        `| ${d.id} | default                 | Default security group | default |          |`,
        "+--------------------------------------+-------------------------+------------------------+---------+----------+",
        "",
      ].join("\n"),
    });
  });

  it("group show NAME: seed 001's layout, rules by id wrapped at a comma to fit --max-width 169", () => {
    const r = secgroups(["group", "show", "allow-ssh-from-anywhere", "--backend", url, "--max-width", "169"], { cwd: dir });
    const { ssh, sshRules } = data;
    const byId = [...sshRules].sort((a, b) => (a.id < b.id ? -1 : 1));
    const pad = (s: string) => s.padEnd(147);
    const ruleLines = byId.flatMap((x) =>
      x.protocol === "tcp"
        ? [
            `created_at='${sec(x.createdAt)}', direction='ingress', ethertype='IPv4', id='${x.id}', port_range_max='22',`,
            `port_range_min='22', protocol='tcp', remote_ip_prefix='0.0.0.0/0', updated_at='${sec(x.updatedAt)}'`,
          ]
        : [`created_at='${sec(x.createdAt)}', direction='egress', ethertype='${x.ethertype}', id='${x.id}',`, `updated_at='${sec(x.updatedAt)}'`],
    );
    const border = `+-----------------+${"-".repeat(149)}+`;
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        border,
        `| Field           | ${pad("Value")} |`,
        border,
        `| created_at      | ${pad(sec(ssh.createdAt))} |`,
        `| description     | ${pad("Beispiel")} |`,
        `| id              | ${pad(ssh.id)} |`,
        `| name            | ${pad("allow-ssh-from-anywhere")} |`,
        `| project_id      | ${pad("default")} |`,
        `| revision_number | ${pad("3")} |`,
        ...ruleLines.map((l, i) => `| ${i === 0 ? "rules          " : "               "} | ${pad(l)} |`),
        `| stateful        | ${pad("True")} |`,
        `| tags            | ${pad("seed-001")} |`,
        `| updated_at      | ${pad(sec(ssh.updatedAt))} |`,
        border,
        "",
      ].join("\n"),
    );
  });

  it("group show ID --format json: the stored group with its three rules sorted by id", () => {
    const r = secgroups(["group", "show", data.ssh.id, "--format", "json", "--backend", url], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    const json = JSON.parse(r.stdout);
    expect(json).toEqual({ ...data.ssh, rules: [...data.sshRules].sort((a, b) => (a.id < b.id ? -1 : 1)) });
    expect(json.name).toBe("allow-ssh-from-anywhere");
    expect(json.revisionNumber).toBe(3);
    expect(json.stateful).toBe(true);
    expect(json.tags).toEqual(["seed-001"]);
    expect(
      json.rules.map((x: RuleRecord) => `${x.direction} ${x.ethertype} ${x.protocol} ${x.portRangeMin}-${x.portRangeMax} ${x.remoteIpPrefix}`).sort(),
    ).toEqual(["egress IPv4 null null-null null", "egress IPv6 null null-null null", "ingress IPv4 tcp 22-22 0.0.0.0/0"]);
  });

  it("rule list --group NAME: openstack's columns for the group's rules, as the backend lists them", () => {
    const r = secgroups(["rule", "list", "--group", "allow-ssh-from-anywhere", "--backend", url], { cwd: dir });
    const g = data.ssh.id;
    const row = (x: RuleRecord) =>
      x.protocol === "tcp"
        ? `| ${x.id} | tcp         | IPv4      | 0.0.0.0/0 | 22:22      | ingress   |                       | ${g} |`
        : x.ethertype === "IPv4"
          ? `| ${x.id} | any         | IPv4      | 0.0.0.0/0 |            | egress    |                       | ${g} |`
          : `| ${x.id} | any         | IPv6      | ::/0      |            | egress    |                       | ${g} |`;
    expect(data.sshRules.map((x) => x.protocol ?? x.ethertype).sort()).toEqual(["IPv4", "IPv6", "tcp"]);
    expect(r).toEqual({
      status: 0,
      stderr: "",
      stdout: [
        "+--------------------------------------+-------------+-----------+-----------+------------+-----------+-----------------------+--------------------------------------+",
        "| ID                                   | IP Protocol | Ethertype | IP Range  | Port Range | Direction | Remote Security Group | Security Group                       |",
        "+--------------------------------------+-------------+-----------+-----------+------------+-----------+-----------------------+--------------------------------------+",
        ...data.sshRules.map(row),
        "+--------------------------------------+-------------+-----------+-----------+------------+-----------+-----------------------+--------------------------------------+",
        "",
      ].join("\n"),
    });
  });

  it("server list and server show: networks, status and group names", () => {
    const { web, twins, ssh } = data;
    const ip = web.ports[0]!.fixedIp;
    const list = secgroups(["server", "list", "--backend", url, "--format", "json"], { cwd: dir });
    expect(list.status).toBe(0);
    expect(JSON.parse(list.stdout).map((s: ServerRecord) => [s.name, s.status, s.ports.length])).toEqual([
      ["twin", "ACTIVE", 1],
      ["twin", "ACTIVE", 1],
      ["web-1", "ACTIVE", 1],
    ]);
    const table = secgroups(["server", "list", "--backend", url], { cwd: dir });
    // Fixed IPs differ in length (203.0.113.2 / .10): the Networks column is as wide as the longest.
    const nets = [...twins, web].map((s) => `public=${s.ports[0]!.fixedIp}`);
    const nw = Math.max(...nets.map((n) => n.length));
    const net = (s: ServerRecord) => `public=${s.ports[0]!.fixedIp}`.padEnd(nw);
    const [t1, t2] = [...twins].sort((x, y) => (x.id < y.id ? -1 : 1));
    expect(table.stderr).toBe("");
    // The twins launched without groups got openstack's launch group, default.
    expect(table.stdout).toBe(
      [
        `+--------------------------------------+-------+--------+-${"-".repeat(nw)}-+-------------------------+`,
        `| ID                                   | Name  | Status | ${"Networks".padEnd(nw)} | Security Groups         |`,
        `+--------------------------------------+-------+--------+-${"-".repeat(nw)}-+-------------------------+`,
        `| ${t1!.id} | twin  | ACTIVE | ${net(t1!)} | default                 |`,
        `| ${t2!.id} | twin  | ACTIVE | ${net(t2!)} | default                 |`,
        `| ${web.id} | web-1 | ACTIVE | ${net(web)} | allow-ssh-from-anywhere |`,
        `+--------------------------------------+-------+--------+-${"-".repeat(nw)}-+-------------------------+`,
        "",
      ].join("\n"),
    );
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);

    const show = secgroups(["server", "show", "web-1", "--backend", url], { cwd: dir });
    const port = `fixed_ip='${ip}', id='${web.ports[0]!.id}', network='public', security_groups='allow-ssh-from-anywhere'`;
    const w = port.length;
    const border = `+-----------------+${"-".repeat(w + 2)}+`;
    expect(show.stderr).toBe("");
    expect(show.status).toBe(0);
    expect(show.stdout).toBe(
      [
        border,
        `| Field           | ${"Value".padEnd(w)} |`,
        border,
        `| addresses       | ${`public=${ip}`.padEnd(w)} |`,
        `| created         | ${sec(web.createdAt).padEnd(w)} |`,
        `| id              | ${web.id.padEnd(w)} |`,
        `| name            | ${"web-1".padEnd(w)} |`,
        `| ports           | ${port} |`,
        `| project_id      | ${"default".padEnd(w)} |`,
        `| security_groups | ${`name='${ssh.name}'`.padEnd(w)} |`,
        `| status          | ${"ACTIVE".padEnd(w)} |`,
        `| updated         | ${sec(web.updatedAt).padEnd(w)} |`,
        border,
        "",
      ].join("\n"),
    );

    // JSON never carries less than the table: every group on the server and on each port, named.
    const json = JSON.parse(secgroups(["server", "show", "web-1", "--backend", url, "--format", "json"], { cwd: dir }).stdout);
    expect(json.securityGroups).toStrictEqual([{ id: ssh.id, name: "allow-ssh-from-anywhere" }]);
    expect(
      json.ports.map((p: { id: string; securityGroupIds: string[]; securityGroups: unknown }) => [p.id, p.securityGroupIds, p.securityGroups]),
    ).toStrictEqual([[web.ports[0]!.id, [ssh.id], [{ id: ssh.id, name: "allow-ssh-from-anywhere" }]]]);
    expect([json.id, json.name, json.status]).toStrictEqual([web.id, "web-1", "ACTIVE"]);
  });

  it("a server name two servers share: exit 1, SG_AMBIGUOUS_NAME naming both ids", () => {
    const ids = data.twins.map((t) => t.id).sort();
    const r = secgroups(["server", "show", "twin", "--backend", url], { cwd: dir });
    const listed = /one of their ids: ([^;]+);/.exec(r.stderr)?.[1]?.split(", ").sort();
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(
      r.stderr.startsWith(
        'SG_AMBIGUOUS_NAME: project default has 2 servers with this name (property server, got "twin"); allowed: one of their ids: ',
      ),
    ).toBe(true);
    expect(listed).toEqual(ids);
    expect(r.stderr.endsWith("; fix: pass the id of the server instead of its name\n")).toBe(true);
  });

  it("an unknown group: exit 1, SG_NOT_FOUND naming the name and the project, no stack trace", () => {
    const r = secgroups(["group", "show", "nope", "--backend", url], { cwd: dir });
    expect(r).toEqual({
      status: 1,
      stdout: "",
      stderr:
        'SG_NOT_FOUND: project default has no security group with this name or id (property group, got "nope"); ' +
        "fix: run `secgroups group list --project default` to see its security groups, or pass the project that holds it with --project\n",
    });
    expect(r.stderr).not.toMatch(STACK_LINE);
    const rules = secgroups(["rule", "list", "--group", "nope", "--backend", url, "--project", "team-b"], { cwd: dir });
    expect(rules.status).toBe(1);
    expect(rules.stderr).toBe(
      'SG_NOT_FOUND: project team-b has no security group with this name or id (property --group, got "nope"); ' +
        "fix: run `secgroups group list --project team-b` to see its security groups, or pass the project that holds it with --project\n",
    );
  });

  it("an unknown server: exit 1, SG_NOT_FOUND suggesting secgroups server list", () => {
    const r = secgroups(["server", "show", "db-9", "--backend", url], { cwd: dir });
    expect(r).toEqual({
      status: 1,
      stdout: "",
      stderr:
        'SG_NOT_FOUND: project default has no server with this name or id (property server, got "db-9"); ' +
        "fix: run `secgroups server list --project default` to see its servers, or pass the project that holds it with --project\n",
    });
  });

  it("settings from SECGROUPS_BACKEND and SECGROUPS_PROJECT; a flag beats the environment", () => {
    const fromEnv = secgroups(["group", "list", "--format", "json"], { cwd: dir, env: { SECGROUPS_BACKEND: url, SECGROUPS_PROJECT: "default" } });
    expect(fromEnv.status).toBe(0);
    expect(JSON.parse(fromEnv.stdout).map((g: GroupRecord) => g.name)).toEqual(["allow-ssh-from-anywhere", "default"]);
    const flagWins = secgroups(["group", "list", "--format", "json", "--project", "team-b"], {
      cwd: dir,
      env: { SECGROUPS_BACKEND: url, SECGROUPS_PROJECT: "default" },
    });
    expect(flagWins).toEqual({ status: 0, stderr: "", stdout: "[]\n" });
    const relative = secgroups(["group", "list", "--format", "json", "--backend", "sqlite:cloud.db"], { cwd: dir });
    expect(JSON.parse(relative.stdout)).toEqual([data.ssh, data.defaultGroup]);
  });

  it("the default backend is .secgroups/cloud.db in the current directory; a missing one is exit 3 and is not created", () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-cli-empty-"));
    try {
      const file = path.join(empty, ".secgroups", "cloud.db");
      const r = secgroups(["group", "list"], { cwd: empty });
      expect(r).toEqual({
        status: 3,
        stdout: "",
        stderr:
          `SG_BACKEND_UNAVAILABLE: no backend exists at ${file} (secgroups reads a backend, it never creates one) ` +
          `(property --backend, got ${JSON.stringify(`sqlite:${file}`)}); fix: run \`pulumi up\` first (it creates the backend in the program's directory), ` +
          "or pass --backend (or set SECGROUPS_BACKEND) to an existing backend, e.g. --backend sqlite:path/to/program/.secgroups/cloud.db\n",
      });
      expect(fs.existsSync(path.join(empty, ".secgroups"))).toBe(false);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it("usage errors are exit 2 with the command's usage line", () => {
    expect(secgroups(["group", "list", "--format", "yaml", "--backend", url], { cwd: dir })).toEqual({
      status: 2,
      stdout: "",
      stderr:
        'SG_INVALID_INPUT: unknown output format (property --format, got "yaml"); allowed: table, json; fix: pass --format table or --format json\n' +
        "usage: secgroups group list [OPTIONS]\n",
    });
    expect(secgroups(["group", "show"], { cwd: dir })).toEqual({
      status: 2,
      stdout: "",
      stderr:
        "SG_INVALID_INPUT: secgroups group show needs NAME|ID (property NAME|ID); fix: write e.g. secgroups group show web\n" +
        "usage: secgroups group show NAME|ID [OPTIONS]\n",
    });
    const flag = secgroups(["server", "list", "--colour"], { cwd: dir });
    expect(flag.status).toBe(2);
    expect(flag.stderr).toBe(
      'SG_INVALID_INPUT: unknown flag for secgroups server list (property --colour, got "--colour"); ' +
        "allowed: --backend, --project, --profile, --stack, --verbose, --format, --max-width, --help, --version; fix: run `secgroups --help` for the flags each command takes\n" +
        "usage: secgroups server list [OPTIONS]\n",
    );
    const command = secgroups(["groups", "list"], { cwd: dir });
    expect(command.status).toBe(2);
    expect(command.stderr).toBe(
      'SG_INVALID_INPUT: unknown command (property command, got "groups list"); ' +
        "allowed: group list, group show, rule list, server list, server show, exposure, can-reach, preview-report; fix: run `secgroups --help` for the commands and what they take\n" +
        "usage: secgroups COMMAND [ARGS] [OPTIONS] (`secgroups --help` lists the commands)\n",
    );
    const profile = secgroups(["group", "list", "--backend", url, "--profile", "aws"], { cwd: dir });
    expect(profile.status).toBe(2);
    expect(profile.stderr).toBe(
      'SG_PROFILE_INVALID: no built-in profile has this name and it is not a path to a .json file (property --profile, got "aws"); ' +
        "allowed: openstack, meshcloud, rackspace, evroc, or a path to a JSON profile; fix: pass --profile as a built-in name or a profile file's path\n",
    );
  });

  it("exposure commands: usage mistakes are exit 2 naming the flag, the value and what is allowed", () => {
    const err = (args: string[]) => {
      const r = secgroups([...args, "--backend", url], { cwd: dir });
      return `${r.status} ${r.stderr.split("\n")[0]}`;
    };
    expect(err(["can-reach", "--to", "web-1", "--protocol", "tcp", "--port", "22"])).toBe(
      "2 SG_INVALID_INPUT: secgroups can-reach needs --from (property --from); allowed: IP: source address (a server's fixed IP, or any other); fix: add --from IP",
    );
    expect(err(["can-reach", "--from", "10.1", "--to", "web-1", "--protocol", "tcp", "--port", "22"])).toBe(
      '2 SG_INVALID_INPUT: is not an IP address (property --from, got "10.1"); allowed: an IPv4 address in four-part decimal or an IPv6 address; fix: pass e.g. --from 198.51.100.7',
    );
    expect(err(["can-reach", "--from", "10.0.0.1", "--to", "web-1", "--protocol", "any"])).toBe(
      '2 SG_INVALID_INPUT: a packet has one protocol, not any (property --protocol, got "any"); allowed: ah, dccp, egp, esp, gre, hopopt, icmp, icmpv6, igmp, ip, ipip, ipv6-encap, ipv6-frag, ipv6-icmp, ipv6-nonxt, ipv6-opts, ipv6-route, ospf, pgm, rsvp, sctp, tcp, udp, udplite, vrrp, or a number 0-255; fix: pass e.g. --protocol tcp',
    );
    expect(err(["can-reach", "--from", "10.0.0.1", "--to", "web-1", "--protocol", "tcp"])).toBe(
      "2 SG_INVALID_INPUT: secgroups can-reach needs --port for protocol tcp (property --port); allowed: a port 1-65535; fix: add --port N",
    );
    expect(err(["can-reach", "--from", "10.0.0.1", "--to", "web-1", "--protocol", "udp", "--port", "70000"])).toBe(
      '2 SG_INVALID_INPUT: is not a port 1-65535 (property --port, got "70000"); allowed: a whole number 1-65535; fix: pass e.g. --port 22',
    );
    expect(err(["can-reach", "--from", "10.0.0.1", "--to", "web-1", "--protocol", "tcp", "--port", "22", "--network", "nope"])).toBe(
      '1 SG_NOT_FOUND: server web-1 has no port on this network (property --network, got "nope"); allowed: public; fix: pass one of the server\'s networks, or leave --network out',
    );
    expect(err(["can-reach", "--from", "10.0.0.1", "--to", "web-1", "--protocol", "ipv6-icmp"])).toBe(
      '2 SG_INVALID_INPUT: exists only in IPv6, and --from is an IPv4 address (property --protocol, got "ipv6-icmp"); allowed: an IPv4 protocol, or an IPv6 --from address; fix: pass an IPv6 address as --from',
    );
    const v6 = secgroups(["can-reach", "--from", "2001:db8::9", "--to", "web-1", "--protocol", "icmp", "--format", "json", "--backend", url], {
      cwd: dir,
    });
    expect([v6.status, JSON.parse(v6.stdout).traffic, JSON.parse(v6.stdout).verdict]).toEqual([1, "ipv6-icmp type 128", "blocked"]);
    expect(err(["exposure", "--format", "yaml"])).toBe(
      '2 SG_INVALID_INPUT: unknown output format (property --format, got "yaml"); allowed: table, json, md, html; fix: pass --format table or --format json or --format md or --format html',
    );
    expect(err(["group", "list", "--format", "html"])).toBe(
      '2 SG_INVALID_INPUT: secgroups group list cannot print this format (property --format, got "html"); allowed: table, json; fix: pass --format table or --format json',
    );
    expect(err(["exposure", "--server", "nope"])).toBe(
      '1 SG_NOT_FOUND: project default has no server with this name or id (property --server, got "nope"); fix: run `secgroups server list --project default` to see its servers, or pass the project that holds it with --project',
    );
    expect(err(["preview-report", path.join(dir, "missing.json")])).toMatch(
      /^2 SG_INVALID_INPUT: cannot read the preview file: ENOENT: no such file or directory, open '.*missing\.json' \(property FILE, got ".*missing\.json"\); allowed: a file \(or - for standard input\)/,
    );
    fs.writeFileSync(path.join(dir, "not-a-preview.json"), "[1, 2]");
    expect(err(["preview-report", "not-a-preview.json", "--fail-on", "high"])).toBe(
      '2 SG_INVALID_INPUT: the preview file has no steps array: it is not the output of `pulumi preview --json` (property FILE, got "not-a-preview.json"); allowed: the JSON that `pulumi preview --json` prints; fix: run `pulumi preview --json > preview.json` and pass that file',
    );
    expect(err(["preview-report", "not-a-preview.json", "--fail-on", "severe"])).toBe(
      '2 SG_INVALID_INPUT: is not a severity (property --fail-on, got "severe"); allowed: critical, high, medium, low; fix: pass e.g. --fail-on high',
    );
  });

  it("--help and help COMMAND print help on stdout with exit 0", () => {
    const help = secgroups(["--help"], { cwd: dir });
    expect(help.status).toBe(0);
    expect(help.stderr).toBe("");
    expect(help.stdout.split("\n").slice(0, 15)).toEqual([
      "secgroups: read the security groups, rules and servers of a pulumi-secgroups backend, and what they expose",
      "",
      "usage: secgroups COMMAND [ARGS] [OPTIONS] (`secgroups --help` lists the commands)",
      "",
      "commands:",
      "  group list                                list the project's security groups",
      "  group show NAME|ID                        show one security group with its rules",
      "  rule list [--group NAME|ID]               list the project's rules, or one group's",
      "  server list                               list the project's servers with their networks and groups",
      "  server show NAME|ID                       show one server with its ports and the groups on them",
      "  exposure [--server NAME|ID]               show what each server port lets in and out, who can reach it, and findings",
      "  can-reach --from IP --to SERVER --protocol P [--port N] [--code N] [--from-port N] [--network NAME|ID]",
      "                                            whether traffic from an address reaches a server, naming the rule that allows it or what is missing",
      "  preview-report FILE [--fail-on SEVERITY]  read `pulumi preview --json` output and report, in Markdown for a pull request, what the change opens and closes",
      "  help [COMMAND]                            this help, or one command's",
    ]);
    const one = secgroups(["help", "rule", "list"], { cwd: dir });
    expect(one.status).toBe(0);
    expect(one.stdout.split("\n").slice(0, 6)).toEqual([
      "usage: secgroups rule list [--group NAME|ID] [OPTIONS]",
      "",
      "list the project's rules, or one group's.",
      "",
      "options:",
      "  --group NAME|ID  only the rules of this security group",
    ]);
    expect(secgroups(["--version"], { cwd: dir })).toEqual({
      status: 0,
      stderr: "",
      stdout: `${JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).version}\n`,
    });
  });
});

describe("secgroups CLI on a PostgreSQL backend", () => {
  let pg: PostgresServer;
  let dir: string;
  let data: Filled;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-cli-pg-"));
    pg = await startPostgres("secgroups_cli");
    data = await fillAt(pg.url, dir);
  });

  afterAll(() => {
    pg?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  exposureOn(() => ({ url: pg.url, dir, data }));

  it("group list --format json and rule list read the shared backend, and the process exits by itself", () => {
    const started = Date.now();
    const r = secgroups(["group", "list", "--format", "json"], { cwd: dir, env: { SECGROUPS_BACKEND: pg.url } });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([data.ssh, data.defaultGroup]);
    const rules = secgroups(["rule", "list", "--group", data.ssh.id, "--format", "json", "--backend", pg.url], { cwd: dir });
    expect(JSON.parse(rules.stdout)).toEqual(data.sshRules);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("an unreachable server: exit 3, SG_BACKEND_UNAVAILABLE with the password masked", () => {
    const r = secgroups(["group", "list", "--backend", "postgres://secgroups:hunter2@127.0.0.1:1/secgroups"], {
      cwd: dir,
      env: { PGPASSWORD: "s3cret-pw" },
    });
    expect(r.status).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "SG_BACKEND_UNAVAILABLE: cannot reach the PostgreSQL backend: connect ECONNREFUSED 127.0.0.1:1 " +
        '(property --backend, got "postgres://secgroups:***@127.0.0.1:1/secgroups"); fix: check that the server is reachable, the database exists, ' +
        "the user and password (secgroups:backendPassword or PGPASSWORD) are right and the user may create tables in it\n",
    );
    expect(r.stderr).not.toContain("hunter2");
    expect(r.stderr).not.toContain("s3cret-pw");
    expect(r.stderr).not.toMatch(STACK_LINE);
  });
});
