/** The built CLI's group list, group show and rule list on an SQLite backend, and an unknown group. */
import { describe, expect, it } from "vitest";
import type { RuleRecord } from "../../provider/backends/types";
import { sec, secgroups, sqliteBackend, STACK_LINE } from "../support/cli";

describe("secgroups CLI on an SQLite backend", () => {
  const backend = sqliteBackend();

  it("group list: both groups of the project, by name", () => {
    const { url, dir, data } = backend();
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
    const { url, dir, data } = backend();
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
    const { url, dir, data } = backend();
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
    const { url, dir, data } = backend();
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

  it("an unknown group: exit 1, SG_NOT_FOUND naming the name and the project, no stack trace", () => {
    const { url, dir } = backend();
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
});
