/**
 * What every part of the backend contract shares: the factory interfaces, the fixed values
 * (project, profiles, rules, network ids, the migrated schema), the helpers that build requests and
 * read ports, and the per-test backend (`freshBackendPerTest`): a fresh backend before each test,
 * every connection the test opened closed and the backend disposed after it.
 */
import * as path from "node:path";
import { afterEach, beforeEach, expect } from "vitest";
import { MIGRATIONS } from "../../../provider/backends/store";
import type { DefaultRuleSpec, NewGroup, NewServer, PortRecord, RuleLimits, ServerRecord, StateBackend } from "../../../provider/backends/types";
import { projectSetup, type Profile } from "../../../provider/domain/profiles";
import { loadProfile } from "../../../provider/profileLoader";
import type { RuleInput } from "../../../provider/domain/rules";

/** One fresh backend, as a factory hands it to the contract. */
export interface BackendUnderTest {
  /** Opens one more connection to this backend (its own pool, or its own handle on the file). */
  open(): Promise<StateBackend>;
  /** The backend as `secgroups:backend` names it, for child processes (openBackend). */
  url: string;
  /** The password child processes get as PGPASSWORD, if the backend needs one. */
  password?: string;
  /**
   * What the database records about its schema: the versions of the applied migrations, one entry
   * per record (SQLite records a count in user_version; PostgreSQL a row per version), and its
   * tables, without the backend's own bookkeeping tables.
   */
  schema(): Promise<{ migrations: number[]; tables: string[] }>;
  /** Removes the backend; called after every connection the test opened is closed. */
  dispose(): Promise<void>;
}

/** Gives the contract its backends. */
export interface BackendFactory {
  /** A fresh, empty backend: nothing created or migrated yet. */
  fresh(): Promise<BackendUnderTest>;
  /** How often each race runs: 50 attachments in one process and across 4 processes, two processes migrating a fresh backend. */
  repetitions: number;
}

/** What a part of the contract gets: the running test's backend and connections to it. */
export interface Contract {
  /** The running test's backend (a new one for every test). */
  readonly target: BackendUnderTest;
  /** One more connection to the running test's backend, closed after the test. */
  open(): Promise<StateBackend>;
  /** A connection with project `p` set up for `profile`. */
  project(profile: Profile, p?: string): Promise<StateBackend>;
  /** 1..factory.repetitions: the races (50 attachments, two processes migrating a fresh backend) run this often. */
  readonly repetitions: number[];
}

/**
 * Registers, in the describe it is called in, the hooks that give each test a fresh backend from
 * `factory` and close and dispose of it afterwards; returns the handle the tests reach it through.
 */
export function freshBackendPerTest(factory: BackendFactory): Contract {
  let target: BackendUnderTest;
  let opened: StateBackend[];

  beforeEach(async () => {
    opened = [];
    target = await factory.fresh();
  });

  afterEach(async () => {
    for (const b of opened) await b.close();
    await target.dispose();
  });

  async function open(): Promise<StateBackend> {
    const b = await target.open();
    opened.push(b);
    return b;
  }

  async function project(profile: Profile, p = PROJECT): Promise<StateBackend> {
    const b = await open();
    await b.ensureProject(p, projectSetup(profile));
    return b;
  }

  return {
    get target() {
      return target;
    },
    open,
    project,
    repetitions: Array.from({ length: factory.repetitions }, (_, i) => i + 1),
  };
}

const REPO = path.resolve(__dirname, "../../..");
export const PROJECT = "proj";
export const PUBLICNET = "00000000-0000-0000-0000-000000000000";
export const SERVICENET = "11111111-1111-1111-1111-111111111111";
export const OPENSTACK = loadProfile("openstack", REPO);
export const MESHCLOUD = loadProfile("meshcloud", REPO);
export const RACKSPACE = loadProfile("rackspace", REPO);
export const EVROC = loadProfile("evroc", REPO);
export const EGRESS_ANY: DefaultRuleSpec[] = [
  { direction: "egress", ethertype: "IPv4" },
  { direction: "egress", ethertype: "IPv6" },
];
export const NO_LIMITS: RuleLimits = { profile: "openstack" };
export const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const SSH: RuleInput = { protocol: "tcp", portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "10.0.0.0/8", description: "ssh" };
/** SSH's rule on another TCP port: a different rule, not a duplicate. */
export const sshOn = (port: number): RuleInput => ({ ...SSH, portRangeMin: port, portRangeMax: port });
/** The store's tables after every migration. */
const TABLES = [
  "attachments",
  "networks",
  "port_groups",
  "ports",
  "project_rule_counts",
  "projects",
  "security_group_rules",
  "security_groups",
  "servers",
];
/** What the schema records once every migration has been applied exactly once. */
export const MIGRATED = { migrations: MIGRATIONS.map((_, i) => i + 1), tables: TABLES };

export function newGroup(name: string, overrides: Partial<NewGroup> = {}): NewGroup {
  return { project: PROJECT, name, description: "", stateful: true, tags: [], defaultRules: [], ...overrides };
}

export function newServer(name: string, networks: string[], overrides: Partial<NewServer> = {}): NewServer {
  return { project: PROJECT, name, networks, securityGroupIds: [], bootSeconds: 0, ...overrides };
}

/** The server's port on a network (by name), failing the test if there is none. */
export function portOn(server: ServerRecord | undefined, networkName: string): PortRecord {
  expect(server).toBeDefined();
  const port = server!.ports.find((p) => p.networkName === networkName);
  expect(port, `port on ${networkName}`).toBeDefined();
  return port!;
}

/** Groups on the server's port on `networkName`, as stored now. */
export async function groupsOn(b: StateBackend, serverId: string, networkName: string, project = PROJECT): Promise<string[]> {
  return portOn(await b.getServer(project, serverId), networkName).securityGroupIds;
}

/** Creates groups `${prefix}1`..`${prefix}N` and returns their ids. */
export async function groups(b: StateBackend, n: number, prefix = "g"): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 1; i <= n; i++) ids.push((await b.createGroup(newGroup(`${prefix}${i}`))).group.id);
  return ids;
}
