/**
 * The preview report's replay (applyPreview, provider/domain/plan.ts, the policy at `when: "plan"`)
 * and the SQL store (SqliteBackend, the policy at `when: "apply"`) give the same verdict on the
 * same state: for a random state built through the store (groups of random `stateful`, one or two
 * ACTIVE servers on random networks, random attachments the store accepted) and ONE random
 * operation (attach group G to server S on network N or on every network; or detach an existing
 * attachment), both refuse with the same code, or both succeed and leave the same groups on every
 * port of that server. The replay reads the backend's state before the operation exactly as the
 * CLI does (loadExposureModel) and gets a one-step preview, shaped as parsePreview gives it.
 *
 * Nothing is left out of the generator for a known difference: none was found. What the states
 * reach: every attach refusal of the built-in profiles (SG_ALREADY_ATTACHED, SG_NETWORK_NOT_FOUND,
 * SG_NETWORK_NOT_ATTACHABLE, SG_STATEFUL_MIX, SG_LIMIT_GROUPS_PER_PORT) and detaches; a detach is
 * never refused here, because SG_MIN_GROUPS (meshcloud's minimum of 1) cannot be reached from a
 * state the store built: a meshcloud port keeps its launch groups, which no attachment holds. The
 * servers are ACTIVE (bootSeconds 0): SG_SERVER_NOT_ACTIVE is judged differently by design (at
 * `plan` a booting server waits) and is not compared.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SqliteBackend } from "../../provider/backends/sqlite";
import type { AttachmentRecord, ServerRecord, StateBackend } from "../../provider/backends/types";
import { loadExposureModel } from "../../provider/cli/exposureCommands";
import type { ExposureModel } from "../../provider/domain/exposure";
import { applyPreview, type Preview, type PreviewStep } from "../../provider/domain/plan";
import { attachmentPolicy, projectSetup, type Profile } from "../../provider/domain/profiles";
import { loadProfile } from "../../provider/profileLoader";
import { SecgroupsError } from "../../provider/errors";

const ROOT = path.resolve(__dirname, "../..");
const PROFILE_NAMES = ["openstack", "meshcloud", "rackspace", "evroc"] as const;
type ProfileName = (typeof PROFILE_NAMES)[number];
const PROFILES: Record<ProfileName, Profile> = Object.fromEntries(PROFILE_NAMES.map((n) => [n, loadProfile(n, ROOT)])) as Record<
  ProfileName,
  Profile
>;
const PROJECT = "proj";
const PRIVATE = "private";
const RUNS = 300;
const T = "pulumi-nodejs:dynamic/secgroups:";
const STEP_NAME = "op";

/** Both sides' verdict: the refusal's code, or the groups (by name, sorted) on every port of the server, by `network/port id`. */
type Verdict = { ok: false; code: string } | { ok: true; ports: Record<string, string[]> };

/** One operation, by indexes into what the state holds (taken modulo its size). */
type Op =
  { kind: "attach"; server: number; group: number; fromEnd: boolean; network: number | null; byId: boolean } | { kind: "detach"; attachment: number };

interface Case {
  profile: ProfileName;
  /** Custom groups, by their `stateful`. */
  groups: boolean[];
  /** Whether the project gets a private network (not a built-in one). */
  privateNetwork: boolean;
  /** Per server: its networks (indexes) and the custom groups named at launch (indexes; profiles with groups at launch). */
  servers: { networks: number[]; launch: number[] }[];
  /** Whether every custom group is first tried on the first server, on every network (fills rackspace's ports to their limit). */
  fill: boolean;
  /** Attachments tried while building the state; those the store refuses are not part of it. */
  setup: { server: number; group: number; network: number | null }[];
  op: Op;
}

// ---------------------------------------------------------------------------------------------
// The state, through the store

interface State {
  backend: StateBackend;
  dir: string;
  profile: Profile;
  groups: { id: string; name: string }[];
  networks: { id: string; name: string }[];
  servers: ServerRecord[];
}

