/** The Server resource class. */
import * as pulumi from "@pulumi/pulumi";
import type { ServerInputs } from "../provider/domain/schemaTypes";
import type { Inputs, PropsWith } from "./inputs";
import { importIdOf, managedBy, withoutImport } from "./managedBy";
import { shimProvider } from "./shim";
import { pauseStackTraces, withCallerStack } from "./stacks";

/** Inputs of a Server (see the README reference; both are generated from schema.json). */
export interface ServerArgs extends Inputs<ServerInputs> {}

/** A server's port on one network. */
export interface ServerPortInfo {
  /** Port id. */
  id: string;
  /** Network id. */
  networkId: string;
  /** Fixed IP. */
  fixedIp: string;
}

/** A server. Type token `pulumi-nodejs:dynamic/secgroups:Server`. */
export class Server extends pulumi.dynamic.Resource {
  /** Name. */
  declare public readonly name: pulumi.Output<string>;
  /** Owning project. */
  declare public readonly project: pulumi.Output<string>;
  /** BUILD, ACTIVE or ERROR, when last read. */
  declare public readonly status: pulumi.Output<"BUILD" | "ACTIVE" | "ERROR">;
  /** One port per network. */
  declare public readonly ports: pulumi.Output<ServerPortInfo[]>;
  /** Creation time, ISO 8601 UTC. */
  declare public readonly createdAt: pulumi.Output<string>;

  /** URN of this resource; makes its create idempotent (set by the SDK). */
  declare public readonly managedBy: pulumi.Output<string>;

  /**
   * A server that exists already, read by id and never changed or deleted by this program: on the
   * openstack backend, a server the cloud's compute service made (its ports say which); on the
   * embedded backends, one another stack made.
   */
  public static get(name: string, id: pulumi.Input<string>, opts?: pulumi.CustomResourceOptions): Server {
    return new Server(name, {} as ServerArgs, { ...opts, id });
  }

  constructor(name: string, args: ServerArgs, opts?: pulumi.CustomResourceOptions) {
    // Registers without the SDK's per-property promise stacks (see sdk/stacks.ts).
    const resume = pauseStackTraces();
    try {
      super(
        shimProvider("Server"),
        name,
        {
          managedBy: managedBy("Server", name, opts),
          importId: importIdOf(opts),
          name: args.name ?? name,
          networks: args.networks,
          securityGroupIds: args.securityGroupIds,
          bootSeconds: args.bootSeconds,
          waitForActive: args.waitForActive,
          project: args.project,
          status: undefined,
          ports: undefined,
          createdAt: undefined,
        } satisfies PropsWith<ServerInputs>,
        withoutImport(opts),
        "secgroups",
        "Server",
      );
    } catch (err) {
      resume();
      throw withCallerStack(err, Server);
    } finally {
      resume();
    }
  }
}
