/**
 * The thin shim: the provider object Pulumi serializes into every resource's `__provider`.
 *
 * Each method only `require`s the installed implementation by package name and forwards the call,
 * so the serialized text stays a few hundred bytes per method, and a newer installed version of
 * pulumi-secgroups serves refresh and destroy of resources an older one created (pulumi/pulumi
 * #6238, #16826). Keep it free of imports and helpers: anything it captured would be serialized
 * by value into every resource.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";

/** The serializable provider for resource type `type` (e.g. "SecurityGroup"). */
export function shimProvider(type: string): dynamic.ResourceProvider {
  return {
    async configure(req: dynamic.ConfigureRequest) {
      require("pulumi-secgroups/provider").configure(req.config);
    },
    async check(olds: any, news: any) {
      return require("pulumi-secgroups/provider").implementation(type).check(olds, news);
    },
    async diff(id: string, olds: any, news: any) {
      return require("pulumi-secgroups/provider").implementation(type).diff(id, olds, news);
    },
    async create(inputs: any) {
      return require("pulumi-secgroups/provider").implementation(type).create(inputs);
    },
    async read(id: string, props: any) {
      return require("pulumi-secgroups/provider").implementation(type).read(id, props);
    },
    async update(id: string, olds: any, news: any) {
      return require("pulumi-secgroups/provider").implementation(type).update(id, olds, news);
    },
    async delete(id: string, props: any) {
      return require("pulumi-secgroups/provider").implementation(type).delete(id, props);
    },
  };
}