async function openState(name: ProfileName, privateNetwork: boolean): Promise<State> {
  const profile = PROFILES[name];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-agreement-"));
  const backend = new SqliteBackend(path.join(dir, "cloud.db"));
  await backend.ensureProject(PROJECT, projectSetup(profile));
  if (privateNetwork) await backend.createNetwork(PROJECT, PRIVATE, ["192.168.10.0/24"]);
  const networks = (await backend.listNetworks(PROJECT)).map((n) => ({ id: n.id, name: n.name }));
  const groups = (await backend.listGroups(PROJECT)).map((g) => ({ id: g.id, name: g.name }));
  return { backend, dir, profile, groups, networks, servers: [] };
}

async function closeState(s: State): Promise<void> {
  await s.backend.close();
  fs.rmSync(s.dir, { recursive: true, force: true });
}

async function addGroup(s: State, name: string, stateful: boolean): Promise<string> {
  const g = await s.backend.createGroup({ project: PROJECT, name, description: "", stateful, tags: [], defaultRules: [] });
  s.groups.push({ id: g.group.id, name });
  return g.group.id;
}

async function addServer(s: State, name: string, networks: string[], securityGroupIds: string[] = []): Promise<ServerRecord> {
  const server = await s.backend.createServer({ project: PROJECT, name, networks, securityGroupIds, bootSeconds: 0 }, attachmentPolicy(s.profile));
  s.servers.push(server);
  return server;
}

