/**
 * A real OpenStack Neutron API (29.0.0, from PyPI) for the tests, optionally behind a real Keystone
 * (30.0.0): no mock, no skip. What it runs and why is recorded in docs/toolchain.md; the facts it
 * rests on (the WSGI entry points, the sys.argv quirk, the PostgreSQL migration workaround) were
 * found on these machines.
 *
 * `startNeutron()`:
 *  - makes sure the venv of scripts/neutron-venv.sh exists (it installs neutron, keystone, gunicorn
 *    and psycopg2 into the project cache when missing: about a minute, once);
 *  - writes a private directory: neutron.conf (ML2 with no mechanism driver, no broker, no agents,
 *    `auth_strategy = noauth` unless Keystone is asked for), a launcher module that sets `sys.argv`
 *    before importing `neutron.wsgi.api` (the module parses `sys.argv` as its command line, which
 *    under gunicorn would be gunicorn's), and the services' log files;
 *  - gives the Neutron its own database on a private PostgreSQL (the server passed in, or one it
 *    starts and stops itself): the migrations run once per server into a template database, with
 *    the workaround for Neutron's MySQL-only migration (`upgrade ad80a9f07c5c`, `stamp d553edeb540f`,
 *    `upgrade heads`), and each Neutron gets a copy of it (`CREATE DATABASE … TEMPLATE`);
 *  - runs gunicorn (one sync worker) on a free loopback port and waits for the first 200 on
 *    `GET /v2.0/networks`; a service or set-up step that exits or does not answer in time fails
 *    the start with the errors it logged and the tail of its log (logReport).
 *
 * With `keystone: true` it also runs Keystone on SQLite (db_sync, fernet and credential keys,
 * bootstrap of an admin user with a password; fast password hashing and an in-memory cache), adds
 * a `network` service with Neutron's endpoint and a `neutron` service user, and runs Neutron with
 * `auth_strategy = keystone`. The admin password goes to keystone-manage through its environment,
 * never on a command line or into a log this module writes.
 *
 * Everything runs in its own process group and is started through a tiny exec wrapper that sets
 * the parent-death signal (prctl PR_SET_PDEATHSIG), so a test process that dies, even by SIGKILL,
 * takes its services along; a normal exit kills every group still alive and removes the
 * directories (process 'exit'). `stop()` does the same for one Neutron, gracefully.
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Client } from "pg";
import { startPostgres, type PostgresServer } from "./postgres";

const ROOT = path.resolve(__dirname, "..");
const VENV_SCRIPT = path.join(ROOT, "scripts", "neutron-venv.sh");
/** How long a service may take from spawn to its first good answer (the test machine is shared). */
const DEFAULT_READY_TIMEOUT_MS = 180_000;
/** Lines of a log quoted in an error. */
const TAIL_LINES = 60;

export interface StartNeutronOptions {
  /**
   * A running private PostgreSQL (tools/postgres.ts, trust authentication) to put the Neutron's
   * database on; it is left running by stop(). Without it, a server is started and stopped with
   * the Neutron.
   */
  postgres?: PostgresServer;
  /** Run Keystone too and Neutron with `auth_strategy = keystone`. */
  keystone?: boolean;
  /** The Keystone admin's password (default: random). */
  adminPassword?: string;
  /** Milliseconds each service may take to answer (default 180 000). */
  readyTimeoutMs?: number;
  /** Text appended to neutron.conf: oslo.config lets a later value of an option win (quotas, policy, a broken plugin in a test). */
  extraNeutronConf?: string;
}

/** The Keystone a Neutron was started with, and its admin. */
export interface KeystoneServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `http://127.0.0.1:PORT/v3`, what clients call the auth URL. */
  authUrl: string;
  region: string;
  /** The bootstrap admin: role admin on project `projectName`, all in domain Default. */
  username: string;
  password: string;
  userDomainName: string;
  projectName: string;
  projectDomainName: string;
  projectId: string;
  /** gunicorn's and Keystone's output. */
  logFile: string;
  pid: number;
}

