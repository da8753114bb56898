/** The SecurityGroup resource class users instantiate. */
import * as pulumi from "@pulumi/pulumi";
import type { InlineRule, SecurityGroupInputs, UnmanagedRule } from "../provider/domain/schemaTypes";
import type { Inputs, PropsWith } from "./inputs";
import { importIdOf, managedBy, withoutImport } from "./managedBy";
import { shimProvider } from "./shim";
import { pauseStackTraces, withCallerStack } from "./stacks";
import type { Peer } from "./peer";
import type { Port } from "./port";
import { SecurityGroupRule } from "./securityGroupRule";

/** Inputs of a SecurityGroup (see the README reference; both are generated from schema.json). */
export interface SecurityGroupArgs extends Inputs<SecurityGroupInputs> {}

/** A security group in the state backend. Type token `pulumi-nodejs:dynamic/secgroups:SecurityGroup`. */
export class SecurityGroup extends pulumi.dynamic.Resource {
  /** Name, unique per project. */
  declare public readonly name: pulumi.Output<string>;
  /** Description. */
  declare public readonly description: pulumi.Output<string>;
  /** Whether the group is stateful. */
  declare public readonly stateful: pulumi.Output<boolean>;
  /** Tags, sorted. */
  declare public readonly tags: pulumi.Output<string[]>;
  /** Whether the profile's default rules were removed. */
  declare public readonly deleteDefaultRules: pulumi.Output<boolean>;
  /** Owning project. */
  declare public readonly project: pulumi.Output<string>;
  /** Bumped by every change of the group or its rules, as Neutron's revision_number. */
  declare public readonly revisionNumber: pulumi.Output<number>;
  /** Creation time, ISO 8601 UTC. */
  declare public readonly createdAt: pulumi.Output<string>;
  /** Last change, ISO 8601 UTC. */
  declare public readonly updatedAt: pulumi.Output<string>;
  /** Ids of the rules the profile created with the group. */
  declare public readonly defaultRuleIds: pulumi.Output<string[]>;
  /** The inline rules (the `rules` input), checked and canonical; undefined without one. */
  declare public readonly rules: pulumi.Output<InlineRule[] | undefined>;
  /** Ids of the inline rules, in the order of `rules`. */
  declare public readonly ruleIds: pulumi.Output<string[] | undefined>;
  /** Rules no resource of this stack manages (added outside the program); refresh updates them. */
  declare public readonly unmanagedRules: pulumi.Output<UnmanagedRule[]>;

  /** URN of this resource; makes its create idempotent (set by the SDK). */
  declare public readonly managedBy: pulumi.Output<string>;

  constructor(name: string, args: SecurityGroupArgs = {}, opts?: pulumi.CustomResourceOptions) {
    // Registers without the SDK's per-property promise stacks (see sdk/stacks.ts).
    const resume = pauseStackTraces();
    try {
      super(
        shimProvider("SecurityGroup"),
        name,
        {
          name: args.name ?? name,
          description: args.description,
          stateful: args.stateful,
          tags: args.tags,
          deleteDefaultRules: args.deleteDefaultRules,
          project: args.project,
          rules: args.rules,
          ruleIds: undefined,
          revisionNumber: undefined,
          createdAt: undefined,
          updatedAt: undefined,
          defaultRuleIds: undefined,
          unmanagedRules: undefined,
          managedBy: managedBy("SecurityGroup", name, opts),
          importId: importIdOf(opts),
        } satisfies PropsWith<SecurityGroupInputs>,
        withoutImport(opts),
        "secgroups",
        "SecurityGroup",
      );
    } catch (err) {
      resume();
      throw withCallerStack(err, SecurityGroup);
    } finally {
      resume();
    }
  }

  /** Adds a rule letting `port` traffic in from `peer`; the rule is a child of this group. */
  public allowIngress(name: string, peer: Peer, port: Port, description?: string, opts?: pulumi.CustomResourceOptions): SecurityGroupRule {
    return this.allow("ingress", name, peer, port, description, opts);
  }

  /** Adds a rule letting `port` traffic out to `peer`; the rule is a child of this group. */
  public allowEgress(name: string, peer: Peer, port: Port, description?: string, opts?: pulumi.CustomResourceOptions): SecurityGroupRule {
    return this.allow("egress", name, peer, port, description, opts);
  }

  private allow(
    direction: "ingress" | "egress",
    name: string,
    peer: Peer,
    port: Port,
    description?: string,
    opts?: pulumi.CustomResourceOptions,
  ): SecurityGroupRule {
    return new SecurityGroupRule(
      name,
      { securityGroupId: this.id, direction, ...port.render(), ...peer.render(), description },
      { parent: this, ...opts },
    );
  }
}
