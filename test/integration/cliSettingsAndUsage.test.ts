/** The built CLI's settings (environment, flags, the default backend), usage errors and help, on an SQLite backend. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { GroupRecord } from "../../provider/backends/types";
import { REPO, secgroups, sqliteBackend } from "../support/cli";

describe("secgroups CLI on an SQLite backend", () => {
  const backend = sqliteBackend();

  it("settings from SECGROUPS_BACKEND and SECGROUPS_PROJECT; a flag beats the environment", () => {
    const { url, dir, data } = backend();
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
    const { url, dir } = backend();
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

  it("--help and help COMMAND print help on stdout with exit 0", () => {
    const { dir } = backend();
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
