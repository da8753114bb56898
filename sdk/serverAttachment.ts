/** The ServerAttachment resource class. */
import * as pulumi from "@pulumi/pulumi";
import { importIdOf, managedBy, withoutImport } from "./managedBy";
import { shimProvider } from "./shim";
import { pauseStackTraces, withCallerStack } from "./stacks";

/** Inputs of a ServerAttachment. */
export interface ServerAttachmentArgs {
  /** Server id. */
  serverId: pulumi.Input<string>;
  /** Group id, or the name of a group of the server's project (e.g. a default group); a change swaps the group on the port in place. */
  securityGroupId: pulumi.Input<string>;
  /** Network name or id; absent: every attachable network of the server. */
  network?: pulumi.Input<string>;
  /** How long create waits while the server is BUILD (default 300). */
  waitForActiveSeconds?: pulumi.Input<number>;
}

/** A group attached to a server's port(s). Type token `pulumi-nodejs:dynamic/secgroups:ServerAttachment`. */
export class ServerAttachment extends pulumi.dynamic.Resource {
  /** Server id. */
  declare public readonly serverId: pulumi.Output<string>;
  /** Group id. */
  declare public readonly securityGroupId: pulumi.Output<string>;
  /** Project of the server. */
  declare public readonly project: pulumi.Output<string>;
  /** Ports the group was attached to. */
  declare public readonly portIds: pulumi.Output<string[]>;

  /** URN of this resource; makes its create idempotent (set by the SDK). */
  declare public readonly managedBy: pulumi.Output<string>;

  constructor(name: string, args: ServerAttachmentArgs, opts?: pulumi.CustomResourceOptions) {
    // Registers without the SDK's per-property promise stacks (see sdk/stacks.ts).
    const resume = pauseStackTraces();
    try {
      super(shimProvider("ServerAttachment"), name, {
        managedBy: managedBy("ServerAttachment", name, opts),
          importId: importIdOf(opts),
        serverId: args.serverId,
        securityGroupId: args.securityGroupId,
        network: args.network,
        waitForActiveSeconds: args.waitForActiveSeconds,
        project: undefined,
        portIds: undefined,
      }, withoutImport(opts), "secgroups", "ServerAttachment");
    } catch (err) {
      resume();
      throw withCallerStack(err, ServerAttachment);
    } finally {
      resume();
    }
  }
}
