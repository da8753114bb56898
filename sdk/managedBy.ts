/** The `managedBy` input every resource of this package passes: its own URN. */
import * as pulumi from "@pulumi/pulumi";

/**
 * The URN the engine will give resource `name` of type `type` (as in `pulumi stack export`). The
 * provider makes each create idempotent with it: a create the engine retries after a crash finds
 * the object the first attempt made instead of making a second (see README "Crash safety").
 */
export function managedBy(type: string, name: string, opts?: pulumi.CustomResourceOptions): pulumi.Output<string> {
  return pulumi.createUrn(name, `pulumi-nodejs:dynamic/secgroups:${type}`, opts?.parent);
}

/*
 * The `import` resource option, as this package implements it. The engine's own import reads the
 * object without the serialized provider a dynamic resource needs (pulumi/pulumi #16175), so the
 * SDK passes the id as the input `importId` and hands the engine the options without `import`;
 * the provider adopts the object: on the first preview and create it must exist and match the
 * program (see README "Adopting existing resources").
 */

/** The id the `import` option names, sent as the input `importId` (undefined without it). */
export function importIdOf(opts: pulumi.CustomResourceOptions | undefined): pulumi.Input<string> | undefined {
  return opts?.import;
}

/** The options without `import`, which the engine must not see for a dynamic resource. */
export function withoutImport(opts: pulumi.CustomResourceOptions | undefined): pulumi.CustomResourceOptions | undefined {
  if (!opts || opts.import === undefined) return opts;
  const { import: _adopted, ...rest } = opts;
  return rest;
}