/** Seconds each part of a start took. */
export interface NeutronTimings {
  /** scripts/neutron-venv.sh (a second when the venv exists). */
  venv: number;
  /** Starting the private PostgreSQL (0 when one was passed in). */
  postgres: number;
  /** The Neutron's database: migrations into the template (first Neutron on a server) and the copy. */
  database: number;
  /** Keystone: configuration, keys, bootstrap, start, service and endpoint (0 without Keystone). */
  keystone: number;
  /** Spawning Neutron's gunicorn to the first 200 on GET /v2.0/networks. */
  neutron: number;
  /** The whole startNeutron(). */
  total: number;
}

export interface NeutronServer {
  /** `http://127.0.0.1:PORT` (the API is under /v2.0). */
  url: string;
  port: number;
  /** The gunicorn master's pid (leader of the service's process group). */
  pid: number;
  /** The private directory: configuration, logs, lock and state paths. Removed by stop(). */
  dir: string;
  configFile: string;
  /** gunicorn's and Neutron's output. */
  logFile: string;
  /** Migration and keystone-manage output. */
  setupLogFile: string;
  /** The PostgreSQL database this Neutron uses, and the server it is on. */
  database: string;
  postgres: PostgresServer;
  /** Set in Keystone mode. */
  keystone?: KeystoneServer;
  timings: NeutronTimings;
  /** Stops Neutron (and Keystone), drops its database or stops the PostgreSQL it started, removes the directory. */
  stop(): Promise<void>;
}

// ------------------------------------------------------------------------------------------------
// Processes: own process groups, parent-death signal, killed on exit

/**
 * Run as `python -c WATCHDOG PARENT_PID PROGRAM ARGS…`: asks the kernel to send SIGTERM when the
 * parent (this Node process) dies, gives up if it already has, then becomes PROGRAM. The setting
 * survives execve.
 */
const WATCHDOG = [
  "import ctypes, os, signal, sys",
  "ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)",
  "os.getppid() == int(sys.argv[1]) or os._exit(70)",
  "os.execv(sys.argv[2], sys.argv[2:])",
].join("\n");

interface Live {
  pid: number;
  child: ChildProcess;
  exited: Promise<number | null>;
}

/** Every process group started and not yet reaped, and every directory not yet removed. */
const liveGroups = new Set<Live>();
const liveDirs = new Set<string>();
const ownedPostgres = new Set<PostgresServer>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const live of liveGroups) killGroup(live.pid, "SIGKILL");
    for (const dir of liveDirs) fs.rmSync(dir, { recursive: true, force: true });
    for (const server of ownedPostgres) {
      try {
        server.stop();
      } catch {
        // Exiting anyway.
      }
    }
  });
}

/** The process groups (their leaders' pids) and directories this process has started and not yet cleaned up. */
export function harnessLeftovers(): { groups: number[]; dirs: string[] } {
  return { groups: [...liveGroups].map((l) => l.pid).sort(), dirs: [...liveDirs].sort() };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Spawns `program args` through the watchdog, in its own process group, output appended to `logFile`. */
function spawnService(python: string, program: string, args: string[], opts: { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string }): Live {
  installExitHook();
  fs.appendFileSync(opts.logFile, `\n$ ${[path.basename(program), ...args].join(" ")}\n`);
  const fd = fs.openSync(opts.logFile, "a");
  let child: ChildProcess;
  try {
    child = spawn(python, ["-c", WATCHDOG, String(process.pid), program, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      detached: true,
      stdio: ["ignore", fd, fd],
    });
  } finally {
    fs.closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`could not start ${program}`);
  const live: Live = {
    pid: child.pid,
    child,
    exited: new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? -1 : null)))),
  };
  liveGroups.add(live);
  void live.exited.then(() => liveGroups.delete(live));
  // Without a handler, a failed spawn would be an uncaught 'error'; the exit above reports it.
  child.once("error", () => undefined);
  return live;
}

