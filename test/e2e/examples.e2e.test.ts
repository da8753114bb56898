/**
 * The runnable examples (examples/<name>) under the real Pulumi engine, each in a copy under
 * test-output/ with its own SQLite backend: `up`, the exact stack outputs, the backend's content
 * read directly, the cheap failures the READMEs promise, a clean second preview, and `destroy`
 * leaving nothing but the profile's default groups.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { PLUGIN_DIR, TestStack, exampleSource, hasStackTrace, runPulumi, sqliteUrl } from "./harness";
import { openTestBackend } from "./fleet";
import { snapshotAt as snapshot, type Snapshot } from "./snapshot";

/** The built `secgroups` command (the test command builds first). */
const CLI = path.join(__dirname, "..", "..", "dist", "provider", "cli", "main.js");

/** The rules a group gets on creation under openstack and meshcloud. */
const EGRESS_ANY = ["egress IPv4 any any any", "egress IPv6 any any any"];
/** The `default` group of openstack and meshcloud: ingress from members, egress anywhere. */
const OPENSTACK_DEFAULT = {
  description: "Default security group",
  revision: 4,
  rules: [...EGRESS_ANY, "ingress IPv4 any any group:default", "ingress IPv6 any any group:default"],
};
const EVROC_DEFAULTS = {
  "default-allow-egress": { description: "All outbound traffic, no inbound", revision: 2, rules: EGRESS_ANY },
  "default-allow-ssh": { description: "SSH from anywhere", revision: 1, rules: ["ingress IPv4 tcp 22-22 0.0.0.0/0"] },
  "default-allow-web-protocols": {
    description: "HTTP and HTTPS from anywhere",
    revision: 2,
    rules: ["ingress IPv4 tcp 443-443 0.0.0.0/0", "ingress IPv4 tcp 80-80 0.0.0.0/0"],
  },
};

/** What one example's tests share: its stack (brought up in beforeAll), outputs and backend. */
interface Example {
  stack: TestStack;
  backendUrl: string;
  outputs: Record<string, any>;
  after: Snapshot;
}

/**
 * Copies examples/<name> into test-output, brings it up (which must succeed) and reads outputs
 * and backend. Call `previewCleanThenDestroy` last in the describe.
 */
function upExample(name: string, prepare?: (programDir: string, stack: TestStack) => void | Promise<void>): Example {
  const ex = {} as Example;
  beforeAll(async () => {
    ex.stack = await TestStack.create(name, "dev", {}, undefined, exampleSource(name));
    await prepare?.(path.join(ex.stack.dir, "program"), ex.stack);
    ex.backendUrl = sqliteUrl(ex.stack.dir);
    await ex.stack.setConfig("secgroups:backend", ex.backendUrl);
    const r = await ex.stack.up();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    ex.outputs = await ex.stack.outputs();
    ex.after = await snapshot(ex.backendUrl);
  });
  return ex;
}

/** `pulumi preview` with `key` set to `value` fails with `message` (no trace) and changes nothing. */
async function previewFailsWith(ex: Example, key: string, value: string, message: string): Promise<void> {
  await ex.stack.setConfig(key, value);
  try {
    const r = await ex.stack.preview();
    const text = r.stdout + r.stderr;
    expect(r.code, text).not.toBe(0);
    expect(text).toContain(message);
    expect(hasStackTrace(text)).toBe(false);
    expect(await snapshot(ex.backendUrl)).toEqual(ex.after);
  } finally {
    await ex.stack.removeConfig(key);
  }
}

/**
 * A second `preview --expect-no-changes` exits 0; then `destroy` exits 0 and leaves the project
 * with exactly `defaults` as groups, no servers, no attachments, and none of the private
 * `networks` the example made.
 */
