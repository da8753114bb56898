/**
 * The provider implementation, loaded by name (`require("pulumi-secgroups/provider")`) from the
 * thin shim that Pulumi serializes into each resource. Keep this module's exports stable: state
 * written by an older version of the package is served by whatever version is installed now.
 */
import * as net from "node:net";
import { configure as configureContext } from "./context";
import { engineProvider, type EngineProvider, type ResourceType } from "./lifecycle";
import { securityGroupProvider } from "./resources/securityGroup";
import { securityGroupRuleProvider } from "./resources/securityGroupRule";
import { networkProvider } from "./resources/network";
import { serverProvider } from "./resources/server";
import { serverAttachmentProvider } from "./resources/serverAttachment";
import { SETTING_KEYS, type RawConfig } from "./settings";

export { SecgroupsError } from "./errors";
export type { StateBackend } from "./backends/types";
export { openBackend, maskUrl } from "./backends";
export { closeContext, getContext } from "./context";
// Resource type names (as in the type token `pulumi-nodejs:dynamic/secgroups:<Type>`), the typed
// implementation of one type and the provider the engine calls.
export type { EngineProvider, ResourceImpl, ResourceType } from "./lifecycle";

/** The provider of each resource type: its implementation wrapped in the shared lifecycle (lifecycle.ts). */
const IMPLEMENTATIONS: Record<ResourceType, EngineProvider> = {
  SecurityGroup: engineProvider("SecurityGroup", securityGroupProvider),
  SecurityGroupRule: engineProvider("SecurityGroupRule", securityGroupRuleProvider),
  Network: engineProvider("Network", networkProvider),
  Server: engineProvider("Server", serverProvider),
  ServerAttachment: engineProvider("ServerAttachment", serverAttachmentProvider),
};

/** The implementation of `type`; throws for a type this version does not know. */
export function implementation(type: string): EngineProvider {
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
