/**
 * The provider implementation, loaded by name (`require("pulumi-secgroups/provider")`) from the
 * thin shim that Pulumi serializes into each resource. Keep this module's exports stable: state
 * written by an older version of the package is served by whatever version is installed now.
 */
import { configure as configureContext } from "./context";
import { engineProvider, type EngineProvider, type ResourceType } from "./lifecycle";
import { securityGroupProvider } from "./resources/securityGroup";
import { securityGroupRuleProvider } from "./resources/securityGroupRule";
import { withInlineRules } from "./resources/inlineRules";
import { networkProvider } from "./resources/network";
import { serverProvider } from "./resources/server";
import { serverAttachmentProvider } from "./resources/serverAttachment";
import { SETTING_KEYS, type RawConfig } from "./settings";
import { watchEngine } from "./watchEngine";

export { SecgroupsError } from "./errors";
export type { StateBackend } from "./backends/types";
export { openBackend, maskUrl } from "./backends";
export { closeContext, getContext } from "./context";
// Resource type names (as in the type token `pulumi-nodejs:dynamic/secgroups:<Type>`), the typed
// implementation of one type and the provider the engine calls.
export type { EngineProvider, ResourceImpl, ResourceType } from "./lifecycle";

/** The provider of each resource type: its implementation wrapped in the shared lifecycle (lifecycle.ts). */
const RULES = engineProvider("SecurityGroupRule", securityGroupRuleProvider);
const IMPLEMENTATIONS: Record<ResourceType, EngineProvider> = {
  // A group's inline rules (its `rules` input) are made by the rule provider (resources/inlineRules.ts).
  SecurityGroup: withInlineRules(engineProvider("SecurityGroup", securityGroupProvider), RULES),
  SecurityGroupRule: RULES,
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

/**
 * Ends this dynamic-provider process once the engine that started it is gone (see watchEngine.ts).
 * The process is started as `node …/cmd/dynamic-provider/index.js ENGINE_ADDRESS`.
 */
function watchDynamicProviderEngine(): void {
  if (/dynamic-provider/.test(process.argv[1] ?? "")) watchEngine(process.argv[2] ?? "");
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
  watchDynamicProviderEngine();
  const impl = implementation(type);
  for (const m of SHIM_METHODS) {
    shim[m] = (...args: unknown[]) => (impl[m] as (...a: unknown[]) => unknown)(...args);
  }
}
