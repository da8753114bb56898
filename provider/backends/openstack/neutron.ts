/**
 * A small client of OpenStack Neutron's API (v2.0, JSON): one request at a time, authenticated by
 * an `Auth` (no auth against a Neutron run with `noauth`, or a Keystone token), and every failure
 * turned into one of our errors: Neutron's own refusals into the codes the embedded backend uses
 * (a duplicate rule is SG_RULE_EXISTS, a group in use SG_IN_USE, a quota SG_QUOTA_EXCEEDED), and a
 * server that cannot be reached or refuses the credentials into SG_BACKEND_UNAVAILABLE naming the
 * URL. Never a library's raw message as the whole explanation, never a secret in a message.
 */
import { createHash } from "node:crypto";
import { SecgroupsError } from "../../errors";

/** How requests are authenticated, and where the network service is. */
export interface NeutronAuth {
  /** The network service's base URL (`http://host:9696`, no `/v2.0`). */
  endpoint(): Promise<string>;
  /** Headers that authenticate a request (`X-Auth-Token`), or none. */
  headers(): Promise<Record<string, string>>;
  /** Forgets a cached token after the service refused it, so the next request authenticates again. */
  invalidate(): void;
  /** The project a Keystone token is scoped to (everything is made there), or undefined without auth. */
  scopedProject(): Promise<string | undefined>;
  /** What the auth is, for messages: `no auth (endpoint …)`, `Keystone at …`. Never a secret. */
  readonly describe: string;
}

/** Neutron's error body: `{"NeutronError": {"type", "message", "detail"}}`. */
interface NeutronErrorBody {
  NeutronError?: { type?: string; message?: string };
}

/** A conditional update lost to a concurrent change (412): the caller re-reads and tries again. */
export class RevisionConflict extends Error {
  constructor(readonly detail: string) {
    super(`revision conflict: ${detail}`);
  }
}

/** A Neutron refusal the caller maps itself (status, Neutron's error type and message). */
export class NeutronRefusal extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly detail: string,
  ) {
    super(`${status} ${type}: ${detail}`);
  }
}

export interface RequestOptions {
  body?: unknown;
  /** `If-Match: revision_number=N` for a conditional update. */
  ifRevision?: number;
  /** Return undefined for a 404 instead of refusing. */
  missingOk?: boolean;
  /** Return undefined for a 403 too (a read the cloud's policy may keep from a project member). */
  forbiddenOk?: boolean;
}

/** One Neutron API. */
export class NeutronClient {
  constructor(private readonly auth: NeutronAuth) {}

  get describe(): string {
    return this.auth.describe;
  }

  /** Sends one request to `/v2.0{path}`; the parsed JSON body (undefined for 204 or a missing object with `missingOk`). */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T | undefined> {
    for (let attempt = 0; ; attempt++) {
      const base = await this.auth.endpoint();
      const url = `${base.replace(/\/+$/, "")}/v2.0${path}`;
      const headers: Record<string, string> = { Accept: "application/json", ...(await this.auth.headers()) };
      if (options.body !== undefined) headers["Content-Type"] = "application/json";
      if (options.ifRevision !== undefined) headers["If-Match"] = `revision_number=${options.ifRevision}`;
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers,
          ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
          signal: AbortSignal.timeout(60_000),
        });
      } catch (err) {
        throw unavailable(`cannot reach the Neutron API at ${base}: ${causeOf(err)}`, base);
      }
      const text = await response.text();
      if (response.status === 401 && attempt === 0) {
        // A token that expired or was revoked: authenticate again once.
        this.auth.invalidate();
        continue;
      }
      if (response.ok) return text ? (JSON.parse(text) as T) : undefined;
      if (response.status === 404 && options.missingOk) return undefined;
      if (response.status === 403 && options.forbiddenOk) return undefined;
      const parsed = parseError(text);
      if (response.status === 412) throw new RevisionConflict(parsed.message);
      if (response.status === 401 || response.status === 403) {
        throw unavailable(
          `the Neutron API at ${base} refused the credentials (${response.status} ${parsed.type || response.statusText}: ${parsed.message})`,
          base,
        );
      }
      if (response.status >= 500) {
        throw unavailable(`the Neutron API at ${base} failed (${response.status} ${parsed.type || response.statusText}: ${parsed.message})`, base);
      }
      throw new NeutronRefusal(response.status, parsed.type, parsed.message);
    }
  }
}

function parseError(text: string): { type: string; message: string } {
  try {
    const body = JSON.parse(text) as NeutronErrorBody;
    if (body.NeutronError) return { type: body.NeutronError.type ?? "", message: body.NeutronError.message ?? "" };
  } catch {
    // Not JSON: a proxy's or the server's plain text.
  }
  return { type: "", message: text.trim().slice(0, 500) };
}

