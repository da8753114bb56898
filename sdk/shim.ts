/**
 * The thin shim: the provider object Pulumi serializes into every resource's `__provider`.
 *
 * It has one method, `configure`, which the dynamic provider host calls once, right after it
 * deserialized the shim and before any other method: it `require`s the installed implementation by
 * package name and lets it install check/diff/create/read/update/delete on the shim itself
 * (`install` in provider/index.ts). So the serialized text is about 600 bytes (each serialized
 * method costs about 300 bytes of wrapper, and the engine stores the text twice per resource and
 * rewrites the whole state after every step), and a newer installed version of pulumi-secgroups
 * serves refresh and destroy of resources an older one created (pulumi/pulumi #6238, #16826). Keep
 * it free of imports and helpers: anything it captured would be serialized by value into every
 * resource.
 *
 * One shim per type, shared by every resource of that type: the SDK serializes a provider object
 * once and caches the text by object, so a shared shim costs one closure serialization per type
 * instead of one per resource (see bench/README.md, engine overhead).
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";

/** The shim of each resource type, made on first use. */
const shims = new Map<string, dynamic.ResourceProvider>();

/** The serializable provider for resource type `type` (e.g. "SecurityGroup"); the same object for every call. */
export function shimProvider(type: string): dynamic.ResourceProvider {
  let shim = shims.get(type);
  if (!shim) {
    shim = makeShim(type);
    shims.set(type, shim);
  }
  return shim;
}

/** A new shim for `type`: `configure` only; it installs the other methods (see the header). */
function makeShim(type: string): dynamic.ResourceProvider {
  const shim = {
    // Installs the methods synchronously (no await): the host caches the shim before it awaits
    // configure, so an RPC that finds the shim in that cache meanwhile already sees them.
    async configure(this: object, req: dynamic.ConfigureRequest) {
      require("pulumi-secgroups/provider").install(this, type, req.config);
    },
  };
  // The host calls configure before anything else, so the missing methods are never looked up.
  return shim as unknown as dynamic.ResourceProvider;
}
