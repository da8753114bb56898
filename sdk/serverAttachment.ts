/** The ServerAttachment resource class. */
import * as pulumi from "@pulumi/pulumi";
import type { ServerAttachmentInputs } from "../provider/domain/schemaTypes";
import type { Inputs, PropsWith } from "./inputs";
import { importIdOf, managedBy, withoutImport } from "./managedBy";
import { Server } from "./server";
import { shimProvider } from "./shim";
import { pauseStackTraces, withCallerStack } from "./stacks";

/** Inputs of a ServerAttachment (see the README reference; both are generated from schema.json). */
export interface ServerAttachmentArgs extends Inputs<ServerAttachmentInputs> {}

/** One ServerAttachment of this program, as its siblings on the same server see it. */
interface PlannedAttachment {
  name: string;
  network: pulumi.Input<string> | null;
}

/** The ServerAttachments this program constructs, by the server they name (a Server resource of the program, or an id). */
const PLANNED = new Map<unknown, PlannedAttachment[]>();

/** What identifies the server `serverId` names in this program: its Server resource, or the id string; undefined when neither is known. */
function serverOf(serverId: pulumi.Input<string>): unknown {
  if (typeof serverId === "string") return serverId;
  if (pulumi.Output.isInstance(serverId)) {
    const resources = (serverId as unknown as { resources?: () => Set<unknown> }).resources?.() ?? new Set();
    const servers = [...resources].filter((r) => r instanceof Server);
    if (servers.length === 1) return servers[0];
  }
  return undefined;
}

/**
 * The input `plannedAttachments`: every ServerAttachment of the program that names the same server,
 * read once the program's synchronous construction is done. The provider uses it at preview, when
 * a Server the program creates has no id yet, to refuse the attachments beyond the profile's
 * per-port limit by name — the same ones whatever order the engine checks them in.
 */
function plannedAttachments(name: string, args: ServerAttachmentArgs): Promise<PlannedAttachment[]> | undefined {
  const server = serverOf(args.serverId);
  if (server === undefined) return undefined;
  const list = PLANNED.get(server) ?? [];
  PLANNED.set(server, list);
  list.push({ name, network: args.network ?? null });
  return new Promise((resolve) => setImmediate(() => resolve([...list])));
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
      super(
        shimProvider("ServerAttachment"),
        name,
        {
          managedBy: managedBy("ServerAttachment", name, opts),
          importId: importIdOf(opts),
          serverId: args.serverId,
          securityGroupId: args.securityGroupId,
          network: args.network,
          waitForActiveSeconds: args.waitForActiveSeconds,
          plannedAttachments: plannedAttachments(name, args),
          project: undefined,
          portIds: undefined,
        } satisfies PropsWith<ServerAttachmentInputs>,
        withoutImport(opts),
        "secgroups",
        "ServerAttachment",
      );
    } catch (err) {
      resume();
      throw withCallerStack(err, ServerAttachment);
    } finally {
      resume();
    }
  }
}
