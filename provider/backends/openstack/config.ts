/**
 * Where the openstack backend's credentials come from, as the OpenStack tools read them:
 *   - `secgroups:backend` = `openstack://CLOUD`: the entry CLOUD of clouds.yaml;
 *   - `secgroups:backend` = `openstack`: the entry `OS_CLOUD` names, or else the `OS_*` variables
 *     (`OS_AUTH_TYPE`, `OS_AUTH_URL`, `OS_USERNAME`, `OS_PASSWORD`, `OS_PROJECT_NAME`/`OS_PROJECT_ID`,
 *     `OS_USER_DOMAIN_NAME`, `OS_PROJECT_DOMAIN_NAME`, `OS_REGION_NAME`, `OS_INTERFACE`,
 *     `OS_APPLICATION_CREDENTIAL_ID`/`_NAME`/`_SECRET`, `OS_ENDPOINT` for `none`).
 * clouds.yaml is looked for where openstacksdk looks: `OS_CLIENT_CONFIG_FILE`, `./clouds.yaml`
 * (the program's directory), `~/.config/openstack/clouds.yaml`, `/etc/openstack/clouds.yaml`.
 * `auth_type` `password` (the default) and `v3applicationcredential` log in to Keystone v3;
 * `none` with `auth.endpoint` talks to a Neutron run with `noauth`. A password or secret given as
 * the Pulumi secret `secgroups:backendPassword` wins over the file's and the variables'.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { SecgroupsError } from "../../errors";
import { KeystoneAuth, NoAuth, type KeystoneCredentials } from "./auth";
import type { NeutronAuth } from "./neutron";

type Env = Record<string, string | undefined>;

/** One entry of clouds.yaml (the fields this backend reads). */
interface CloudEntry {
  auth_type?: string;
  auth?: Record<string, string | undefined>;
  region_name?: string;
  interface?: string;
  network_endpoint_override?: string;
}

const ALLOWED = "openstack (OS_CLOUD or OS_* variables) or openstack://CLOUD (an entry of clouds.yaml)";

function invalid(problem: string, value: string, fix: string): SecgroupsError {
  return new SecgroupsError("SG_BACKEND_INVALID", { property: "secgroups:backend", problem, value, allowed: ALLOWED, fix });
}

/** The clouds.yaml files to read, first match first. */
function cloudsFiles(baseDir: string, env: Env): string[] {
  const home = env.HOME ?? os.homedir();
  return [
    ...(env.OS_CLIENT_CONFIG_FILE ? [path.resolve(baseDir, env.OS_CLIENT_CONFIG_FILE)] : []),
    path.join(baseDir, "clouds.yaml"),
    path.join(env.XDG_CONFIG_HOME ?? path.join(home, ".config"), "openstack", "clouds.yaml"),
    "/etc/openstack/clouds.yaml",
  ];
}

/** The entry `cloud` of the first clouds.yaml that has it. */
function cloudEntry(cloud: string, spec: string, baseDir: string, env: Env): CloudEntry {
  const seen: string[] = [];
  for (const file of cloudsFiles(baseDir, env)) {
    if (!fs.existsSync(file)) continue;
    let data: { clouds?: Record<string, CloudEntry> };
    try {
      data = (parseYaml(fs.readFileSync(file, "utf8")) ?? {}) as typeof data;
    } catch (err) {
      throw invalid(`cannot read ${file}: ${(err as Error).message.split("\n")[0]}`, spec, "correct the YAML of that file");
    }
    const entry = data.clouds?.[cloud];
    if (entry) return entry;
    seen.push(`${file} (${Object.keys(data.clouds ?? {}).join(", ") || "no clouds"})`);
  }
  throw invalid(
    `no clouds.yaml entry named ${cloud}${seen.length ? `; found ${seen.join("; ")}` : "; no clouds.yaml found"}`,
    spec,
    `add a cloud named ${cloud} to clouds.yaml (in the program's directory, ~/.config/openstack or /etc/openstack), or set OS_CLIENT_CONFIG_FILE`,
  );
}

