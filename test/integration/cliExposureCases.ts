/** The CLI's exposure and can-reach tests every backend runs (test/integration/cliExposure.test.ts on SQLite, cliPostgres.test.ts on PostgreSQL). */
import { expect, it } from "vitest";
import { secgroups, type Filled } from "../support/cli";

/**
 * exposure and can-reach on a filled backend (seed 001's group, tcp 22 from 0.0.0.0/0, on web-1;
 * two servers named twin without groups): the same answers on SQLite and PostgreSQL.
 */
export function exposureOn(ctx: () => { url: string; dir: string; data: Filled }): void {
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
