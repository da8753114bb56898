/**
 * The provider implementation, loaded by name (`require("pulumi-secgroups/provider")`) from the
 * thin shim that Pulumi serializes into each resource. Keep this module's exports stable: state
 * written by an older version of the package is served by whatever version is installed now.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { configure as configureContext } from "./context";
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

/** Resource type names, as in the type token `pulumi-nodejs:dynamic/secgroups:<Type>`. */
export type ResourceType = "SecurityGroup" | "SecurityGroupRule" | "Network" | "Server" | "ServerAttachment";

/** A provider implementation of one resource type (all methods optional but create). */
export type ResourceImpl = {
  check?(olds: any, news: any): Promise<dynamic.CheckResult>;
  diff?(id: string, olds: any, news: any): Promise<dynamic.DiffResult>;
  create(inputs: any): Promise<dynamic.CreateResult>;
  read?(id: string, props: any): Promise<dynamic.ReadResult>;
  update?(id: string, olds: any, news: any): Promise<dynamic.UpdateResult>;
  delete?(id: string, props: any): Promise<void>;
};

const IMPLEMENTATIONS: Record<ResourceType, ResourceImpl> = {
  SecurityGroup: securityGroupProvider,
  SecurityGroupRule: securityGroupRuleProvider,
  Network: networkProvider,
  Server: serverProvider,
  ServerAttachment: serverAttachmentProvider,
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
