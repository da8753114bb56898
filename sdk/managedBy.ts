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
