/**
 * The provider implementation, loaded by name (`require("pulumi-secgroups/provider")`) from the
 * thin shim that Pulumi serializes into each resource. Keep this module's exports stable: state
 * written by an older version of the package is served by whatever version is installed now.
 */
import * as net from "node:net";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { configure as configureContext } from "./context";
import { securityGroupProvider } from "./resources/securityGroup";
import { securityGroupRuleProvider } from "./resources/securityGroupRule";
import { networkProvider } from "./resources/network";
import { serverProvider } from "./resources/server";
import { serverAttachmentProvider } from "./resources/serverAttachment";
import { SETTING_KEYS, type RawConfig } from "./settings";
import { clientToken } from "./resources/common";
import { getContext } from "./context";
import { UNKNOWN } from "./domain/unknown";
import { adoptionFailure, compareForAdoption, type ImportTarget } from "./resources/adoption";
import { SecgroupsError, checkFailure } from "./errors";
import { visibleText } from "./text";

export { SecgroupsError } from "./errors";
export type { StateBackend } from "./backends/types";
export { openBackend, maskUrl } from "./backends";
export { closeContext, getContext } from "./context";

/** Resource type names, as in the type token `pulumi-nodejs:dynamic/secgroups:<Type>`. */
export type ResourceType = "SecurityGroup" | "SecurityGroupRule" | "Network" | "Server" | "ServerAttachment";

/** A provider implementation of one resource type (all methods optional but create). */
export type ResourceImpl = {
  /** `urn`: the resource's URN (`managedBy`), when the SDK passed it. */
  check?(olds: any, news: any, urn?: string): Promise<dynamic.CheckResult>;
  diff?(id: string, olds: any, news: any): Promise<dynamic.DiffResult>;
  create(inputs: any, clientToken?: string, managedBy?: string): Promise<dynamic.CreateResult>;
  read?(id: string, props: any): Promise<dynamic.ReadResult>;
  update?(id: string, olds: any, news: any): Promise<dynamic.UpdateResult>;
  delete?(id: string, props: any): Promise<void>;
  /** Adoptable types: the object an import id names (see resources/adoption.ts). */
  resolveImport?(importId: string, inputs: Record<string, unknown>): Promise<ImportTarget | undefined>;
  /** Called once an adopted object is under management (e.g. to record its manager). */
  adopted?(target: ImportTarget, managedBy: string | undefined): Promise<void>;
};

/** Forgets the client token of a recorded object; best effort (a backend that is down keeps it). */
async function forgetClientToken(id: string, recorded: any): Promise<void> {
  try {
    const { backend, settings } = getContext();
    const project = typeof recorded?.project === "string" ? recorded.project : settings.project;
    await backend.forgetClientToken(project, id);
  } catch {
    // The token only matters for a create retried after a crash; failing to forget it is harmless here.
  }
}

/**
 * `check` of a resource the program imports (`importId`, from the SDK's `import` option): only
 * on its first check (no old inputs: the resource is not in the stack yet; a replacement of an
 * imported resource creates a new object), the object must exist and match the program.
 */
async function checkImport(type: ResourceType, impl: ResourceImpl, olds: any, importId: unknown, result: dynamic.CheckResult): Promise<dynamic.CheckResult> {
  const recorded = Object.keys(olds ?? {}).some((k) => k !== "__provider");
  if (recorded || result.failures?.length) return result;
  if (!impl.resolveImport || (importId !== UNKNOWN && typeof importId !== "string")) {
    const problem = impl.resolveImport
      ? new SecgroupsError("SG_INVALID_INPUT", { property: "import", problem: "the import option must be an id string", value: importId, fix: "pass the id of the object to adopt" })
      : new SecgroupsError("SG_INVALID_INPUT", {
        property: "import", problem: `${type} resources cannot be imported`, value: importId,
        allowed: "import on SecurityGroup, SecurityGroupRule and ServerAttachment", fix: "drop the import option",
      });
    return { ...result, failures: [adoptionFailure(problem)] };
  }
  if (importId === UNKNOWN) return { ...result, inputs: { ...result.inputs, importId } };
  const adoption = await compareForAdoption({ type, resolveImport: impl.resolveImport, read: impl.read }, importId as string, result.inputs as Record<string, unknown>);
  if (adoption instanceof SecgroupsError) return { ...result, failures: [adoptionFailure(adoption)] };
  if (adoption.problems.length) return { ...result, failures: adoption.problems.map(adoptionFailure) };
  return { ...result, inputs: { ...result.inputs, importId } };
}

