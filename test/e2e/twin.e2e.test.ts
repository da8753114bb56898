/**
 * The twin test: every example and end-to-end program that uses only what Neutron has is applied
 * under the real engine to the embedded backend (SQLite) and to a real Neutron 29 (noauth,
 * tools/neutron.ts) in the same run, then both are read back through the backend interface and
 * compared by name: groups (description, rules in canonical form, default rules
 * included), servers' ports and their groups, private networks, attachments, and the errors of the
 * refused steps (code and property). Servers are `Server` resources on the embedded backend and,
 * on Neutron, ports made as the compute service makes them, passed in by config (existingServers).
 *
 * Every difference found must be listed in KNOWN with its reason, as in docs/neutron-conformance.md;
 * an unlisted difference, or a listed one that no longer occurs, fails the test.
 */
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NoAuth } from "../../provider/backends/openstack/auth";
import { OpenstackBackend } from "../../provider/backends/openstack/backend";
import { attachmentPolicy, projectSetup } from "../../provider/domain/profiles";
import { loadProfile } from "../../provider/profileLoader";
import { startNeutron, type NeutronServer } from "../../tools/neutron";
import { openTestBackend } from "./fleet";
import { TestStack, exampleSource, programSource, sqliteUrl, type CliResult } from "./harness";
import { NeutronCloud, newProject } from "./neutronCloud";
import { snapshot, type Snapshot } from "./snapshot";

const ROOT = path.resolve(__dirname, "../..");
const START_TIMEOUT_MS = 600_000;

/** One program of the twin test. */
interface Twin {
  /** A label for messages. */
  label: string;
  /** examples/<name> or test/e2e/programs/<name>. */
  source: string;
  /** The program's Pulumi project name (for URNs). */
  project: string;
  profile: string;
  /** Stack config of both runs. */
  config: Record<string, string>;
  /** The program's servers: name → networks (by name). */
  servers: Record<string, string[]>;
  /** A server that exists before the program on both backends (made through the embedded backend's API, and by "Nova" on Neutron), its id given as the config key `config`. */
  made?: { name: string; networks: string[]; config: string };
  /** Resources (type, name) to create before the servers exist on Neutron (the networks they boot on). */
  first?: Array<[string, string]>;
  /** Config (key, value) under which a preview of the program is refused, with the refusals (`CODE property`) it must print on both. */
  refused?: [string, string, string[]];
}

const TWINS: Twin[] = [
  {
    label: "examples/quickstart",
    source: exampleSource("quickstart"),
    project: "secgroups-quickstart",
    profile: "openstack",
    config: {},
    servers: { "vm-1": ["public"] },
  },
  {
    label: "examples/three-tier",
    source: exampleSource("three-tier"),
    project: "secgroups-three-tier",
    profile: "openstack",
    config: {},
    servers: { "web-1": ["public", "app-net"], "app-1": ["app-net"], "db-1": ["app-net"] },
    first: [["Network", "app-net"]],
  },
  {
    label: "examples/rackspace",
    source: exampleSource("rackspace"),
    project: "secgroups-rackspace",
    profile: "rackspace",
    config: {},
    servers: { "web-1": ["PublicNet", "ServiceNet"] },
    refused: ["sixthGroup", "true", ["SG_LIMIT_GROUPS_PER_PORT securityGroupId"]],
  },
  {
    label: "programs/group",
    source: programSource("group"),
    project: "e2e-group",
    profile: "openstack",
    config: { "test:description": "twin", "test:tags": '["b","a"]' },
    servers: {},
  },
  { label: "programs/rules", source: programSource("rules"), project: "e2e-rules", profile: "openstack", config: {}, servers: {} },
  {
    label: "programs/attach",
    source: programSource("attach"),
    project: "e2e-attach",
    profile: "rackspace",
    config: { "test:groups": "6", "test:attach": "5", "test:attachNetwork": "PublicNet" },
    servers: {},
    made: { name: "web-1", networks: ["PublicNet", "ServiceNet"], config: "test:serverId" },
    refused: ["test:attach", "6", ["SG_LIMIT_GROUPS_PER_PORT securityGroupId"]],
  },
  {
    label: "programs/invalid",
    source: programSource("invalid"),
    project: "e2e-invalid",
    profile: "openstack",
    config: { "test:rule": JSON.stringify({ protocol: "tcp", portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "10.0.0.0/8" }) },
    servers: {},
    refused: [
      "test:rule",
      JSON.stringify({ protocol: "tcp", portRangeMin: 30, portRangeMax: 20, remoteIpPrefix: "10.0.0.0/8" }),
      ["SG_INVALID_INPUT portRangeMin"],
    ],
  },
];

/**
 * The differences Neutron shows and the embedded backend does not, each with its reason (the
 * same lines are in docs/neutron-conformance.md). A difference is classified by what it is, not by
 * its text; KNOWN says which ones each program shows.
 */