/** Builds the case's state through the store; the attachments it refuses are left out. */
async function buildState(c: Case): Promise<State> {
  const s = await openState(c.profile, c.privateNetwork);
  const custom: string[] = [];
  for (const [i, stateful] of c.groups.entries()) custom.push(await addGroup(s, `${stateful ? "sf" : "sl"}${i + 1}`, stateful));
  for (const [i, spec] of c.servers.entries()) {
    const networks = [...new Set(spec.networks.map((n) => s.networks[n % s.networks.length]!.name))];
    const launch = s.profile.groupsAtLaunch ? [...new Set(spec.launch.map((g) => custom[g % custom.length]!))] : [];
    try {
      await addServer(s, `vm-${i + 1}`, networks, launch);
    } catch (err) {
      // A launch the store refuses (stateful and stateless groups given together): launch without them.
      if (!(err instanceof SecgroupsError) || !launch.length) throw err;
      await addServer(s, `vm-${i + 1}`, networks);
    }
  }
  const tries = [...(c.fill ? custom.map((_, i) => ({ server: 0, group: s.groups.length - custom.length + i, network: null })) : []), ...c.setup];
  for (const a of tries) {
    const server = s.servers[a.server % s.servers.length]!;
    const group = s.groups[a.group % s.groups.length]!;
    const network = a.network === null ? null : s.networks[a.network % s.networks.length]!.name;
    try {
      await s.backend.createAttachment(PROJECT, server.id, group.id, network, attachmentPolicy(s.profile));
    } catch (err) {
      if (!(err instanceof SecgroupsError)) throw err;
    }
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// One operation, both ways

/** The operation as both sides take it. */
type Resolved = { kind: "attach"; serverId: string; groupId: string; network: string | null } | { kind: "detach"; attachment: AttachmentRecord };

async function resolveOp(s: State, op: Op): Promise<Resolved> {
  if (op.kind === "detach") {
    const attachments = await s.backend.listAttachments(PROJECT);
    if (attachments.length) return { kind: "detach", attachment: attachments[op.attachment % attachments.length]! };
    // Nothing to detach: attach instead, so the run still compares something.
    return resolveOp(s, { kind: "attach", server: op.attachment, group: op.attachment, fromEnd: false, network: null, byId: false });
  }
  const network = op.network === null ? null : s.networks[op.network % s.networks.length]!;
  return {
    kind: "attach",
    serverId: s.servers[op.server % s.servers.length]!.id,
    // From the end: the custom groups, the last of them the ones a filled port did not take.
    groupId: s.groups[op.fromEnd ? s.groups.length - 1 - (op.group % s.groups.length) : op.group % s.groups.length]!.id,
    network: network === null ? null : op.byId ? network.id : network.name,
  };
}

function serverOf(op: Resolved): string {
  return op.kind === "attach" ? op.serverId : op.attachment.serverId;
}

/** Groups (by name, sorted) on each port, by `network/port id`. */
function portGroups(
  ports: readonly { id: string; networkName: string; securityGroupIds: readonly string[] }[],
  names: Map<string, string>,
): Record<string, string[]> {
  return Object.fromEntries(ports.map((p) => [`${p.networkName}/${p.id}`, p.securityGroupIds.map((g) => names.get(g) ?? g).sort()]));
}

async function storeVerdict(s: State, op: Resolved, names: Map<string, string>): Promise<Verdict> {
  const policy = attachmentPolicy(s.profile);
  try {
    if (op.kind === "attach") await s.backend.createAttachment(PROJECT, op.serverId, op.groupId, op.network, policy);
    else expect(await s.backend.deleteAttachment(PROJECT, op.attachment.id, policy)).toBe(true);
  } catch (err) {
    if (err instanceof SecgroupsError) return { ok: false, code: err.code };
    throw err;
  }
  const server = await s.backend.getServer(PROJECT, serverOf(op));
  return { ok: true, ports: portGroups(server!.ports, names) };
}

/** The one-step preview of the operation, as parsePreview gives it. */
function previewOf(op: Resolved): Preview {
  const urn = `urn:pulumi:dev::${PROJECT}::${T}ServerAttachment::${STEP_NAME}`;
  const step: PreviewStep =
    op.kind === "attach"
      ? {
          op: "create",
          urn,
          type: "ServerAttachment",
          name: STEP_NAME,
          oldInputs: {},
          oldOutputs: {},
          dependencies: {},
          newInputs: { serverId: op.serverId, securityGroupId: op.groupId, ...(op.network !== null ? { network: op.network } : {}) },
        }
      : {
          op: "delete",
          urn,
          type: "ServerAttachment",
          name: STEP_NAME,
          oldId: op.attachment.id,
          newInputs: {},
          dependencies: {},
          oldInputs: {
            serverId: op.attachment.serverId,
            securityGroupId: op.attachment.securityGroupId,
            ...(op.attachment.networkId !== null ? { network: op.attachment.networkId } : {}),
          },
          oldOutputs: { ...op.attachment },
        };
  return { steps: [step], errors: [], otherSteps: 0 };
}

function replayVerdict(before: ExposureModel, profile: Profile, op: Resolved, names: Map<string, string>): Verdict {
  const planned = applyPreview(before, previewOf(op), profile);
  // Nothing the replay could not know: it judged the operation, it did not skip it.
  expect(planned.knownAfterApply).toEqual([]);
  if (planned.refused.length) {
    const codes = planned.refused.map((line) => /^ServerAttachment op: (SG_[A-Z_]+): /.exec(line)?.[1] ?? line);
    // The store throws the policy's first refusal; the replay lists them all, in the policy's order.
    return { ok: false, code: codes[0]! };
  }
  const server = planned.model.servers.find((x) => x.id === serverOf(op));
  expect(server).toBeDefined();
  return { ok: true, ports: portGroups(server!.ports, names) };
}

/** Both verdicts on `op` applied to the state `s` holds now. */
async function verdicts(s: State, op: Resolved): Promise<{ store: Verdict; replay: Verdict; before: ExposureModel }> {
  const before = await loadExposureModel(s.backend, PROJECT, s.profile);
  const names = new Map(before.groups.map((g) => [g.id, g.name]));
  const replay = replayVerdict(before, s.profile, op, names);
  const store = await storeVerdict(s, op, names);
  return { store, replay, before };
}

/** The state and operation, for a failure's message. */
function describeCase(s: State, before: ExposureModel, op: Resolved): string {
  const names = new Map(before.groups.map((g) => [g.id, `${g.name}${g.stateful ? "" : "(stateless)"}`]));
  const servers = before.servers.map(
    (x) => `${x.name}[${x.ports.map((p) => `${p.networkName}: ${p.securityGroupIds.map((g) => names.get(g) ?? g).join(",") || "-"}`).join("; ")}]`,
  );
  const server = before.servers.find((x) => x.id === serverOf(op))?.name;
  const what =
    op.kind === "attach"
      ? `attach ${names.get(op.groupId)} to ${server} on ${op.network === null ? "every network" : s.networks.find((n) => n.id === op.network || n.name === op.network)?.name}`
      : `detach ${names.get(op.attachment.securityGroupId)} from ${server} (${op.attachment.networkId === null ? "every network" : s.networks.find((n) => n.id === op.attachment.networkId)?.name}, ${op.attachment.portIds.length} port(s))`;
  return `${s.profile.name}: ${servers.join(" ")}; ${what}`;
}

// ---------------------------------------------------------------------------------------------
// Generators

const indexArb = fc.nat({ max: 50 });
const caseArb: fc.Arbitrary<Case> = fc.record({
  profile: fc.constantFrom(...PROFILE_NAMES),
  // All stateful in half the cases (so ports fill up to rackspace's limit), mostly stateful in the
  // others (so mixes are refused sometimes and not always).
  groups: fc.oneof(
    fc.integer({ min: 1, max: 7 }).map((n) => Array.from({ length: n }, () => true)),
    fc.array(fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }), { minLength: 1, maxLength: 7 }),
  ),
  privateNetwork: fc.boolean(),
  servers: fc.array(
    fc.record({
      networks: fc.array(indexArb, { minLength: 1, maxLength: 3 }),
      launch: fc.oneof(
        { weight: 3, arbitrary: fc.constant<number[]>([]) },
        { weight: 1, arbitrary: fc.array(indexArb, { minLength: 1, maxLength: 2 }) },
      ),
    }),
    { minLength: 1, maxLength: 2 },
  ),
  fill: fc.boolean(),
  setup: fc.array(fc.record({ server: indexArb, group: indexArb, network: fc.option(indexArb, { freq: 3 }) }), { maxLength: 9 }),
  op: fc.oneof(
    fc.record({
      kind: fc.constant("attach" as const),
      server: indexArb,
      group: indexArb,
      fromEnd: fc.boolean(),
      network: fc.option(indexArb, { freq: 3 }),
      byId: fc.boolean(),
    }),
    fc.record({ kind: fc.constant("detach" as const), attachment: indexArb }),
    // The last custom groups onto the first server: past the limit of a port `fill` filled.
    fc.record({
      kind: fc.constant("attach" as const),
      server: fc.constant(0),
      group: fc.nat({ max: 1 }),
      fromEnd: fc.constant(true),
      network: fc.option(indexArb),
      byId: fc.boolean(),
    }),
  ),
});