/** The auth a clouds.yaml entry or the `OS_*` variables describe. */
function authOf(entry: CloudEntry, spec: string, secret: string | undefined): NeutronAuth {
  const a = entry.auth ?? {};
  const type = entry.auth_type ?? "password";
  if (type === "none" || type === "noauth") {
    if (!a.endpoint)
      throw invalid("auth_type none needs auth.endpoint (the Neutron URL)", spec, "set auth.endpoint (or OS_ENDPOINT) to the Neutron API's URL");
    return new NoAuth(a.endpoint);
  }
  if (type !== "password" && type !== "v3password" && type !== "v3applicationcredential") {
    throw invalid(`auth_type ${type} is not supported`, spec, "use password, v3applicationcredential or none");
  }
  if (!a.auth_url) throw invalid(`auth_type ${type} needs auth.auth_url (Keystone)`, spec, "set auth.auth_url (or OS_AUTH_URL)");
  const creds: KeystoneCredentials = {
    authUrl: a.auth_url,
    method: type === "v3applicationcredential" ? "v3applicationcredential" : "password",
    ...(a.username !== undefined ? { username: a.username } : {}),
    ...(a.user_domain_name !== undefined ? { userDomainName: a.user_domain_name } : {}),
    ...(a.project_name !== undefined ? { projectName: a.project_name } : {}),
    ...(a.project_id !== undefined ? { projectId: a.project_id } : {}),
    ...(a.project_domain_name !== undefined ? { projectDomainName: a.project_domain_name } : {}),
    ...(a.application_credential_id !== undefined ? { applicationCredentialId: a.application_credential_id } : {}),
    ...(a.application_credential_name !== undefined ? { applicationCredentialName: a.application_credential_name } : {}),
    ...(entry.region_name !== undefined ? { regionName: entry.region_name } : {}),
    ...(entry.interface !== undefined ? { interface: entry.interface } : {}),
    ...(entry.network_endpoint_override !== undefined ? { endpointOverride: entry.network_endpoint_override } : {}),
  };
  if (creds.method === "password") {
    const password = secret ?? a.password;
    if (!password)
      throw invalid(
        "no password: neither the secret secgroups:backendPassword, auth.password nor OS_PASSWORD",
        spec,
        "set the secret secgroups:backendPassword (pulumi config set --secret) or OS_PASSWORD",
      );
    creds.password = password;
  } else {
    const appSecret = secret ?? a.application_credential_secret;
    if (!appSecret)
      throw invalid("no application credential secret", spec, "set the secret secgroups:backendPassword or OS_APPLICATION_CREDENTIAL_SECRET");
    creds.applicationCredentialSecret = appSecret;
  }
  return new KeystoneAuth(creds);
}

/** The clouds.yaml-shaped entry the `OS_*` variables describe. */
function envEntry(env: Env): CloudEntry {
  const auth: Record<string, string | undefined> = {
    auth_url: env.OS_AUTH_URL,
    username: env.OS_USERNAME,
    password: env.OS_PASSWORD,
    project_name: env.OS_PROJECT_NAME ?? env.OS_TENANT_NAME,
    project_id: env.OS_PROJECT_ID ?? env.OS_TENANT_ID,
    user_domain_name: env.OS_USER_DOMAIN_NAME,
    project_domain_name: env.OS_PROJECT_DOMAIN_NAME,
    application_credential_id: env.OS_APPLICATION_CREDENTIAL_ID,
    application_credential_name: env.OS_APPLICATION_CREDENTIAL_NAME,
    application_credential_secret: env.OS_APPLICATION_CREDENTIAL_SECRET,
    endpoint: env.OS_ENDPOINT,
  };
  return {
    ...(env.OS_AUTH_TYPE ? { auth_type: env.OS_AUTH_TYPE } : {}),
    auth: Object.fromEntries(Object.entries(auth).filter(([, v]) => v !== undefined)),
    ...(env.OS_REGION_NAME ? { region_name: env.OS_REGION_NAME } : {}),
    ...(env.OS_INTERFACE ? { interface: env.OS_INTERFACE } : {}),
  };
}

/** Whether `spec` (a `secgroups:backend` value) names the openstack backend. */
export function isOpenstackBackend(spec: string): boolean {
  return spec === "openstack" || spec.startsWith("openstack://");
}

/**
 * The auth `spec` (`openstack` or `openstack://CLOUD`) names; undefined when `spec` is not an
 * openstack backend. `baseDir` is the program's directory; `secret` the secret backend password.
 */
export function openstackAuth(spec: string, baseDir: string, env: Env = process.env, secret?: string): NeutronAuth | undefined {
  if (spec === "openstack") {
    if (env.OS_CLOUD) return authOf(cloudEntry(env.OS_CLOUD, spec, baseDir, env), spec, secret);
    if (!env.OS_AUTH_URL && !env.OS_ENDPOINT) {
      throw invalid(
        "neither OS_CLOUD nor OS_AUTH_URL (or OS_ENDPOINT with OS_AUTH_TYPE=none) is set",
        spec,
        "set OS_CLOUD to an entry of clouds.yaml, or the OS_* variables of your cloud's openrc file",
      );
    }
    return authOf(envEntry(env), spec, secret);
  }
  if (spec.startsWith("openstack://")) {
    const cloud = decodeURIComponent(spec.slice("openstack://".length).replace(/\/+$/, ""));
    if (!cloud) throw invalid("openstack:// names no cloud", spec, "write openstack://CLOUD with the name of a clouds.yaml entry");
    return authOf(cloudEntry(cloud, spec, baseDir, env), spec, secret);
  }
  return undefined;
}