/** `create` of an imported resource: compares again (the object may have changed) and takes it over. */
async function adopt(type: ResourceType, impl: ResourceImpl, importId: string, inputs: Record<string, unknown>, managedBy: string | undefined): Promise<dynamic.CreateResult> {
  const adoption = await compareForAdoption({ type, resolveImport: impl.resolveImport!, read: impl.read }, importId, inputs);
  // The preview listed every difference; the object may have changed since: the first one fails the create.
  if (adoption instanceof SecgroupsError) throw adoption;
  if (adoption.problems.length) throw adoption.problems[0]!;
  if (impl.adopted) await impl.adopted(adoption.target, managedBy);
  // Read again now that it is managed: outputs that depend on the manager (a group's unmanagedRules).
  const { target } = adoption;
  const read = await impl.read!(target.id, { ...target.props, project: target.project, ...(managedBy ? { managedBy } : {}) });
  return { id: read.id!, outs: read.props };
}

/** Longest `managedBy` accepted (a URN). */
const MANAGED_BY_MAX = 2048;

/** `check` with `managedBy` and `importId` taken out of the inputs and checked (see withManagedBy). */
async function checkManaged(type: ResourceType, impl: ResourceImpl, olds: any, news: any): Promise<dynamic.CheckResult> {
  const { managedBy, importId, ...rest } = (news ?? {}) as Record<string, unknown>;
  const urn = typeof managedBy === "string" && managedBy !== UNKNOWN ? managedBy : undefined;
  let result = impl.check ? await impl.check(olds, rest, urn) : { inputs: rest };
  if (importId !== undefined) result = await checkImport(type, impl, olds, importId, result);
  if (managedBy === undefined) return result;
  if (managedBy !== UNKNOWN && (typeof managedBy !== "string" || managedBy.length > MANAGED_BY_MAX)) {
    const failures = [...(result.failures ?? []), checkFailure("SG_INVALID_INPUT", {
      property: "managedBy",
      problem: `managedBy must be the resource's URN, a string of at most ${MANAGED_BY_MAX} characters`,
      value: managedBy,
      fix: "leave managedBy to the SDK",
    })];
    return { ...result, failures };
  }
  return { ...result, inputs: { ...result.inputs, managedBy } };
}

/**
 * The failures as the engine shows them: every control or invisible character of a reason (a name
 * or value from the program) shown escaped, so no input can write to the user's terminal.
 */
function shownSafely(result: dynamic.CheckResult): dynamic.CheckResult {
  if (!result.failures?.length) return result;
  return { ...result, failures: result.failures.map((f) => ({ property: f.property, reason: visibleText(f.reason) })) };
}

/**
 * Adds `managedBy` to a resource type: the URN the SDK passes with every resource. `check` keeps
 * it beside the checked inputs (it never causes a diff); `create` turns it and the inputs into the
 * client token that makes the create idempotent (see `clientToken`).
 */
function withManagedBy(type: ResourceType, impl: ResourceImpl): ResourceImpl {
  return {
    ...impl,
    async check(olds: any, news: any): Promise<dynamic.CheckResult> {
      return shownSafely(await checkManaged(type, impl, olds, news));
    },
    // Once the engine diffs or reads an object it has recorded it: its client token is forgotten,
    // so that a later replacement with the same URN and inputs makes a new object. (The engine
    // skips the provider's diff for `--replace` and tainted resources, and checks replacements
    // with empty olds; see README "Crash safety" for the case this leaves.)
    async diff(id: string, olds: any, news: any): Promise<dynamic.DiffResult> {
      const { managedBy: _ignored, importId: _adopted, ...rest } = (news ?? {}) as Record<string, unknown>;
      const result = await impl.diff!(id, olds, rest);
      await forgetClientToken(id, olds);
      return result;
    },
    async read(id: string, props: any): Promise<dynamic.ReadResult> {
      const result = await impl.read!(id, props);
      if (!result.id) return result;
      await forgetClientToken(id, props);
      const managedBy = (props ?? {}).managedBy;
      if (managedBy === undefined) return result;
      return {
        ...result,
        props: { ...result.props, managedBy },
        ...(result.inputs ? { inputs: { ...result.inputs, managedBy } } : {}),
      };
    },
    async create(inputs: any): Promise<dynamic.CreateResult> {
      const { managedBy, importId, ...rest } = (inputs ?? {}) as Record<string, unknown>;
      const urn = typeof managedBy === "string" ? managedBy : undefined;
      const created = typeof importId === "string"
        ? await adopt(type, impl, importId, rest, urn)
        : await impl.create(rest, clientToken(managedBy, rest), urn);
      return managedBy === undefined ? created : { ...created, outs: { ...created.outs, managedBy } };
    },
    async update(id: string, olds: any, news: any): Promise<dynamic.UpdateResult> {
      const { managedBy, importId: _adopted, ...rest } = (news ?? {}) as Record<string, unknown>;
      const updated = impl.update ? await impl.update(id, olds, rest) : { outs: { ...olds, ...rest } };
      return managedBy === undefined ? updated : { ...updated, outs: { ...updated.outs, managedBy } };
    },
  };
}