function causeOf(err: unknown): string {
  const e = err as { cause?: { code?: string; message?: string }; message?: string; name?: string };
  if (e?.name === "TimeoutError") return "no answer within 60 s";
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

/** SG_BACKEND_UNAVAILABLE for the network service at `base`. */
export function unavailable(problem: string, base: string): SecgroupsError {
  return new SecgroupsError("SG_BACKEND_UNAVAILABLE", {
    property: "secgroups:backend",
    problem,
    value: base,
    fix: "check that the Neutron API is reachable from here and that the credentials (OS_* variables or clouds.yaml) are right",
  });
}

/** Runs a request, turning Neutron's refusals into ours (in-use and duplicate ones by the caller's words). */
export async function mapRefusals<T>(
  run: () => Promise<T>,
  words: { inUse?: () => SecgroupsError | Promise<SecgroupsError>; exists?: (message: string) => Promise<SecgroupsError> } = {},
): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof NeutronRefusal)) throw err;
    if (err.type === "SecurityGroupInUse" && words.inUse) throw await words.inUse();
    if (err.type === "SecurityGroupRuleExists" && words.exists) throw await words.exists(err.detail);
    if (err.type === "OverQuota") {
      throw new SecgroupsError("SG_QUOTA_EXCEEDED", {
        property: "",
        problem: `Neutron refused the request: its quota is used up (${err.detail})`,
        fix: "delete what you no longer need, or ask the cloud's operator for a larger quota",
      });
    }
    throw new SecgroupsError("SG_INVALID_INPUT", {
      property: "",
      problem: `Neutron refused the request (${err.status} ${err.type}: ${err.detail})`,
      fix: "correct the input Neutron names; the profile's checks at preview do not cover this",
    });
  }
}

/** The start of every tag the provider keeps on a group or network (hidden from their tags). */
export const TOKEN_TAG = "secgroups-client-token:";

/**
 * The tag that carries a group's or network's create's client token: a digest, since a token holds
 * the resource's URN, which can be longer than Neutron's 255 characters for a tag.
 */
export function tokenTag(token: string): string {
  return `${TOKEN_TAG}${createHash("sha256").update(token).digest("hex").slice(0, 32)}`;
}

/**
 * The tag a rule's create puts on the rule's group while it asks Neutron for the rule (Neutron's
 * rules take no tags), and takes off when the answer is in: a create retried after a crash in
 * between finds the same rule there, and this tag, and knows the rule is its own. Hidden from `tags`.
 */
export function ruleTokenTag(token: string): string {
  return `${TOKEN_TAG}rule:${createHash("sha256").update(token).digest("hex").slice(0, 32)}`;
}

/** Whether `tag` is a rule's client token (ruleTokenTag) rather than the group's own. */
export function isRuleTokenTag(tag: string): boolean {
  return tag.startsWith(`${TOKEN_TAG}rule:`);
}

/** Neutron's longest tag. */
const MAX_TAG_LENGTH = 255;

/**
 * The tag on a rule's group that says which resource manages the rule (Neutron's rules take no
 * tags): the rule's id, a digest of the resource's URN (a create retried after a crash that finds
 * the same rule with its own digest knows the rule is its own) and the stack's part of the URN
 * (`urn:pulumi:STACK::PROJECT::`, what a group's unmanagedRules compares). One per rule, set when
 * its create ends, taken off when it is deleted. Undefined when it would be longer than Neutron
 * takes (the rule then shows as unmanaged). Hidden from `tags`.
 */
export function managedTag(ruleId: string, managedBy: string): string | undefined {
  const parts = managedBy.split("::");
  if (parts.length < 3) return undefined;
  const urn = createHash("sha256").update(managedBy).digest("hex").slice(0, 16);
  const tag = `${managedTagPrefix(ruleId)}${urn}:${parts[0]}::${parts[1]}::`;
  return tag.length <= MAX_TAG_LENGTH ? tag : undefined;
}

/** The start of every managedTag of rule `ruleId`. */
export function managedTagPrefix(ruleId: string): string {
  return `${TOKEN_TAG}managed:${ruleId}:`;
}

/** Rule id → the stack that manages it, from a group's tags (managedTag). */
export function managedByOf(tags: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const start = `${TOKEN_TAG}managed:`;
  for (const t of tags) {
    if (!t.startsWith(start)) continue;
    // RULE_ID:URN_DIGEST:STACK
    const [ruleId, digest, ...stack] = t.slice(start.length).split(":");
    if (ruleId && digest && stack.length) out.set(ruleId, stack.join(":"));
  }
  return out;
}

/** Whether `tag` is the group's own client token (not a rule's token, not a rule's stack). */
export function isGroupTokenTag(tag: string): boolean {
  return tag.startsWith(TOKEN_TAG) && !isRuleTokenTag(tag) && !tag.startsWith(`${TOKEN_TAG}managed:`);
}

/** A query string of `params` (`?a=1&b=2`). */
export function query(params: Record<string, string>): string {
  return `?${new URLSearchParams(params).toString()}`;
}

/** Neutron's timestamps (`2026-12-04T21:00:00Z`) as the records keep them (milliseconds). */
export function timestamp(t: string): string {
  const ms = Date.parse(t.endsWith("Z") ? t : `${t}Z`);
  return Number.isNaN(ms) ? t : new Date(ms).toISOString();
}