// ---------------------------------------------------------------------------------------------

describe("the preview replay and the store agree on attachments and detaches", () => {
  it(`gives the same verdict on the same state for one random operation (${RUNS} runs, the four built-in profiles)`, async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const s = await buildState(c);
        try {
          const op = await resolveOp(s, c.op);
          const { store, replay, before } = await verdicts(s, op);
          expect(replay, describeCase(s, before, op)).toEqual(store);
          const key = `${op.kind} ${store.ok ? "ok" : store.code}`;
          seen.set(key, (seen.get(key) ?? 0) + 1);
        } finally {
          await closeState(s);
        }
      }),
      { numRuns: RUNS },
    );
    // The comparison says something only if both operations, and both outcomes, are common.
    const count = (re: RegExp) => [...seen].filter(([k]) => re.test(k)).reduce((n, [, v]) => n + v, 0);
    expect(count(/^attach ok$/), JSON.stringify([...seen])).toBeGreaterThan(5);
    expect(count(/^attach SG_/), JSON.stringify([...seen])).toBeGreaterThan(5);
    expect(count(/^detach /), JSON.stringify([...seen])).toBeGreaterThan(5);
    expect([...seen.keys()].filter((k) => / SG_/.test(k)).length, JSON.stringify([...seen])).toBeGreaterThanOrEqual(3);
  });
});