/** Runs a set-up command to its end; fails with the log's tail when it exits with an error. */
async function runStep(
  python: string,
  program: string,
  args: string[],
  opts: { logFile: string; env?: NodeJS.ProcessEnv; label: string },
): Promise<void> {
  const live = spawnService(python, program, args, opts);
  const code = await live.exited;
  if (code !== 0) throw new Error(`${opts.label} failed (exit ${code}); ${logReport(opts.logFile)}`);
}

/** Stops a service's process group: SIGTERM, then SIGKILL after `graceMs`. */
async function stopGroup(live: Live, graceMs = 5000): Promise<void> {
  if (!liveGroups.has(live)) return;
  killGroup(live.pid, "SIGTERM");
  if ((await Promise.race([live.exited, sleep(graceMs, "late" as const, { ref: false })])) === "late") {
    killGroup(live.pid, "SIGKILL");
    await live.exited;
  }
  // The master is gone; a worker that outlived it in the group goes too.
  killGroup(live.pid, "SIGKILL");
}

/**
 * What an error quotes of a service's log: the first lines of the records it logged at ERROR or
 * CRITICAL (oslo.log's `… ERROR module [-] message`; a traceback's continuation lines repeat the
 * header without `[…]` and are left out), which name the cause a long traceback pushes out of the
 * tail, then the tail.
 */
export function logReport(file: string): string {
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  const errors = text
    .split("\n")
    .filter((line) => /\s(ERROR|CRITICAL) \S+ \[[^\]]*\] /.test(line))
    .slice(0, 10);
  const logged = errors.length ? `the errors it logged first:\n${errors.join("\n")}\n` : "";
  return `${logged}the last lines of ${file}:\n${tail(file)}`;
}

/** The last `lines` lines of a file ("(empty)" or "(missing)" otherwise). */
export function tail(file: string, lines = TAIL_LINES): string {
  if (!fs.existsSync(file)) return "(missing)";
  const text = fs.readFileSync(file, "utf8").trimEnd();
  return text ? text.split("\n").slice(-lines).join("\n") : "(empty)";
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function seconds(since: number): number {
  return Math.round((performance.now() - since) / 100) / 10;
}

/**
 * The python of the venv scripts/neutron-venv.sh makes, installing it when missing; the script's
 * progress messages (stderr) pass through, so a cold install's minute is not silent.
 */
export function neutronVenvPython(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [VENV_SCRIPT], { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.once("error", reject);
    child.once("close", (code) => {
      if (code === 0 && stdout.trim()) resolve(stdout.trim());
      else reject(new Error(`scripts/neutron-venv.sh failed (exit ${code}): see its messages above`));
    });
  });
}

// ------------------------------------------------------------------------------------------------
// gunicorn

/** A module gunicorn imports: it sets sys.argv to Neutron's or Keystone's command line, then loads the WSGI app. */
function writeLauncher(dir: string, name: string, prog: string, configFile: string, wsgiModule: string): void {
  fs.writeFileSync(
    path.join(dir, `${name}.py`),
    [
      `"""gunicorn's entry point for ${prog}: ${wsgiModule} parses sys.argv as its own command line when imported."""`,
      "import sys",
      "",
      `sys.argv = [${JSON.stringify(prog)}, "--config-file", ${JSON.stringify(configFile)}]`,
      "",
      `from ${wsgiModule} import application  # noqa: E402`,
      "",
    ].join("\n"),
  );
}

function startGunicorn(python: string, dir: string, module: string, port: number, logFile: string): Live {
  const gunicorn = path.join(path.dirname(python), "gunicorn");
  return spawnService(
    python,
    gunicorn,
    [
      "--workers=1",
      "--worker-class=sync",
      `--bind=127.0.0.1:${port}`,
      `--pythonpath=${dir}`,
      // gunicorn 27 otherwise opens a control socket under the home directory.
      "--no-control-socket",
      "--timeout=300",
      "--graceful-timeout=3",
      "--error-logfile=-",
      `${module}:application`,
    ],
    { logFile, cwd: dir },
  );
}

/**
 * Polls `url` until `ok(status)`; fails when the process exits first or after `timeoutMs`, with
 * the tail of its log.
 */
