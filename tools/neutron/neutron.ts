/**
 * Starting a Neutron: its configuration and launcher, its database and (optionally) Keystone set
 * up side by side, gunicorn to the first 200 on `GET /v2.0/networks`, and stop(). The module
 * comment of tools/neutron.ts tells the whole story.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startPostgres, type PostgresServer } from "../postgres";
import { createNeutronDatabase, sql, sqlalchemyUrl } from "./database";
import { freePort } from "../ports";
import { startGunicorn, waitUntilServing, writeLauncher } from "./gunicorn";
import { keystoneToken, startKeystone, type KeystoneServer, type KeystoneStarted } from "./keystone";
import { installExitHook, liveDirs, ownedPostgres, stopGroup, type Live } from "./processes";
import { neutronVenvPython } from "./venv";

/** How long a service may take from spawn to its first good answer (the test machine is shared). */
const DEFAULT_READY_TIMEOUT_MS = 180_000;

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
  /** Write gunicorn's access log (one line per request: `"METHOD PATH HTTP/1.1" STATUS …`) to `accessLogFile`. */
  accessLog?: boolean;
  /** Text appended to neutron.conf: oslo.config lets a later value of an option win (quotas, policy, a broken plugin in a test). */
  extraNeutronConf?: string;
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
  /** With `accessLog`: one line per request Neutron served. */
  accessLogFile?: string;
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

/** neutron.conf: ML2 with no mechanism driver, no broker, no agents; noauth, or keystone with its service user. */
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

/** Seconds since `since` (a performance.now()), to a tenth. */
function seconds(since: number): number {
  return Math.round((performance.now() - since) / 100) / 10;
}

/** Starts a real Neutron (and Keystone with `keystone: true`); see the module comment of tools/neutron.ts. */
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
    const accessLogFile = options.accessLog ? path.join(dir, "access.log") : undefined;
    const live = startGunicorn(python, dir, "neutron_app", port, logFile, accessLogFile);
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
      ...(accessLogFile ? { accessLogFile } : {}),
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