describe("the preview replay and the store agree: examples", () => {
  /** A fresh state of `profile`, handed to `body`, closed afterwards. */
  async function withState(profile: ProfileName, privateNetwork: boolean, body: (s: State) => Promise<void>): Promise<void> {
    const s = await openState(profile, privateNetwork);
    try {
      await body(s);
    } finally {
      await closeState(s);
    }
  }

  const attach = (serverId: string, groupId: string, network: string | null): Resolved => ({ kind: "attach", serverId, groupId, network });
  const detach = (attachment: AttachmentRecord): Resolved => ({ kind: "detach", attachment });
  const refusedWith = (code: string): Verdict => ({ ok: false, code });

  it("rackspace: the sixth group on a PublicNet port is SG_LIMIT_GROUPS_PER_PORT in both", async () => {
    await withState("rackspace", false, async (s) => {
      const policy = attachmentPolicy(s.profile);
      const vm = await addServer(s, "vm-1", ["PublicNet", "ServiceNet"]);
      const ids: string[] = [];
      for (let i = 1; i <= 6; i++) ids.push(await addGroup(s, `g${i}`, true));
      for (const g of ids.slice(0, 5)) await s.backend.createAttachment(PROJECT, vm.id, g, "PublicNet", policy);
      const { store, replay } = await verdicts(s, attach(vm.id, ids[5]!, "PublicNet"));
      expect(store).toEqual(refusedWith("SG_LIMIT_GROUPS_PER_PORT"));
      expect(replay).toEqual(store);
    });
  });

  it("a stateful and a stateless group on one port is SG_STATEFUL_MIX in both", async () => {
    await withState("openstack", false, async (s) => {
      const vm = await addServer(s, "vm-1", ["public"]);
      // The port holds the launch group `default`, stateful.
      const stateless = await addGroup(s, "sl", false);
      const { store, replay } = await verdicts(s, attach(vm.id, stateless, "public"));
      expect(store).toEqual(refusedWith("SG_STATEFUL_MIX"));
      expect(replay).toEqual(store);
    });
  });

  it("rackspace: a private network is SG_NETWORK_NOT_ATTACHABLE in both, by name and for network null on a server only there", async () => {
    await withState("rackspace", true, async (s) => {
      const g = await addGroup(s, "g1", true);
      const vm = await addServer(s, "vm-1", ["PublicNet", PRIVATE]);
      const hidden = await addServer(s, "hidden", [PRIVATE]);
      for (const op of [attach(vm.id, g, PRIVATE), attach(hidden.id, g, null)]) {
        const { store, replay } = await verdicts(s, op);
        expect(store).toEqual(refusedWith("SG_NETWORK_NOT_ATTACHABLE"));
        expect(replay).toEqual(store);
      }
    });
  });

  it("evroc: the first attachment drops default-allow-egress and the last detach restores it, in both", async () => {
    await withState("evroc", false, async (s) => {
      const policy = attachmentPolicy(s.profile);
      const vm = await addServer(s, "vm-1", ["public"]);
      const c1 = await addGroup(s, "c1", true);
      const c2 = await addGroup(s, "c2", true);
      const port = `public/${vm.ports[0]!.id}`;

      const first = await verdicts(s, attach(vm.id, c1, "public"));
      expect(first.before.servers[0]!.ports[0]!.securityGroupIds).toEqual([s.groups.find((g) => g.name === "default-allow-egress")!.id]);
      expect(first.store).toEqual({ ok: true, ports: { [port]: ["c1"] } });
      expect(first.replay).toEqual(first.store);

      const a2 = await s.backend.createAttachment(PROJECT, vm.id, c2, null, policy);
      const a1 = (await s.backend.listAttachments(PROJECT)).find((a) => a.securityGroupId === c1)!;
      const one = await verdicts(s, detach(a1));
      expect(one.store).toEqual({ ok: true, ports: { [port]: ["c2"] } });
      expect(one.replay).toEqual(one.store);

      const last = await verdicts(s, detach(a2));
      expect(last.store).toEqual({ ok: true, ports: { [port]: ["default-allow-egress"] } });
      expect(last.replay).toEqual(last.store);
    });
  });

  it("meshcloud: detaching the only attached group leaves the launch group, in both (SG_MIN_GROUPS is not reached)", async () => {
    await withState("meshcloud", false, async (s) => {
      const vm = await addServer(s, "vm-1", ["public"]);
      const x = await addGroup(s, "x", true);
      const a = await s.backend.createAttachment(PROJECT, vm.id, x, "public", attachmentPolicy(s.profile));
      const { store, replay } = await verdicts(s, detach(a));
      expect(store).toEqual({ ok: true, ports: { [`public/${vm.ports[0]!.id}`]: ["default"] } });
      expect(replay).toEqual(store);
    });
  });
});
