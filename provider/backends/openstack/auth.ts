/**
 * How the openstack backend authenticates: no auth against a Neutron run with `noauth` (the
 * project is then the provider's `secgroups:project`), or Keystone v3 with a password or an
 * application credential: a token scoped to a project, reused until shortly before it expires and
 * fetched again when the service refuses it, and the network endpoint from the token's service
 * catalog (unless an endpoint override is given). The password or secret is kept in this object
 * only: it is never part of a message, a log line or a stored property.
 */
import { SecgroupsError } from "../../errors";
import { unavailable, type NeutronAuth } from "./neutron";

/** Keystone v3 credentials. */
export interface KeystoneCredentials {
  /** `http://host:5000/v3` (a URL without `/v3` gets it). */
  authUrl: string;
  method: "password" | "v3applicationcredential";
  username?: string;
  userDomainName?: string;
  password?: string;
  projectName?: string;
  projectDomainName?: string;
  projectId?: string;
  applicationCredentialId?: string;
  applicationCredentialName?: string;
  applicationCredentialSecret?: string;
  regionName?: string;
  /** The `interface` of the catalog entry to use (default public). */
  interface?: string;
  /** A network endpoint to use instead of the catalog's (`network_endpoint_override`). */
  endpointOverride?: string;
}

/** No auth: the Neutron at `endpoint` runs with `auth_strategy = noauth`. */
export class NoAuth implements NeutronAuth {
  readonly describe: string;
  constructor(private readonly url: string) {
    this.describe = `no auth (endpoint ${url})`;
  }
  async endpoint(): Promise<string> {
    return this.url;
  }
  async headers(): Promise<Record<string, string>> {
    return {};
  }
  invalidate(): void {}
  async scopedProject(): Promise<undefined> {
    return undefined;
  }
}

interface Token {
  value: string;
  expiresAt: number;
  endpoint: string;
  projectId: string | undefined;
}

interface CatalogEntry {
  type?: string;
  endpoints?: Array<{ interface?: string; region?: string; region_id?: string; url?: string }>;
}

/** Keystone v3 auth with a token cache. */
export class KeystoneAuth implements NeutronAuth {
  readonly describe: string;
  private token: Promise<Token> | undefined;

  constructor(private readonly creds: KeystoneCredentials) {
    this.describe = `Keystone at ${this.authUrl()}`;
  }

  private authUrl(): string {
    const url = this.creds.authUrl.replace(/\/+$/, "");
    return /\/v3$/.test(url) ? url : `${url}/v3`;
  }

  async endpoint(): Promise<string> {
    return (await this.current()).endpoint;
  }

  async headers(): Promise<Record<string, string>> {
    return { "X-Auth-Token": (await this.current()).value };
  }

  /** The project the token is scoped to (Neutron's project_id of everything this backend makes). */
  async projectId(): Promise<string | undefined> {
    return (await this.current()).projectId;
  }

  scopedProject(): Promise<string | undefined> {
    return this.projectId();
  }

  invalidate(): void {
    this.token = undefined;
  }

  private current(): Promise<Token> {
    const cached = this.token;
    if (cached) {
      return cached.then((t) => (t.expiresAt - Date.now() > 60_000 ? t : ((this.token = undefined), this.current())));
    }
    const fresh = this.login().catch((err: unknown) => {
      this.token = undefined;
      throw err;
    });
    this.token = fresh;
    return fresh;
  }

  private body(): unknown {
    const c = this.creds;
    if (c.method === "v3applicationcredential") {
      const credential = c.applicationCredentialId
        ? { id: c.applicationCredentialId, secret: c.applicationCredentialSecret }
        : {
            name: c.applicationCredentialName,
            secret: c.applicationCredentialSecret,
            user: { name: c.username, domain: { name: c.userDomainName ?? "Default" } },
          };
      return { auth: { identity: { methods: ["application_credential"], application_credential: credential } } };
    }
    const project = c.projectId ? { id: c.projectId } : { name: c.projectName, domain: { name: c.projectDomainName ?? "Default" } };
    return {
      auth: {
        identity: {
          methods: ["password"],
          password: { user: { name: c.username, domain: { name: c.userDomainName ?? "Default" }, password: c.password } },
        },
        scope: { project },
      },
    };
  }

  private async login(): Promise<Token> {
    const authUrl = this.authUrl();
    let response: Response;
    try {
      response = await fetch(`${authUrl}/auth/tokens`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(this.body()),
        signal: AbortSignal.timeout(60_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string }; message?: string }).cause?.code ?? (err as Error).message;
      throw unavailable(`cannot reach Keystone at ${authUrl}: ${cause}`, authUrl);
    }
    const text = await response.text();
    if (response.status === 401) {
      throw new SecgroupsError("SG_BACKEND_UNAVAILABLE", {
        property: "secgroups:backend",
        problem: `Keystone at ${authUrl} refused the credentials (401): wrong user, password, project or application credential`,
        value: authUrl,
        fix: "check OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME and the domains (or the clouds.yaml entry); the password is never shown",
      });
    }
    if (!response.ok) throw unavailable(`Keystone at ${authUrl} answered ${response.status} ${response.statusText} to a login`, authUrl);
    const value = response.headers.get("x-subject-token");
    const body = JSON.parse(text) as { token?: { expires_at?: string; project?: { id?: string }; catalog?: CatalogEntry[] } };
    if (!value || !body.token) throw unavailable(`Keystone at ${authUrl} answered a login without a token`, authUrl);
    const endpoint = this.creds.endpointOverride ?? this.networkEndpoint(body.token.catalog ?? [], authUrl);
    return {
      value,
      expiresAt: body.token.expires_at ? Date.parse(body.token.expires_at) : Date.now() + 3_600_000,
      endpoint,
      projectId: body.token.project?.id,
    };
  }

  private networkEndpoint(catalog: CatalogEntry[], authUrl: string): string {
    const wanted = this.creds.interface ?? "public";
    const region = this.creds.regionName;
    const endpoints = catalog.filter((c) => c.type === "network").flatMap((c) => c.endpoints ?? []);
    const match = endpoints.find((e) => e.interface === wanted && (!region || e.region === region || e.region_id === region));
    if (!match?.url) {
      throw new SecgroupsError("SG_BACKEND_UNAVAILABLE", {
        property: "secgroups:backend",
        problem: `the service catalog of Keystone at ${authUrl} has no ${wanted} network endpoint${region ? ` in region ${region}` : ""}`,
        value: authUrl,
        fix: "set OS_REGION_NAME / OS_INTERFACE to one the catalog has, or network_endpoint_override in clouds.yaml",
      });
    }
    return match.url;
  }
}
