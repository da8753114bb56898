/** The built CLI's server list and server show on an SQLite backend: tables and JSON, a name two servers share, an unknown server. */
import { describe, expect, it } from "vitest";
import type { ServerRecord } from "../../provider/backends/types";
import { sec, secgroups, sqliteBackend } from "../support/cli";

describe("secgroups CLI on an SQLite backend", () => {
  const backend = sqliteBackend();

  it("server list and server show: networks, status and group names", () => {
    const { url, dir, data } = backend();
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
    const { url, dir, data } = backend();
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

  it("an unknown server: exit 1, SG_NOT_FOUND suggesting secgroups server list", () => {
    const { url, dir } = backend();
    const r = secgroups(["server", "show", "db-9", "--backend", url], { cwd: dir });
    expect(r).toEqual({
      status: 1,
      stdout: "",
      stderr:
        'SG_NOT_FOUND: project default has no server with this name or id (property server, got "db-9"); ' +
        "fix: run `secgroups server list --project default` to see its servers, or pass the project that holds it with --project\n",
    });
  });
});