const REASONS = {
  /**
   * Neutron records which groups a port has, not how they came there: the group a server was
   * launched with (the project's `default`, given by the compute service) is listed as an
   * attachment. The embedded backend keeps launch groups apart from attachments.
   */
  "launch-group-listed": (d: Difference) =>
    d.path === "attachments" &&
    Array.isArray(d.embedded) &&
    Array.isArray(d.neutron) &&
    d.embedded.every((a) => (d.neutron as string[]).includes(a)) &&
    (d.neutron as string[]).filter((a) => !(d.embedded as string[]).includes(a)).every((a) => / <- default on /.test(a)),
  /**
   * Neutron makes a project's `default` group on the project's first request, whatever the
   * profile; the embedded backend makes the profile's default groups (rackspace: none) when a
   * network, server or attachment of the project is first used.
   */
  "default-group-made-by-neutron": (d: Difference) =>
    d.path === "groups.default" && d.embedded === undefined && JSON.stringify(d.neutron) === JSON.stringify(NEUTRON_DEFAULT_GROUP),
} satisfies Record<string, (d: Difference) => boolean>;

/** The `default` group Neutron makes for a project, in snapshot form. */
const NEUTRON_DEFAULT_GROUP = {
  description: "Default security group",
  rules: ["egress IPv4 any any any", "egress IPv6 any any any", "ingress IPv4 any any group:default", "ingress IPv6 any any group:default"],
};

/** Which documented differences each program shows (none when absent). */
const KNOWN: Record<string, Array<keyof typeof REASONS>> = {
  "examples/quickstart": ["launch-group-listed"],
  "examples/three-tier": ["launch-group-listed"],
  "examples/rackspace": ["default-group-made-by-neutron"],
  "programs/group": ["default-group-made-by-neutron"],
  "programs/rules": ["default-group-made-by-neutron"],
  "programs/attach": ["default-group-made-by-neutron"],
  "programs/invalid": ["default-group-made-by-neutron"],
};

/** One place where the two backends differ. */
interface Difference {
  path: string;
  embedded: unknown;
  neutron: unknown;
}

/** The documented reason of `d`, or the difference itself when none fits. */
function classify(d: Difference): string {
  const reason = Object.entries(REASONS).find(([, fits]) => fits(d));
  return reason
    ? reason[0]
    : `undocumented: ${d.path}: embedded ${JSON.stringify(d.embedded) ?? "(none)"}, neutron ${JSON.stringify(d.neutron) ?? "(none)"}`;
}

/**
 * A snapshot without what differs by nature between two backends: ids, fixed IPs (each cloud's
 * IPAM picks its own) and revision numbers (Neutron's count its own changes, the client-token tag
 * and the default rules a profile removes included; docs/neutron-conformance.md).
 */
function normalised(s: Snapshot): Record<string, unknown> {
  const groups = Object.fromEntries(Object.entries(s.groups).map(([name, g]) => [name, { description: g.description, rules: g.rules }]));
  const servers = Object.fromEntries(
    Object.entries(s.servers).map(([name, server]) => [
      name,
      {
        status: server.status,
        ports: Object.fromEntries(
          Object.entries(server.ports).map(([net, p]) => [net, { fixedIp: p.fixedIp ? "(an address)" : "", groups: p.groups }]),
        ),
      },
    ]),
  );
  return { groups, servers, networks: s.networks, attachments: s.attachments };
}

/** Every leaf where `a` (embedded) and `b` (neutron) differ. */
function differences(a: unknown, b: unknown, at = ""): Difference[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const isObject = (x: unknown) => typeof x === "object" && x !== null && !Array.isArray(x);
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])].sort();
    return keys.flatMap((k) => differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], at ? `${at}.${k}` : k));
  }
  return [{ path: at, embedded: a, neutron: b }];
}