const IMPLEMENTATIONS: Record<ResourceType, ResourceImpl> = {
  SecurityGroup: withManagedBy("SecurityGroup", securityGroupProvider),
  SecurityGroupRule: withManagedBy("SecurityGroupRule", securityGroupRuleProvider),
  Network: withManagedBy("Network", networkProvider),
  Server: withManagedBy("Server", serverProvider),
  ServerAttachment: withManagedBy("ServerAttachment", serverAttachmentProvider),
};

/** The implementation of `type`; throws for a type this version does not know. */
export function implementation(type: string): ResourceImpl {
  const impl = IMPLEMENTATIONS[type as ResourceType];
  if (!impl) {
    throw new Error(`pulumi-secgroups: this installed version has no provider for resource type ${type}; upgrade the package`);
  }
  return impl;
}

/** Takes the engine's config (anything with `get("ns:key")`) and keeps the keys the provider reads. */
export function configure(config: { get(key: string): string | undefined }): void {
  const raw: RawConfig = {};
  for (const k of Object.values(SETTING_KEYS)) raw[k.config] = config.get(k.config);
  configureContext(raw);
}

let watching = false;

/**
 * Ends this dynamic-provider process once the engine that started it is gone (a `pulumi` CLI
 * killed mid-run would otherwise leave it running, holding the backend). The process is started as
 * `node …/cmd/dynamic-provider/index.js ENGINE_ADDRESS`; that address stops accepting connections
 * when the engine dies: three refused probes, a second apart, end the process. Whatever it was
 * doing is a transaction the backend rolls back whole (see README "Crash safety").
 */
function watchEngine(): void {
  if (watching) return;
  const address = /^([\w.-]+|\[[\da-f:]+\]):(\d+)$/i.exec(process.argv[2] ?? "");
  if (!address || !/dynamic-provider/.test(process.argv[1] ?? "")) return;
  watching = true;
  const host = address[1]!.replace(/^\[|\]$/g, "");
  const port = Number(address[2]);
  let failures = 0;
  const timer = setInterval(() => {
    const socket = net.connect({ host, port });
    socket.setTimeout(2_000);
    socket.once("connect", () => {
      failures = 0;
      socket.destroy();
    });
    const failed = () => {
      socket.destroy();
      if (++failures >= 3) process.exit(1);
    };
    socket.once("error", failed);
    socket.once("timeout", failed);
  }, 1_000);
  timer.unref();
}

/** The provider methods the shim gets (all of them, as the shims of earlier versions had). */
const SHIM_METHODS = ["check", "diff", "create", "read", "update", "delete"] as const;

/**
 * The one call the serialized shim makes (sdk/shim.ts): takes the engine's config, then puts the
 * provider methods of resource type `type` on `shim`, the provider object the engine deserialized,
 * each forwarding to the installed implementation. (Shims of earlier versions call `configure` and
 * `implementation` instead; both stay exported for them.)
 */
export function install(shim: Record<string, unknown>, type: string, config: { get(key: string): string | undefined }): void {
  configure(config);
  watchEngine();
  const impl = implementation(type);
  for (const m of SHIM_METHODS) {
    shim[m] = (...args: unknown[]) => (impl[m] as (...a: unknown[]) => unknown)(...args);
  }
}
