/**
 * The `openstack` backend under the real Pulumi engine, on a real Neutron 29 (noauth, started by
 * the test; tools/neutron.ts): an example up, its outputs, a clean second preview, refresh,
 * destroy — checked by listing Neutron itself — and a Server refused at preview.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProfile } from "../../provider/profileLoader";
import { startNeutron, type NeutronServer } from "../../tools/neutron";
import { NoAuth } from "../../provider/backends/openstack/auth";
import { OpenstackBackend } from "../../provider/backends/openstack/backend";
import { attachmentPolicy } from "../../provider/domain/profiles";
import { newRuleOf } from "../../provider/domain/rules";
import { TestStack, exampleSource, hasStackTrace } from "./harness";
import { NeutronCloud, newProject } from "./neutronCloud";

const ROOT = path.resolve(__dirname, "../..");
/** The built `secgroups` command (the test command builds first). */
const CLI = path.join(ROOT, "dist", "provider", "cli", "main.js");

/** The secgroups command in the stack's program directory, reading the stack's settings as a user's would. */
function secgroupsIn(stack: TestStack, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const cwd = path.join(stack.dir, "program");
  fs.copyFileSync(stack.configFile, path.join(cwd, `Pulumi.${stack.stack}.yaml`));
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, env: stack.env, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const START_TIMEOUT_MS = 600_000;

let neutron: NeutronServer;
let cloud: NeutronCloud;

beforeAll(async () => {
  neutron = await startNeutron();
  cloud = new NeutronCloud(neutron.url);
}, START_TIMEOUT_MS);

afterAll(async () => {
  await neutron?.stop();
});

/** A stack of examples/<name> on the Neutron, in `project`, with `servers` (name → id) passed as existingServers. */
async function neutronStack(name: string, project: string, servers: Record<string, string>): Promise<TestStack> {
  const stack = await TestStack.create(name, "os", {}, undefined, exampleSource(name));
  stack.env.OS_CLIENT_CONFIG_FILE = cloud.cloudsYaml(stack.dir, "lab");
  await stack.setConfig("secgroups:backend", "openstack://lab");
  await stack.setConfig("secgroups:project", project);
  for (const [server, id] of Object.entries(servers)) {
    await stack.must(["config", "set", "--config-file", stack.configFile, "--path", `existingServers.${server}`, id]);
  }
  return stack;
}

describe("examples/quickstart on a real Neutron", () => {
  const project = newProject();
  let stack: TestStack;
  let serverId = "";

  beforeAll(async () => {
    await cloud.builtinNetworks(loadProfile("openstack", ROOT));
    serverId = await cloud.bootServer(project, ["public"]);
    stack = await neutronStack("quickstart", project, { "vm-1": serverId });
  }, START_TIMEOUT_MS);

  it("preview-report of the first preview, read against the real project: SSH from the internet on the existing server, --fail-on high exits 1", async () => {
    const preview = await stack.run(["preview", "--json", "--config-file", stack.configFile]);
    expect(preview.code, preview.stderr).toBe(0);
    const file = path.join(stack.dir, "preview.json");
    fs.writeFileSync(file, preview.stdout);
    const r = secgroupsIn(stack, ["preview-report", file, "--format", "json", "--fail-on", "high"]);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as { newFindings: Array<{ code: string; severity: string; traffic: string; serverName: string }> };
    expect(report.newFindings.map((f) => `${f.code} ${f.severity} ${f.traffic} ${f.serverName}`)).toEqual([
      `admin-port-from-internet high tcp 22 ${serverId}`,
    ]);
  });

  it("up: the group, its SSH rule and the attachment land in Neutron; the outputs say so", async () => {
    const r = await stack.up();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const out = await stack.outputs();
    expect(out.name).toBe("allow-ssh-from-anywhere");
    expect(out.description).toBe("Beispiel");
    expect(out.project).toBe(project);
    expect(out.sshRule).toMatchObject({ direction: "ingress", protocol: "tcp", portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "0.0.0.0/0" });
    expect(out.server).toMatchObject({ id: serverId, status: "ACTIVE" });
    expect(out.attachmentPortIds).toHaveLength(1);
    const groups = await cloud.groups(project);
    expect(groups.map((g) => g.name).sort()).toEqual(["allow-ssh-from-anywhere", "default"]);
    const ssh = groups.find((g) => g.name === "allow-ssh-from-anywhere")!;
    expect(ssh.id).toBe(out.id);
    expect(ssh.description).toBe("Beispiel");
    expect(
      ssh.security_group_rules.map((x) => `${x.direction} ${x.ethertype} ${x.protocol} ${x.port_range_min} ${x.remote_ip_prefix}`).sort(),
    ).toEqual(["egress IPv4 null null null", "egress IPv6 null null null", "ingress IPv4 tcp 22 0.0.0.0/0"]);
    const [port] = await cloud.ports(project);
    const defaultId = groups.find((g) => g.name === "default")!.id;
    expect(port!.security_groups.sort()).toEqual([defaultId, ssh.id].sort());
    expect(out.attachmentPortIds).toEqual([port!.id]);
  });

  it("a second preview, and a preview after refresh, show no changes", async () => {
    const first = await stack.preview(["--expect-no-changes"]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const refresh = await stack.refresh();
    expect(refresh.code, refresh.stdout + refresh.stderr).toBe(0);
    // The SSH rule is the stack's own (Neutron's rules take no tags: its group carries the stack).
    const group = ((await stack.export()).deployment.resources ?? []).find((r) => String(r.urn).endsWith("SecurityGroup::allow-ssh-from-anywhere"));
    expect(group?.outputs?.unmanagedRules).toEqual([]);
    const again = await stack.preview(["--expect-no-changes"]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });

  it("a Server of the program (no existing server named) is refused at preview: SG_BACKEND_INVALID, no trace, nothing changed", async () => {
    await stack.removeConfig("existingServers");
    try {
      const r = await stack.preview();
      const text = r.stdout + r.stderr;
      expect(r.code, text).not.toBe(0);
      expect(text).toContain("SG_BACKEND_INVALID");
      expect(text).toContain("a Server cannot be created on the openstack backend");
      expect(text).toContain("pass its id to ServerAttachment.serverId");
      expect(hasStackTrace(text)).toBe(false);
    } finally {
      await stack.must(["config", "set", "--config-file", stack.configFile, "--path", "existingServers.vm-1", serverId]);
    }
    expect((await cloud.groups(project)).map((g) => g.name).sort()).toEqual(["allow-ssh-from-anywhere", "default"]);
  });

  it("secgroups exposure and can-reach read the real project: SSH open to the internet on the server, by the program's rule", () => {
    const exposure = secgroupsIn(stack, ["exposure", "--format", "json"]);
    expect(exposure.status, exposure.stderr).toBe(0);
    const json = JSON.parse(exposure.stdout) as {
      project: string;
      findings: Array<{ code: string; serverName: string; groupName: string; traffic: string }>;
    };
    expect(json.project).toBe(project);
    expect(json.findings.map((f) => `${f.code} ${f.serverName} ${f.groupName} ${f.traffic}`)).toEqual([
      `admin-port-from-internet ${serverId} allow-ssh-from-anywhere tcp 22`,
    ]);
    const open = secgroupsIn(stack, ["can-reach", "--from", "8.8.8.8", "--to", serverId, "--protocol", "tcp", "--port", "22"]);
    expect(open.status, open.stdout + open.stderr).toBe(0);
    const closed = secgroupsIn(stack, ["can-reach", "--from", "8.8.8.8", "--to", serverId, "--protocol", "tcp", "--port", "23"]);
    expect(closed.status, closed.stdout + closed.stderr).toBe(1);
  });

  it("destroy leaves the project as the cloud made it: its default group, the server's port with only that group", async () => {
    const r = await stack.destroy();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const groups = await cloud.groups(project);
    expect(groups.map((g) => g.name)).toEqual(["default"]);
    const ports = await cloud.ports(project);
    expect(ports.map((p) => [p.device_id, p.security_groups])).toEqual([[serverId, [groups[0]!.id]]]);
  });
});

describe("adoption (import) and unmanagedRules on a real Neutron", () => {
  const project = newProject();
  let stack: TestStack;
  let backend: OpenstackBackend;
  const legacy = { groupId: "", ruleId: "", serverId: "", attachmentId: "" };

  beforeAll(async () => {
    const profile = loadProfile("openstack", ROOT);
    await cloud.builtinNetworks(profile);
    backend = new OpenstackBackend(new NoAuth(neutron.url));
    // What an operator made by hand: a group with an HTTPS rule, on a server the compute service made.
    const group = await backend.createGroup({
      project,
      name: "legacy-web",
      description: "made by hand",
      stateful: true,
      tags: [],
      defaultRules: profile.newGroupRules,
    });
    const https = {
      direction: "ingress",
      ethertype: "IPv4",
      protocol: "tcp",
      portRangeMin: 443,
      portRangeMax: 443,
      remoteIpPrefix: "0.0.0.0/0",
    } as const;
    const rule = await backend.createRule(newRuleOf({ securityGroupId: group.group.id, ...https, description: "https" }), { profile: "openstack" });
    legacy.serverId = await cloud.bootServer(project, ["public"]);
    const attachment = await backend.createAttachment(project, legacy.serverId, group.group.id, null, attachmentPolicy(profile));
    Object.assign(legacy, { groupId: group.group.id, ruleId: rule.id, attachmentId: attachment.id });
    stack = await TestStack.create("adopt", "os", {
      "secgroups:backend": "openstack://lab",
      "secgroups:project": project,
      "adopt:groupId": legacy.groupId,
      "adopt:ruleId": legacy.ruleId,
      "adopt:serverId": legacy.serverId,
      "adopt:attachmentId": legacy.attachmentId,
      "adopt:description": "made by hand",
      "adopt:ruleDescription": "https",
    });
    stack.env.OS_CLIENT_CONFIG_FILE = cloud.cloudsYaml(stack.dir, "lab");
  }, START_TIMEOUT_MS);

  /** The group's unmanagedRules as the stack records them. */
  async function recordedUnmanagedRules(): Promise<Array<{ id: string }>> {
    const group = ((await stack.export()).deployment.resources ?? []).find((r) => String(r.urn).endsWith("SecurityGroup::web"));
    return group?.outputs?.unmanagedRules;
  }

  it("up adopts the group, its rule and the attachment as they are: same ids, nothing made, the rule managed by the stack", async () => {
    const r = await stack.up();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const out = await stack.outputs();
    expect(out).toMatchObject({ groupId: legacy.groupId, httpsRuleId: legacy.ruleId, attachmentId: legacy.attachmentId });
    // As on the embedded backend: the group was adopted before its rule, so its outputs still list
    // the rule as unmanaged; the refresh below reads the group again and finds it managed.
    expect(out.unmanagedRules.map((r: { id: string }) => r.id)).toEqual([legacy.ruleId]);
    const groups = await cloud.groups(project);
    expect(groups.map((g) => g.name).sort()).toEqual(["default", "legacy-web"]);
    expect(groups.find((g) => g.name === "legacy-web")!.security_group_rules).toHaveLength(3);
    const preview = await stack.preview(["--expect-no-changes"]);
    expect(preview.code, preview.stdout + preview.stderr).toBe(0);
  });

  it("a rule added by hand shows in unmanagedRules after refresh, and the preview stays clean", async () => {
    const added = await backend.createRule(
      newRuleOf({
        securityGroupId: legacy.groupId,
        direction: "ingress",
        ethertype: "IPv4",
        protocol: "tcp",
        portRangeMin: 8443,
        portRangeMax: 8443,
        remoteIpPrefix: "10.0.0.0/8",
        description: "by hand",
      }),
      { profile: "openstack" },
    );
    const refresh = await stack.refresh();
    expect(refresh.code, refresh.stdout + refresh.stderr).toBe(0);
    expect(await recordedUnmanagedRules()).toEqual([
      {
        id: added.id,
        direction: "ingress",
        ethertype: "IPv4",
        protocol: "tcp",
        portRangeMin: 8443,
        portRangeMax: 8443,
        remoteIpPrefix: "10.0.0.0/8",
        description: "by hand",
      },
    ]);
    const preview = await stack.preview(["--expect-no-changes"]);
    expect(preview.code, preview.stdout + preview.stderr).toBe(0);
  });

  it("destroy deletes what the stack adopted; the server's port keeps its launch group", async () => {
    const r = await stack.destroy();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const groups = await cloud.groups(project);
    expect(groups.map((g) => g.name)).toEqual(["default"]);
    expect((await cloud.ports(project)).map((p) => p.security_groups)).toEqual([[groups[0]!.id]]);
  });
});