/** The `CODE` and `property` of each error a refused preview printed, sorted. */
function refusals(r: CliResult): string[] {
  const found = (r.stdout + r.stderr).split("\n").flatMap((line) => {
    const code = /\b(SG_[A-Z_]+): (.*)$/.exec(line);
    if (!code) return [];
    // `… (property NAME, got …)`, or the rule checks' `NAME is …` (the property first).
    const property = /\(property `?([A-Za-z.[\]0-9]+)`?/.exec(code[2]!)?.[1] ?? /^([A-Za-z]+) is /.exec(code[2]!)?.[1] ?? "?";
    return [`${code[1]} ${property}`];
  });
  return [...new Set(found)].sort();
}

let neutron: NeutronServer;
let cloud: NeutronCloud;
let compared = 0;
let found = 0;

beforeAll(async () => {
  neutron = await startNeutron();
  cloud = new NeutronCloud(neutron.url);
}, START_TIMEOUT_MS);

afterAll(async () => {
  console.log(`twin: ${compared} programs compared on the embedded backend and a real Neutron; ${found} differences, each of a documented kind`);
  await neutron?.stop();
});

describe("twin test: the embedded backend and a real Neutron hold the same after the same program", () => {
  for (const twin of TWINS) {
    it(`${twin.label} (${twin.profile})`, async () => {
      // The embedded backend.
      const embedded = await TestStack.create(path.basename(twin.source), "embedded", { ...twin.config }, undefined, twin.source);
      const url = sqliteUrl(embedded.dir);
      await embedded.setConfig("secgroups:backend", url);
      await embedded.setConfig("secgroups:profile", twin.profile);
      const profile = loadProfile(twin.profile, ROOT);
      if (twin.made) {
        const b = openTestBackend(url);
        try {
          await b.ensureProject("default", projectSetup(profile));
          const policy = attachmentPolicy(profile);
          const s = await b.createServer(
            { project: "default", name: twin.made.name, networks: twin.made.networks, securityGroupIds: [], bootSeconds: 0 },
            policy,
          );
          await embedded.setConfig(twin.made.config, s.id);
        } finally {
          await b.close();
        }
      }
      const up = await embedded.up();
      expect(up.code, up.stdout + up.stderr).toBe(0);
      const local = openTestBackend(url);
      const mine = await snapshot(local, "default").finally(() => local.close());

      // The real Neutron: the cloud's networks, the program's first resources, the servers, then the program.
      const project = newProject();
      await cloud.builtinNetworks(profile);
      const real = await TestStack.create(path.basename(twin.source), "neutron", { ...twin.config }, undefined, twin.source);
      real.env.OS_CLIENT_CONFIG_FILE = cloud.cloudsYaml(real.dir, "lab");
      await real.setConfig("secgroups:backend", "openstack://lab");
      await real.setConfig("secgroups:profile", twin.profile);
      await real.setConfig("secgroups:project", project);
      if (twin.first) {
        const targets = twin.first.flatMap(([type, name]) => [
          "--target",
          `urn:pulumi:neutron::${twin.project}::pulumi-nodejs:dynamic/secgroups:${type}::${name}`,
        ]);
        const first = await real.run(["up", "--yes", "--skip-preview", ...targets, "--config-file", real.configFile]);
        expect(first.code, first.stdout + first.stderr).toBe(0);
      }
      const serverNames: Record<string, string> = {};
      if (twin.made) {
        const id = await cloud.bootServer(project, twin.made.networks, twin.profile === "rackspace" ? [] : undefined);
        serverNames[id] = twin.made.name;
        await real.setConfig(twin.made.config, id);
      }
      for (const [name, networks] of Object.entries(twin.servers)) {
        // Nova launches without groups into the project's default group; rackspace ports start with none.
        const id = await cloud.bootServer(project, networks, twin.profile === "rackspace" ? [] : undefined);
        serverNames[id] = name;
        await real.must(["config", "set", "--config-file", real.configFile, "--path", `existingServers.${name}`, id]);
      }
      const upReal = await real.up();
      expect(upReal.code, upReal.stdout + upReal.stderr).toBe(0);
      const backend = new OpenstackBackend(new NoAuth(neutron.url));
      const theirs = await snapshot(backend, project, serverNames).finally(() => backend.close());

      const diffs = differences(normalised(mine), normalised(theirs));
      if (twin.refused) {
        const [key, value] = twin.refused;
        await embedded.setConfig(key, value);
        await real.setConfig(key, value);
        const a = await embedded.preview();
        const b = await real.preview();
        expect(a.code, a.stdout + a.stderr).not.toBe(0);
        expect(b.code, b.stdout + b.stderr).not.toBe(0);
        expect(refusals(a), a.stdout + a.stderr).toEqual(twin.refused[2]);
        diffs.push(...differences({ refused: refusals(a) }, { refused: refusals(b) }));
      }
      const reasons = diffs.map(classify);
      for (const r of reasons) console.log(`twin ${twin.label}: ${r}`);
      compared += 1;
      found += diffs.length;
      expect(reasons).toEqual(KNOWN[twin.label] ?? []);

      // Neutron is left with only what the cloud made: the project's default group.
      if (twin.refused) {
        const before = twin.config[twin.refused[0]];
        for (const s of [embedded, real]) await (before !== undefined ? s.setConfig(twin.refused[0], before) : s.removeConfig(twin.refused[0]));
      }
      // The servers go first, with the cloud's tools (their ports hold the program's network).
      for (const id of Object.keys(serverNames)) await cloud.deleteServer(id);
      const down = await real.destroy();
      expect(down.code, down.stdout + down.stderr).toBe(0);
      expect((await cloud.groups(project)).map((g) => g.name).filter((n) => n !== "default")).toEqual([]);
      expect(await cloud.networkNames(project)).toEqual([]);
      expect(await cloud.ports(project)).toEqual([]);
    }, 600_000);
  }
});
