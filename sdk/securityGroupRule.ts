/** The SecurityGroupRule resource class users instantiate. */
import * as pulumi from "@pulumi/pulumi";
import type { SecurityGroupRuleInputs } from "../provider/domain/schemaTypes";
import type { Inputs, PropsWith } from "./inputs";
import { importIdOf, managedBy, withoutImport } from "./managedBy";
import { shimProvider } from "./shim";
import { pauseStackTraces, withCallerStack } from "./stacks";

/** Inputs of a SecurityGroupRule (see the README reference; both are generated from schema.json). */
export interface SecurityGroupRuleArgs extends Inputs<SecurityGroupRuleInputs> {}

/** A rule of a security group. Type token `pulumi-nodejs:dynamic/secgroups:SecurityGroupRule`. */
export class SecurityGroupRule extends pulumi.dynamic.Resource {
  /** Group the rule belongs to. */
  declare public readonly securityGroupId: pulumi.Output<string>;
  /** Direction. */
  declare public readonly direction: pulumi.Output<"ingress" | "egress">;
  /** IP family. */
  declare public readonly ethertype: pulumi.Output<"IPv4" | "IPv6">;
  /** Canonical protocol: a lower-case name, a number as a string where no name is known, or `any`. */
  declare public readonly protocol: pulumi.Output<string>;
  /** First port or ICMP type; undefined for all ports. */
  declare public readonly portRangeMin: pulumi.Output<number | undefined>;
  /** Last port or ICMP code; undefined for all ports. */
  declare public readonly portRangeMax: pulumi.Output<number | undefined>;
  /** Canonical remote CIDR, if any. */
  declare public readonly remoteIpPrefix: pulumi.Output<string | undefined>;
  /** Remote group id, if any. */
  declare public readonly remoteGroupId: pulumi.Output<string | undefined>;
  /** Remote subnet id, if any. */
  declare public readonly remoteSubnetId: pulumi.Output<string | undefined>;
  /** Description. */
  declare public readonly description: pulumi.Output<string>;
  /** Project of the rule's group. */
  declare public readonly project: pulumi.Output<string>;
  /** Creation time, ISO 8601 UTC. */
  declare public readonly createdAt: pulumi.Output<string>;
  /** Last change, ISO 8601 UTC. */
  declare public readonly updatedAt: pulumi.Output<string>;

  /** URN of this resource; makes its create idempotent (set by the SDK). */
  declare public readonly managedBy: pulumi.Output<string>;

  constructor(name: string, args: SecurityGroupRuleArgs, opts?: pulumi.CustomResourceOptions) {
    // Registers without the SDK's per-property promise stacks (see sdk/stacks.ts).
    const resume = pauseStackTraces();
    try {
      super(
        shimProvider("SecurityGroupRule"),
        name,
        {
          securityGroupId: args.securityGroupId,
          direction: args.direction,
          ethertype: args.ethertype,
          protocol: args.protocol,
          portRangeMin: args.portRangeMin,
          portRangeMax: args.portRangeMax,
          remoteIpPrefix: args.remoteIpPrefix,
          remoteGroupId: args.remoteGroupId,
          remoteSubnetId: args.remoteSubnetId,
          description: args.description,
          project: undefined,
          createdAt: undefined,
          updatedAt: undefined,
          managedBy: managedBy("SecurityGroupRule", name, opts),
          importId: importIdOf(opts),
        } satisfies PropsWith<SecurityGroupRuleInputs>,
        // Any change but description replaces the rule; the new one is created before the old one
        // is deleted (the canonical form guarantees the two never collide as duplicates).
        { deleteBeforeReplace: false, ...withoutImport(opts) },
        "secgroups",
        "SecurityGroupRule",
      );
    } catch (err) {
      resume();
      throw withCallerStack(err, SecurityGroupRule);
    } finally {
      resume();
    }
  }
}
