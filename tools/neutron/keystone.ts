/**
 * Keystone 30 on SQLite for a Neutron with `auth_strategy = keystone`: its configuration, keys and
 * bootstrap admin (the password goes to keystone-manage through its environment, never on a
 * command line or into a log this harness writes), the `network` service with the Neutron's
 * endpoints and a `neutron` service user; and a project-scoped token for a user.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { freePort } from "../ports";
import { startGunicorn, waitUntilServing, writeLauncher } from "./gunicorn";
import { logReport } from "./logs";
import { runStep, type Live } from "./processes";

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
/** A started Keystone: what the caller gets, its gunicorn's group, and the `neutron` service user's password. */
export interface KeystoneStarted {
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
export async function startKeystone(o: {
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