function previewCleanThenDestroy(ex: Example, profile: string, defaults: Snapshot["groups"], networks: string[] = []): void {
  it("a second preview shows no changes", async () => {
    const r = await ex.stack.preview(["--expect-no-changes"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
  it(`secgroups exposure in the example's directory reads the stack: profile ${profile} and its backend, no flag`, () => {
    const cwd = path.join(ex.stack.dir, "program");
    // Where a user's stack keeps its settings: Pulumi.dev.yaml beside Pulumi.yaml (the tests keep it beside the copy).
    fs.copyFileSync(ex.stack.configFile, path.join(cwd, "Pulumi.dev.yaml"));
    const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd, env: ex.stack.env, encoding: "utf8", timeout: 120_000 });
    const json = run(["exposure", "--format", "json"]);
    expect(json.status, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      profile,
      project: "default",
      settingsFrom: expect.stringMatching(/^(profile, backend|backend) from stack dev's config$/),
    });
    const verbose = run(["group", "list", "--verbose", "--format", "json"]);
    expect(verbose.status, verbose.stderr).toBe(0);
    expect(verbose.stderr).toContain(`secgroups: backend ${ex.backendUrl} (stack dev's config)`);
    expect(verbose.stderr).toContain(`secgroups: profile ${profile} (${profile === "openstack" ? "default" : "stack dev's config"})`);
    // A flag still wins over the stack.
    expect(JSON.parse(run(["exposure", "--format", "json", "--profile", "meshcloud"]).stdout).profile).toBe("meshcloud");
  });
  it("destroy leaves only the profile's default groups", async () => {
    const r = await ex.stack.destroy();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const left = await snapshot(ex.backendUrl);
    expect(left.groups).toEqual(defaults);
    expect(left.servers).toEqual({});
    expect(left.networks).toEqual({});
    expect(left.attachments).toEqual([]);
    const backend = openTestBackend(ex.backendUrl);
    try {
      for (const n of networks) expect(await backend.getNetwork("default", n), n).toBeUndefined();
    } finally {
      await backend.close();
    }
  });
}

/** `pulumi refresh` succeeds and the backend is as `up` left it. */
function refreshChangesNothing(ex: Example): void {
  it("refresh finds nothing changed", async () => {
    const r = await ex.stack.refresh();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await snapshot(ex.backendUrl)).toEqual(ex.after);
  });
}

/** The rackspace programs: config sixthGroup makes preview fail at the sixth group on PublicNet. */
function sixthGroupFailsAtPreview(ex: Example): void {
  it("a sixth group on PublicNet (config sixthGroup) fails at preview with SG_LIMIT_GROUPS_PER_PORT", async () => {
    await previewFailsWith(
      ex,
      "sixthGroup",
      "true",
      "SG_LIMIT_GROUPS_PER_PORT: server web-1 already has 5 security groups on network PublicNet (limit of profile rackspace: 5)",
    );
  });
}

/** The backend holds exactly what the TypeScript example `typescript()` left (ids aside). */
function sameBackendAs(ex: Example, typescript: () => Example, label: string): void {
  it(`backend: exactly what the TypeScript ${label} made (groups, rules, revisions, servers, ports, attachments)`, () => {
    const { ids: _ours, ...ours } = ex.after;
    const { ids: _theirs, ...theirs } = typescript().after;
    expect(Object.keys(theirs.groups).length).toBeGreaterThan(0);
    expect(ours).toEqual(theirs);
  });
}

/** The TypeScript quickstart, which the YAML one is compared with. */
let quickstart: Example;

describe("examples/quickstart (seeds 000, 001; openstack)", () => {
  const ex = upExample("quickstart");
  quickstart = ex;

  it("outputs: the group, its SSH rule, the server ACTIVE and the attachment on its one port", () => {
    const o = ex.outputs;
    const { ids } = ex.after;
    expect(o).toEqual({
      id: ids["allow-ssh-from-anywhere"],
      name: "allow-ssh-from-anywhere",
      description: "Beispiel",
      project: "default",
      defaultRuleIds: [expect.any(String), expect.any(String)],
      sshRule: { id: expect.any(String), direction: "ingress", protocol: "tcp", portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "0.0.0.0/0" },
      server: { id: ids["vm-1"], name: "vm-1", status: "ACTIVE", fixedIp: "203.0.113.2" },
      attachmentPortIds: [expect.any(String)],
    });
    expect(new Set([...o.defaultRuleIds, o.sshRule.id]).size).toBe(3);
  });

  it("backend: the group has its two egress rules and the SSH rule (revision 3), and sits beside default on vm-1's port", () => {
    expect(ex.after.groups).toEqual({
      "allow-ssh-from-anywhere": { description: "Beispiel", revision: 3, rules: [...EGRESS_ANY, "ingress IPv4 tcp 22-22 0.0.0.0/0"] },
      default: OPENSTACK_DEFAULT,
    });
    expect(ex.after.servers).toEqual({
      "vm-1": { status: "ACTIVE", ports: { public: { fixedIp: "203.0.113.2", groups: ["allow-ssh-from-anywhere", "default"] } } },
    });
    expect(ex.after.attachments).toEqual(["vm-1 <- allow-ssh-from-anywhere on * (1 ports)"]);
    expect(ex.after.networks).toEqual({});
  });

  previewCleanThenDestroy(ex, "openstack", { default: OPENSTACK_DEFAULT });
});

/**
 * The provider plugin's directory in a copied example's Pulumi.yaml: `packages: secgroups:` names
 * it relative to examples/<name>, which the copy under test-output is not beside; a user whose
 * program lives elsewhere writes its absolute path the same way.
 */
function pluginFromCopy(programDir: string): void {
  const file = path.join(programDir, "Pulumi.yaml");
  const text = fs.readFileSync(file, "utf8");
  expect(text).toContain("  secgroups: ../../plugin\n");
  fs.writeFileSync(file, text.replace("  secgroups: ../../plugin\n", `  secgroups: ${PLUGIN_DIR}\n`));
}

/** `pulumi preview` of the program with `from` replaced by `to` in Pulumi.yaml fails with every one of `messages`, no trace, nothing changed. */
async function yamlPreviewFailsWith(ex: Example, from: string, to: string, messages: string[]): Promise<void> {
  const file = path.join(ex.stack.dir, "program", "Pulumi.yaml");
  const original = fs.readFileSync(file, "utf8");
  expect(original).toContain(from);
  fs.writeFileSync(file, original.replace(from, to));
  try {
    const r = await ex.stack.preview();
    const text = r.stdout + r.stderr;
    expect(r.code, text).not.toBe(0);
    for (const m of messages) expect(text).toContain(m);
    expect(hasStackTrace(text)).toBe(false);
    expect(await snapshot(ex.backendUrl)).toEqual(ex.after);
  } finally {
    fs.writeFileSync(file, original);
  }
}

describe("examples/yaml-quickstart (seeds 000, 001 in Pulumi YAML, through the provider plugin)", () => {
  const ex = upExample("yaml-quickstart", pluginFromCopy);

  it("outputs: the TypeScript quickstart's, for what the YAML program exports (ids its own)", () => {
    const o = ex.outputs;
    const { ids } = ex.after;
    const { direction: _direction, id: _ruleId, ...sshRule } = quickstart.outputs.sshRule;
    expect(o).toEqual({
      id: ids["allow-ssh-from-anywhere"],
      name: quickstart.outputs.name,
      description: quickstart.outputs.description,
      defaultRuleIds: [expect.any(String), expect.any(String)],
      sshRule: { id: expect.any(String), ...sshRule },
      server: { id: ids["vm-1"], status: quickstart.outputs.server.status },
      attachmentPortIds: [expect.any(String)],
    });
    expect(new Set([...o.defaultRuleIds, o.sshRule.id]).size).toBe(3);
  });

  sameBackendAs(ex, () => quickstart, "quickstart");

  it("resource types are the plugin's secgroups:index:<Type>, each resource's provider the secgroups plugin", async () => {
    const { deployment } = await ex.stack.export();
    const types = (deployment.resources ?? []).map((r) => r.type as string).filter((t) => !t.startsWith("pulumi:"));
    expect(types.sort()).toEqual([
      "secgroups:index:SecurityGroup",
      "secgroups:index:SecurityGroupRule",
      "secgroups:index:Server",
      "secgroups:index:ServerAttachment",
    ]);
    expect((deployment.resources ?? []).filter((r) => r.type === "pulumi:providers:secgroups").length).toBe(1);
  });

  it("an invalid port and ethertype fail preview with their codes, both at once, and change nothing", async () => {
    await yamlPreviewFailsWith(ex, "      portRangeMin: 22\n", "      portRangeMin: 70000\n      ethertype: IPv9\n", [
      "SG_INVALID_INPUT: portRangeMin got 70000",
      'SG_INVALID_INPUT: ethertype got "IPv9"; allowed: "IPv4", "IPv6"',
    ]);
  });

  refreshChangesNothing(ex);

  previewCleanThenDestroy(ex, "openstack", { default: OPENSTACK_DEFAULT });
});

/** The TypeScript rackspace example, which the Python one is compared with. */
let rackspace: Example;

describe("examples/rackspace (seed 002)", () => {
  const ex = upExample("rackspace");
  rackspace = ex;
  const FIVE = ["ssh-from-admin", "http", "https", "ping", "outbound"];

  it("outputs: web-1 ACTIVE on PublicNet and ServiceNet, five groups on PublicNet, one on ServiceNet, one port each", () => {
    expect(ex.outputs).toEqual({
      server: {
        id: ex.after.ids["web-1"],
        name: "web-1",
        status: "ACTIVE",
        ports: [
          { networkId: "00000000-0000-0000-0000-000000000000", fixedIp: "198.51.100.2" },
          { networkId: "11111111-1111-1111-1111-111111111111", fixedIp: "10.176.0.2" },
        ],
      },
      publicNetGroups: FIVE,
      publicNetAttachmentPorts: [1, 1, 1, 1, 1],
      serviceNetGroups: ["servicenet-internal"],
      serviceNetAttachmentPorts: 1,
    });
  });

  it("backend: groups without default rules, PublicNet carries exactly the five, ServiceNet one", () => {
    const group = (description: string, rule: string) => ({ description, revision: 1, rules: [rule] });
    expect(ex.after.groups).toEqual({
      "ssh-from-admin": group("SSH from the admin network", "ingress IPv4 tcp 22-22 192.0.2.0/24"),
      http: group("HTTP from anywhere", "ingress IPv4 tcp 80-80 0.0.0.0/0"),
      https: group("HTTPS from anywhere", "ingress IPv4 tcp 443-443 0.0.0.0/0"),
      ping: group("ICMP echo request from anywhere", "ingress IPv4 icmp 8-0 0.0.0.0/0"),
      outbound: group("All outbound IPv4 traffic (API only at Rackspace)", "egress IPv4 any any 0.0.0.0/0"),
      "servicenet-internal": group("TCP from ServiceNet", "ingress IPv4 tcp any 10.176.0.0/12"),
    });
    expect(ex.after.servers).toEqual({
      "web-1": {
        status: "ACTIVE",
        ports: {
          PublicNet: { fixedIp: "198.51.100.2", groups: [...FIVE].sort() },
          ServiceNet: { fixedIp: "10.176.0.2", groups: ["servicenet-internal"] },
        },
      },
    });
    expect(ex.after.attachments).toEqual(
      [...FIVE.map((g) => `web-1 <- ${g} on PublicNet (1 ports)`), "web-1 <- servicenet-internal on ServiceNet (1 ports)"].sort(),
    );
  });

  sixthGroupFailsAtPreview(ex);

  previewCleanThenDestroy(ex, "rackspace", {});
});

/**
 * What a user does in examples/python-rackspace before `pulumi up` (its README): `.venv` has the
 * Pulumi Python SDK of our CLI's release (scripts/python-venv.sh's), and `pulumi install`
 * generates the plugin's Python SDK into sdks/secgroups and installs it there.
 */
async function pythonProject(programDir: string, stack: TestStack): Promise<void> {
  pluginFromCopy(programDir);
  const venv = spawnSync("bash", [path.join(__dirname, "..", "..", "scripts", "python-venv.sh")], { encoding: "utf8", timeout: 600_000 });
  expect(venv.status, venv.stderr).toBe(0);
  // A venv of the test's own over the cached one (a .pth names its packages), so that what `pulumi
  // install` adds (the generated SDK) stays here and two runs never replace each other's.
  const python = venv.stdout.trim();
  const made = spawnSync(python, ["-m", "venv", path.join(programDir, ".venv")], { encoding: "utf8", timeout: 120_000 });
  expect(made.status, made.stderr).toBe(0);
  const paths = (interpreter: string) =>
    spawnSync(interpreter, ["-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], { encoding: "utf8" }).stdout.trim();
  fs.writeFileSync(path.join(paths(path.join(programDir, ".venv", "bin", "python")), "secgroups-cache.pth"), `${paths(python)}\n`);
  const install = await runPulumi(["install"], { cwd: programDir, env: stack.env });
  expect(install.code, install.stdout + install.stderr).toBe(0);
  expect(fs.readFileSync(path.join(programDir, "requirements.txt"), "utf8")).toBe("pulumi>=3.276.0,<4.0.0\nsdks/secgroups\n");
}

describe("examples/python-rackspace (seed 002 in Python, through the provider plugin)", () => {
  const ex = upExample("python-rackspace", pythonProject);

  it("outputs: the TypeScript rackspace example's (the server's id its own)", () => {
    expect(ex.outputs).toEqual({ ...rackspace.outputs, server: { ...rackspace.outputs.server, id: ex.after.ids["web-1"] } });
  });

  sameBackendAs(ex, () => rackspace, "rackspace example");

  sixthGroupFailsAtPreview(ex);

  refreshChangesNothing(ex);

  previewCleanThenDestroy(ex, "rackspace", {});
});

describe("examples/meshcloud (seed 003)", () => {
  const ex = upExample("meshcloud");

  it("outputs: instance-1 ACTIVE, the ping rule as ICMP type 8 code 0, the SSH rule, allow-ping on one port", () => {
    expect(ex.outputs).toEqual({
      server: { id: ex.after.ids["instance-1"], name: "instance-1", status: "ACTIVE" },
      groups: ["allow-ssh", "allow-ping"],
      pingRule: { protocol: "icmp", icmpType: 8, icmpCode: 0, remoteIpPrefix: "0.0.0.0/0" },
      sshRule: { protocol: "tcp", portRangeMin: 22, portRangeMax: 22 },
      pingAttachmentPorts: 1,
    });
  });

  it("backend: the instance carries allow-ssh (launch) and allow-ping (attached), not default", () => {
    expect(ex.after.groups).toEqual({
      "allow-ssh": { description: "SSH from anywhere", revision: 3, rules: [...EGRESS_ANY, "ingress IPv4 tcp 22-22 0.0.0.0/0"] },
      "allow-ping": { description: "ICMP echo request (ping) from anywhere", revision: 3, rules: [...EGRESS_ANY, "ingress IPv4 icmp 8-0 0.0.0.0/0"] },
      default: OPENSTACK_DEFAULT,
    });
    expect(ex.after.servers).toEqual({
      "instance-1": { status: "ACTIVE", ports: { public: { fixedIp: "203.0.113.2", groups: ["allow-ping", "allow-ssh"] } } },
    });
    expect(ex.after.attachments).toEqual(["instance-1 <- allow-ping on * (1 ports)"]);
  });

  it("an instance launched without any group (config launchWithoutGroups) fails at preview with SG_MIN_GROUPS", async () => {
    await previewFailsWith(
      ex,
      "launchWithoutGroups",
      "true",
      "SG_MIN_GROUPS: profile meshcloud requires every server to keep at least 1 security group (property securityGroupIds, got [])",
    );
  });

  previewCleanThenDestroy(ex, "meshcloud", { default: OPENSTACK_DEFAULT });
});

describe("examples/evroc (seed 004)", () => {
  const ex = upExample("evroc");

  it("outputs: the subnet, the protocol-All rule from the subnet, the members rule, two servers ACTIVE", () => {
    const { ids } = ex.after;
    expect(ex.outputs).toEqual({
      subnetId: ids["backend-subnet"],
      subnets: ["10.20.0.0/24"],
      appTierGroup: { id: ids["app-tier-sg"], name: "app-tier-sg" },
      overlayRule: { protocol: "any", remoteSubnetId: ids["backend-subnet"], ethertype: "IPv4" },
      membersRule: { protocol: "tcp", portRangeMin: 8080, portRangeMax: 8080, remoteGroupId: ids["app-tier-sg"] },
      servers: {
        "vm-1": { id: ids["vm-1"], status: "ACTIVE", ports: 2 },
        "vm-2": { id: ids["vm-2"], status: "ACTIVE", ports: 1 },
      },
      vm1AppTierPorts: 2,
      vm1DefaultSsh: { group: "default-allow-ssh", ports: 1 },
    });
  });

  it("backend: the three default groups, app-tier-sg replacing default-allow-egress on vm-1, default-allow-ssh joined by name, vm-2 left in default-allow-egress", () => {
    expect(ex.after.groups).toEqual({
      ...EVROC_DEFAULTS,
      "app-tier-sg": {
        description: "Application tier",
        revision: 2,
        rules: ["ingress IPv4 any any subnet:backend-subnet", "ingress IPv4 tcp 8080-8080 group:app-tier-sg"],
      },
    });
    expect(ex.after.networks).toEqual({ "backend-subnet": ["10.20.0.0/24"] });
    expect(ex.after.servers).toEqual({
      "vm-1": {
        status: "ACTIVE",
        ports: {
          public: { fixedIp: "203.0.113.2", groups: ["app-tier-sg", "default-allow-ssh"] },
          "backend-subnet": { fixedIp: expect.stringMatching(/^10\.20\.0\.[23]$/), groups: ["app-tier-sg"] },
        },
      },
      "vm-2": {
        status: "ACTIVE",
        ports: { "backend-subnet": { fixedIp: expect.stringMatching(/^10\.20\.0\.[23]$/), groups: ["default-allow-egress"] } },
      },
    });
    expect(ex.after.servers["vm-1"]!.ports["backend-subnet"]!.fixedIp).not.toBe(ex.after.servers["vm-2"]!.ports["backend-subnet"]!.fixedIp);
    expect(ex.after.attachments).toEqual(["vm-1 <- app-tier-sg on * (2 ports)", "vm-1 <- default-allow-ssh on public (1 ports)"]);
  });

  it("refresh keeps the default group named by its name: no diff afterwards", async () => {
    const r = await ex.stack.refresh();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const resources = (await ex.stack.export()).deployment.resources ?? [];
    const ssh = resources.find((x) => String(x.urn).endsWith("::vm-1-default-allow-ssh"));
    expect(ssh?.inputs?.securityGroupId).toBe("default-allow-ssh");
    expect(ssh?.outputs?.securityGroupId).toBe("default-allow-ssh");
  });

  previewCleanThenDestroy(ex, "evroc", EVROC_DEFAULTS, ["backend-subnet"]);
});

describe("examples/three-tier (openstack)", () => {
  const ex = upExample("three-tier");

  it("outputs: four groups, the private network, three servers ACTIVE, each attachment on every port of its server", () => {
    const { ids } = ex.after;
    expect(ex.outputs).toEqual({
      groups: {
        web: { id: ids.web, name: "web" },
        app: { id: ids.app, name: "app" },
        db: { id: ids.db, name: "db" },
        adminSsh: { id: ids["admin-ssh"], name: "admin-ssh" },
      },
      network: { id: ids["app-net"], subnets: ["10.10.0.0/24"] },
      serverStatus: { "web-1": "ACTIVE", "app-1": "ACTIVE", "db-1": "ACTIVE" },
      attachmentPorts: { "web-1": [2, 2], "app-1": [1, 1], "db-1": [1, 1] },
    });
  });

  it("backend: each tier lets in only the tier in front of it, by group; every port has its tier, admin-ssh and default", () => {
    expect(ex.after.groups).toEqual({
      web: {
        description: "Web tier: HTTP and HTTPS from anywhere",
        revision: 4,
        rules: [...EGRESS_ANY, "ingress IPv4 tcp 443-443 0.0.0.0/0", "ingress IPv4 tcp 80-80 0.0.0.0/0"],
      },
      app: { description: "App tier: 8080 from the web tier", revision: 3, rules: [...EGRESS_ANY, "ingress IPv4 tcp 8080-8080 group:web"] },
      db: { description: "DB tier: PostgreSQL from the app tier", revision: 3, rules: [...EGRESS_ANY, "ingress IPv4 tcp 5432-5432 group:app"] },
      "admin-ssh": { description: "SSH from the admin network", revision: 3, rules: [...EGRESS_ANY, "ingress IPv4 tcp 22-22 192.0.2.0/24"] },
      default: OPENSTACK_DEFAULT,
    });
    expect(ex.after.networks).toEqual({ "app-net": ["10.10.0.0/24"] });
    const on = (tier: string) => ["admin-ssh", "default", tier].sort();
    const s = ex.after.servers;
    expect(Object.keys(s).sort()).toEqual(["app-1", "db-1", "web-1"]);
    expect(s["web-1"]).toEqual({
      status: "ACTIVE",
      ports: {
        public: { fixedIp: "203.0.113.2", groups: on("web") },
        "app-net": { fixedIp: expect.stringMatching(/^10\.10\.0\.[234]$/), groups: on("web") },
      },
    });
    expect(s["app-1"]).toEqual({
      status: "ACTIVE",
      ports: { "app-net": { fixedIp: expect.stringMatching(/^10\.10\.0\.[234]$/), groups: on("app") } },
    });
    expect(s["db-1"]).toEqual({ status: "ACTIVE", ports: { "app-net": { fixedIp: expect.stringMatching(/^10\.10\.0\.[234]$/), groups: on("db") } } });
    expect(new Set(Object.values(s).map((x) => x.ports["app-net"]!.fixedIp)).size).toBe(3);
    expect(ex.after.attachments).toEqual([
      "app-1 <- admin-ssh on * (1 ports)",
      "app-1 <- app on * (1 ports)",
      "db-1 <- admin-ssh on * (1 ports)",
      "db-1 <- db on * (1 ports)",
      "web-1 <- admin-ssh on * (2 ports)",
      "web-1 <- web on * (2 ports)",
    ]);
  });

  previewCleanThenDestroy(ex, "openstack", { default: OPENSTACK_DEFAULT }, ["app-net"]);
});