async function waitUntilServing(
  what: string,
  live: Live,
  url: string,
  logFile: string,
  timeoutMs: number,
  headers: () => Promise<Record<string, string>> = async () => ({}),
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void live.exited.then((code) => (exitCode = code === null ? -1 : code));
  let last = "no answer yet";
  for (;;) {
    if (exitCode !== undefined) throw new Error(`${what} exited (code ${exitCode}) before serving ${url}; ${logReport(logFile)}`);
    try {
      const res = await fetch(url, { headers: await headers(), signal: AbortSignal.timeout(10_000) });
      if (res.status === 200) {
        await res.arrayBuffer();
        return;
      }
      last = `HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`;
    } catch (e) {
      last = (e as Error).message;
    }
    if (performance.now() > deadline)
      throw new Error(`${what} did not answer 200 on ${url} within ${timeoutMs / 1000} s (last: ${last}); ${logReport(logFile)}`);
    await sleep(200);
  }
}

// ------------------------------------------------------------------------------------------------
// The database

/** Per PostgreSQL server: the migrated template database every Neutron on it is copied from. */
const templates = new WeakMap<PostgresServer, Promise<string>>();
let databaseCounter = 0;

function sqlalchemyUrl(server: PostgresServer, database: string): string {
  const user = decodeURIComponent(new URL(server.url).username) || "secgroups";
  return `postgresql+psycopg2://${encodeURIComponent(user)}@127.0.0.1:${server.port}/${database}`;
}

