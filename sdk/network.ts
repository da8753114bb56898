/** The Network resource class. */
import * as pulumi from "@pulumi/pulumi";
import type { NetworkInputs } from "../provider/domain/schemaTypes";
import type { Inputs, PropsWith } from "./inputs";
import { importIdOf, managedBy, withoutImport } from "./managedBy";
import { shimProvider } from "./shim";
import { pauseStackTraces, withCallerStack } from "./stacks";

/** Inputs of a Network (see the README reference; both are generated from schema.json). */
export interface NetworkArgs extends Inputs<NetworkInputs> {}

/** A private network. Type token `pulumi-nodejs:dynamic/secgroups:Network`. */
export class Network extends pulumi.dynamic.Resource {
  /** Name. */
  declare public readonly name: pulumi.Output<string>;
  /** Canonical subnet CIDRs. */
  declare public readonly subnets: pulumi.Output<string[]>;
  /** Owning project. */
  declare public readonly project: pulumi.Output<string>;
  /** Creation time, ISO 8601 UTC. */
  declare public readonly createdAt: pulumi.Output<string>;

  /** URN of this resource; makes its create idempotent (set by the SDK). */
  declare public readonly managedBy: pulumi.Output<string>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.CustomResourceOptions) {
    // Registers without the SDK's per-property promise stacks (see sdk/stacks.ts).
    const resume = pauseStackTraces();
    try {
      super(
        shimProvider("Network"),
        name,
        {
          name: args.name ?? name,
          subnets: args.subnets,
          project: args.project,
          createdAt: undefined,
          managedBy: managedBy("Network", name, opts),
          importId: importIdOf(opts),
        } satisfies PropsWith<NetworkInputs>,
        withoutImport(opts),
        "secgroups",
        "Network",
      );
    } catch (err) {
      resume();
      throw withCallerStack(err, Network);
    } finally {
      resume();
    }
  }
}