async function sql(server: PostgresServer, statement: string): Promise<void> {
  const client = new Client({ connectionString: server.url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * Creates `neutron_template` on the server and runs Neutron's migrations into it. `upgrade heads`
 * fails on PostgreSQL at d553edeb540f (an `ALTER TABLE … CONVERT TO CHARACTER SET utf8mb4` that
 * only MySQL understands, and only MySQL's error is caught), which rolls the whole upgrade back:
 * so upgrade to the migration before it, mark that one done, and upgrade the rest.
 */
async function migrateTemplate(python: string, server: PostgresServer, logFile: string): Promise<string> {
  const template = "neutron_template";
  await sql(server, `CREATE DATABASE ${template}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-neutron-migrate-"));
  liveDirs.add(dir);
  try {
    const conf = path.join(dir, "migrate.conf");
    fs.writeFileSync(conf, `[DEFAULT]\ncore_plugin = ml2\n\n[database]\nconnection = ${sqlalchemyUrl(server, template)}\n`);
    const manage = path.join(path.dirname(python), "neutron-db-manage");
    for (const step of [
      ["upgrade", "ad80a9f07c5c"],
      ["stamp", "d553edeb540f"],
      ["upgrade", "heads"],
    ])
      await runStep(python, manage, ["--config-file", conf, ...step], { logFile, label: `neutron-db-manage ${step.join(" ")}` });
  } catch (e) {
    await sql(server, `DROP DATABASE IF EXISTS ${template}`).catch(() => undefined);
    throw e;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  }
  return template;
}

/** A new database for one Neutron, copied from the server's migrated template (made on first use). */
async function createNeutronDatabase(python: string, server: PostgresServer, logFile: string): Promise<string> {
  let template = templates.get(server);
  if (!template) {
    template = migrateTemplate(python, server, logFile);
    templates.set(server, template);
    template.catch(() => templates.delete(server));
  }
  const name = `neutron_${process.pid}_${++databaseCounter}`;
  await sql(server, `CREATE DATABASE ${name} TEMPLATE ${await template}`);
  return name;
}

// ------------------------------------------------------------------------------------------------
// Configuration

function neutronConf(o: { venv: string; dir: string; connection: string; keystone?: { url: string; servicePassword: string } }): string {
  const lines = [
    "[DEFAULT]",
    "core_plugin = ml2",
    "service_plugins =",
    `auth_strategy = ${o.keystone ? "keystone" : "noauth"}`,
    "transport_url = fake:/",
    "api_workers = 1",
    "rpc_workers = 0",
    "rpc_state_report_workers = 0",
    "notify_nova_on_port_status_changes = false",
    "notify_nova_on_port_data_changes = false",
    `api_paste_config = ${path.join(o.venv, "etc", "neutron", "api-paste.ini")}`,
    `state_path = ${path.join(o.dir, "state")}`,
    "use_stderr = true",
    "",
    "[database]",
    `connection = ${o.connection}`,
    "",
    "[ml2]",
    "type_drivers = local,flat",
    "tenant_network_types = local",
    "mechanism_drivers =",
    "extension_drivers = port_security",
    "",
    "[securitygroup]",
    "firewall_driver = noop",
    "",
    "[oslo_concurrency]",
    `lock_path = ${path.join(o.dir, "lock")}`,
    "",
    "[oslo_messaging_notifications]",
    "driver = noop",
    "",
  ];
  if (o.keystone)
    lines.push(
      "[keystone_authtoken]",
      `www_authenticate_uri = ${o.keystone.url}`,
      `auth_url = ${o.keystone.url}`,
      "auth_type = password",
      "username = neutron",
      `password = ${o.keystone.servicePassword}`,
      "project_name = service",
      "user_domain_name = Default",
      "project_domain_name = Default",
      "",
    );
  return lines.join("\n");
}

function keystoneConf(dir: string): string {
  return [
    "[DEFAULT]",
    "use_stderr = true",
    "",
    "[database]",
    `connection = sqlite:///${path.join(dir, "keystone.db")}`,
    "",
    "[token]",
    "provider = fernet",
    "",
    "[fernet_tokens]",
    `key_repository = ${path.join(dir, "fernet-keys")}`,
    "",
    "[fernet_receipts]",
    `key_repository = ${path.join(dir, "fernet-receipts")}`,
    "",
    "[credential]",
    `key_repository = ${path.join(dir, "credential-keys")}`,
    "",
    // bcrypt's least cost: a login costs milliseconds instead of about 0.3 s.
    "[identity]",
    "password_hash_rounds = 4",
    "",
    // One worker, so a per-process cache is the cache: validations in milliseconds instead of 0.2–0.3 s.
    "[cache]",
    "enabled = true",
    "backend = dogpile.cache.memory",
    "",
  ].join("\n");
}

// ------------------------------------------------------------------------------------------------
// Keystone

interface KeystoneStarted {
  server: KeystoneServer;
  live: Live;
  servicePassword: string;
}

/** POSTs/PUTs/GETs Keystone's v3 API with a token; fails with the answer on an unexpected status. */
async function keystoneCall(base: string, token: string, method: string, route: string, body?: unknown): Promise<Record<string, any>> {
  const res = await fetch(`${base}/v3${route}`, {
    method,
    headers: { "X-Auth-Token": token, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`Keystone ${method} ${route}: HTTP ${res.status}: ${text.slice(0, 500)}`);
  return text ? (JSON.parse(text) as Record<string, any>) : {};
}

/** A project-scoped token for a user of domain Default (the X-Subject-Token of a 201), or the failing answer. */
export async function keystoneToken(
  authUrl: string,
  user: { username: string; password: string; projectName: string },
): Promise<{ status: number; token?: string; body: any }> {
  const res = await fetch(`${authUrl.replace(/\/+$/, "")}/auth/tokens`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      auth: {
        identity: { methods: ["password"], password: { user: { name: user.username, domain: { name: "Default" }, password: user.password } } },
        scope: { project: { name: user.projectName, domain: { name: "Default" } } },
      },
    }),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: kept as text.
  }
  return { status: res.status, token: res.headers.get("x-subject-token") ?? undefined, body };
}

/** Starts Keystone; its gunicorn goes into `started` as soon as it is spawned, so a failed start still stops it. */
async function startKeystone(o: {
  python: string;
  dir: string;
  neutronUrl: string;
  adminPassword: string;
  timeoutMs: number;
  setupLog: string;
  started: Live[];
}): Promise<KeystoneStarted> {
  const kdir = path.join(o.dir, "keystone");
  fs.mkdirSync(kdir);
  const conf = path.join(kdir, "keystone.conf");
  fs.writeFileSync(conf, keystoneConf(kdir));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const authUrl = `${url}/v3`;
  const manage = path.join(path.dirname(o.python), "keystone-manage");
  const user = os.userInfo().username;
  const group = await new Promise<string>((resolve, reject) =>
    execFile("id", ["-gn"], { encoding: "utf8" }, (err, out) => (err ? reject(err) : resolve(out.trim()))),
  );
  const step = (label: string, args: string[], env?: NodeJS.ProcessEnv) =>
    runStep(o.python, manage, ["--config-file", conf, ...args], { logFile: o.setupLog, label: `keystone-manage ${label}`, env });
  const owner = ["--keystone-user", user, "--keystone-group", group];
  // All three run to their end before a failure is reported (none writes into a removed directory).
  const setUp = await Promise.allSettled([
    step("db_sync", ["db_sync"]),
    step("fernet_setup", ["fernet_setup", ...owner]),
    step("credential_setup", ["credential_setup", ...owner]),
  ]);
  for (const r of setUp) if (r.status === "rejected") throw r.reason;
  const region = "RegionOne";
  await step("bootstrap", ["bootstrap"], {
    // In the environment, not on the command line: nothing this module writes shows the password.
    OS_BOOTSTRAP_PASSWORD: o.adminPassword,
    OS_BOOTSTRAP_USERNAME: "admin",
    OS_BOOTSTRAP_PROJECT_NAME: "admin",
    OS_BOOTSTRAP_ROLE_NAME: "admin",
    OS_BOOTSTRAP_SERVICE_NAME: "keystone",
    OS_BOOTSTRAP_REGION_ID: region,
    OS_BOOTSTRAP_ADMIN_URL: authUrl,
    OS_BOOTSTRAP_PUBLIC_URL: authUrl,
    OS_BOOTSTRAP_INTERNAL_URL: authUrl,
  });

  writeLauncher(kdir, "keystone_app", "keystone", conf, "keystone.wsgi.api");
  const logFile = path.join(o.dir, "keystone.log");
  const live = startGunicorn(o.python, kdir, "keystone_app", port, logFile);
  o.started.push(live);
  await waitUntilServing("Keystone", live, authUrl, logFile, o.timeoutMs);

  const admin = { username: "admin", password: o.adminPassword, projectName: "admin" };
  const auth = await keystoneToken(authUrl, admin);
  if (auth.status !== 201 || !auth.token)
    throw new Error(`Keystone refused the bootstrap admin: HTTP ${auth.status}: ${JSON.stringify(auth.body).slice(0, 500)}; ${logReport(logFile)}`);
  const token = auth.token;
  const projectId: string = auth.body.token.project.id;
  // The network service and Neutron's endpoints, as a deployment registers them.
  const service = await keystoneCall(url, token, "POST", "/services", { service: { type: "network", name: "neutron", enabled: true } });
  for (const iface of ["public", "internal", "admin"])
    await keystoneCall(url, token, "POST", "/endpoints", {
      endpoint: { service_id: service.service.id, interface: iface, url: o.neutronUrl, region_id: region, enabled: true },
    });
  // Neutron's own user, which validates tokens (Keystone's policy lets the service role do that).
  const servicePassword = randomBytes(18).toString("base64url");
  const project = await keystoneCall(url, token, "POST", "/projects", { project: { name: "service", domain_id: "default", enabled: true } });
  const neutronUser = await keystoneCall(url, token, "POST", "/users", {
    user: { name: "neutron", domain_id: "default", password: servicePassword, enabled: true },
  });
  const roles = await keystoneCall(url, token, "GET", "/roles?name=service");
  const roleId: string | undefined = roles.roles?.[0]?.id;
  if (!roleId) throw new Error("Keystone's bootstrap made no 'service' role");
  await keystoneCall(url, token, "PUT", `/projects/${project.project.id}/users/${neutronUser.user.id}/roles/${roleId}`);

  return {
    live,
    servicePassword,
    server: {
      url,
      authUrl,
      region,
      username: admin.username,
      password: admin.password,
      userDomainName: "Default",
      projectName: admin.projectName,
      projectDomainName: "Default",
      projectId,
      logFile,
      pid: live.pid,
    },
  };
}

// ------------------------------------------------------------------------------------------------
// Neutron

/** Starts a real Neutron (and Keystone with `keystone: true`); see the module's comment. */
export async function startNeutron(options: StartNeutronOptions = {}): Promise<NeutronServer> {
  const t0 = performance.now();
  const timeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const timings: NeutronTimings = { venv: 0, postgres: 0, database: 0, keystone: 0, neutron: 0, total: 0 };
  installExitHook();

  let t = performance.now();
  const python = await neutronVenvPython();
  const venv = path.dirname(path.dirname(python));
  timings.venv = seconds(t);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-neutron-"));
  liveDirs.add(dir);
  for (const sub of ["state", "lock"]) fs.mkdirSync(path.join(dir, sub));
  const logFile = path.join(dir, "neutron.log");
  const setupLogFile = path.join(dir, "setup.log");
  fs.writeFileSync(setupLogFile, "");

  const started: Live[] = [];
  let postgres = options.postgres;
  let ownPostgres: PostgresServer | undefined;
  let database: string | undefined;
  let keystone: KeystoneStarted | undefined;

  const cleanUp = async () => {
    for (const live of started.reverse()) await stopGroup(live);
    if (database && !ownPostgres && postgres) await sql(postgres, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    if (ownPostgres) {
      ownPostgres.stop();
      ownedPostgres.delete(ownPostgres);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  };

  try {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;

    const databaseReady = (async () => {
      if (!postgres) {
        const tp = performance.now();
        postgres = ownPostgres = await startPostgres("secgroups");
        ownedPostgres.add(ownPostgres);
        timings.postgres = seconds(tp);
      }
      const td = performance.now();
      database = await createNeutronDatabase(python, postgres, setupLogFile);
      timings.database = seconds(td);
    })();
    const keystoneReady = options.keystone
      ? (async () => {
          const tk = performance.now();
          keystone = await startKeystone({
            python,
            dir,
            neutronUrl: url,
            adminPassword: options.adminPassword ?? randomBytes(18).toString("base64url"),
            timeoutMs,
            setupLog: setupLogFile,
            started,
          });
          timings.keystone = seconds(tk);
        })()
      : Promise.resolve();
    // Both run to their end before a failure is reported, so nothing is left half-started.
    const results = await Promise.allSettled([databaseReady, keystoneReady]);
    for (const r of results) if (r.status === "rejected") throw r.reason;

    const configFile = path.join(dir, "neutron.conf");
    fs.writeFileSync(
      configFile,
      neutronConf({
        venv,
        dir,
        connection: sqlalchemyUrl(postgres!, database!),
        keystone: keystone && { url: keystone.server.url, servicePassword: keystone.servicePassword },
      }) + (options.extraNeutronConf ? `\n${options.extraNeutronConf}\n` : ""),
    );
    writeLauncher(dir, "neutron_app", "neutron-api", configFile, "neutron.wsgi.api");

    t = performance.now();
    const live = startGunicorn(python, dir, "neutron_app", port, logFile);
    started.push(live);
    const ks = keystone?.server;
    let token: string | undefined;
    const headers = async (): Promise<Record<string, string>> => {
      if (!ks) return {};
      if (!token) {
        const auth = await keystoneToken(ks.authUrl, ks);
        if (auth.status !== 201 || !auth.token) throw new Error(`no admin token: HTTP ${auth.status}`);
        token = auth.token;
      }
      return { "X-Auth-Token": token };
    };
    await waitUntilServing("Neutron", live, `${url}/v2.0/networks`, logFile, timeoutMs, headers);
    timings.neutron = seconds(t);
    timings.total = seconds(t0);

    let stopping: Promise<void> | undefined;
    return {
      url,
      port,
      pid: live.pid,
      dir,
      configFile,
      logFile,
      setupLogFile,
      database: database!,
      postgres: postgres!,
      keystone: ks,
      timings,
      stop: () => (stopping ??= cleanUp()),
    };
  } catch (e) {
    await cleanUp().catch(() => undefined);
    throw e;
  }
}
